//! A Keras-style summary: one row per layer with its output shape and
//! parameter count, then the totals.

use std::fmt;

/// One row of the summary table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// Layer name and type, e.g. `encoder.0 (Dense)`.
    pub layer: String,
    /// Shape of the layer's output without the batch dimension: `[width]`
    /// for dense layers, `[channels, height, width]` for convolutions.
    pub shape: Vec<usize>,
    /// Parameters the optimiser trains.
    pub trainable: usize,
    /// Parameters it does not (batch-norm running statistics).
    pub non_trainable: usize,
}

/// The whole summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSummary {
    /// Shape of one input row: `[features]`, or `[C, H, W]` for images.
    pub input_shape: Vec<usize>,
    /// Rows, input side first.
    pub rows: Vec<SummaryRow>,
}

impl ModelSummary {
    /// Trainable parameters in all layers.
    pub fn trainable(&self) -> usize {
        self.rows.iter().map(|r| r.trainable).sum()
    }

    /// Non-trainable parameters in all layers.
    pub fn non_trainable(&self) -> usize {
        self.rows.iter().map(|r| r.non_trainable).sum()
    }
}

/// Keras' way of writing a shape: `(None, 16)`, `(None, 32, 4, 4)`.
fn shape_text(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    format!("(None, {})", dims.join(", "))
}

impl fmt::Display for ModelSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name_width = self
            .rows
            .iter()
            .map(|r| r.layer.len())
            .chain([20])
            .max()
            .unwrap_or(20)
            + 2;
        let rule = "=".repeat(name_width + 34);
        writeln!(
            f,
            "{:<name_width$}{:<22}{:>12}",
            "Layer (type)", "Output Shape", "Param #"
        )?;
        writeln!(f, "{rule}")?;
        writeln!(
            f,
            "{:<name_width$}{:<22}{:>12}",
            "input (InputLayer)",
            shape_text(&self.input_shape),
            0
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<name_width$}{:<22}{:>12}",
                r.layer,
                shape_text(&r.shape),
                r.trainable + r.non_trainable
            )?;
        }
        writeln!(f, "{rule}")?;
        writeln!(
            f,
            "Total params: {}",
            self.trainable() + self.non_trainable()
        )?;
        writeln!(f, "Trainable params: {}", self.trainable())?;
        write!(f, "Non-trainable params: {}", self.non_trainable())
    }
}
