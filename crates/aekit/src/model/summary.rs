//! A Keras-style summary: one row per layer with its output shape and
//! parameter count, then the totals.

use std::fmt;

use super::dense::{DenseAutoencoderConfig, LayerPlan};

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
    /// Summarises the architecture for `n_features` inputs.
    pub fn of(config: &DenseAutoencoderConfig, n_features: usize) -> ModelSummary {
        let mut rows = Vec::new();
        let mut add = |prefix: &str, plan: Vec<LayerPlan>| {
            for (i, p) in plan.iter().enumerate() {
                let name = format!("{prefix}.{i}");
                rows.push(SummaryRow {
                    layer: format!("{name} (Dense)"),
                    width: p.d_out,
                    trainable: p.d_in * p.d_out + p.d_out,
                    non_trainable: 0,
                });
                if p.batch_norm {
                    rows.push(SummaryRow {
                        layer: format!("{name} (BatchNormalization)"),
                        width: p.d_out,
                        trainable: 2 * p.d_out,
                        non_trainable: 2 * p.d_out,
                    });
                }
                if p.activation != super::Activation::Linear {
                    rows.push(SummaryRow {
                        layer: format!("{name} ({})", p.activation.layer_name()),
                        width: p.d_out,
                        trainable: 0,
                        non_trainable: 0,
                    });
                }
                if p.dropout > 0.0 {
                    rows.push(SummaryRow {
                        layer: format!("{name} (Dropout {})", p.dropout),
                        width: p.d_out,
                        trainable: 0,
                        non_trainable: 0,
                    });
                }
            }
        };
        add("encoder", config.encoder_plan(n_features));
        add("decoder", config.decoder_plan(n_features));
        ModelSummary { n_features, rows }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_keras_for_the_tutorial_model() {
        // Keras counts 4 parameters per batch-norm unit, 2 of them
        // non-trainable: 93,150 in all and 1,200 non-trainable here.
        let config = DenseAutoencoderConfig {
            hidden: vec![200, 100],
            bottleneck: 50,
            batch_norm: true,
            ..Default::default()
        };
        let s = ModelSummary::of(&config, 100);
        let dense = 100 * 200 + 200 + 200 * 100 + 100 + 100 * 50 + 50;
        let dense = dense + 50 * 100 + 100 + 100 * 200 + 200 + 200 * 100 + 100;
        let bn = 4 * (200 + 100 + 100 + 200);
        assert_eq!(s.trainable() + s.non_trainable(), dense + bn);
        assert_eq!(s.non_trainable(), 2 * (200 + 100 + 100 + 200));
        assert_eq!(s.trainable() + s.non_trainable(), 93_150);
    }
}
