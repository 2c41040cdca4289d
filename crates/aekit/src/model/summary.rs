//! A Keras-style summary: one row per layer with its output shape and
//! parameter count, then the totals.

use std::fmt;

/// One row of the summary table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// Layer name and type, e.g. `encoder.0 (Dense)`.
    pub layer: String,
    /// Width of the layer's output (the batch dimension is left out).
    pub width: usize,
    /// Parameters the optimiser trains.
    pub trainable: usize,
    /// Parameters it does not (batch-norm running statistics).
    pub non_trainable: usize,
}

/// The whole summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSummary {
    /// Input width.
    pub n_features: usize,
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
        let rule = "=".repeat(name_width + 30);
        writeln!(
            f,
            "{:<name_width$}{:<18}{:>12}",
            "Layer (type)", "Output Shape", "Param #"
        )?;
        writeln!(f, "{rule}")?;
        writeln!(
            f,
            "{:<name_width$}{:<18}{:>12}",
            "input (InputLayer)",
            format!("(None, {})", self.n_features),
            0
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<name_width$}{:<18}{:>12}",
                r.layer,
                format!("(None, {})", r.width),
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
