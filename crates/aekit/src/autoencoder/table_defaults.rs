//! What a user gets on a plain table (rows that are not images) without
//! naming an architecture: a dense linear autoencoder whose code is always
//! narrower than the input ([`code_width`]), trained long enough on small
//! tables ([`epochs`]). Both are decided at fit from the table (the input
//! count after column handling, the training row count), then stored in
//! the model file as given parameters are, so a saved model loads as it was
//! trained. They were chosen leave-one-set-out on 14 public tables by the
//! logistic-regression accuracy of the codes (bench/tabular_width.py;
//! BENCHMARKS.md "Tabular defaults: code width" has the figures).

use crate::model::ModelConfig;
use crate::train::TrainingConfig;

/// The code is at most this wide however many inputs a table has: beyond
/// every measured table (180 inputs at most, a 135-wide code), a bound on
/// the weights of very wide ones (2 x 256 x d rather than 1.5 x d^2).
pub const CODE_WIDTH_CAP: usize = 256;

/// The code keeps this share of the inputs, `(numerator, denominator)`,
/// rounded half up, below [`CODE_WIDTH_CAP`].
pub const CODE_WIDTH_SHARE: (usize, usize) = (3, 4);

/// Rows that training passes through at least, when the epochs are left
/// to the table: 5000 gradient steps at the default batch of 32 (small
/// tables need more passes). Counted in rows, not steps, so that a larger
/// batch does not multiply the work.
pub const MIN_ROWS_SEEN: usize = 5000 * 32;

/// Epochs when the table is large enough for [`MIN_STEPS`] in fewer.
pub const MIN_EPOCHS: usize = 50;

/// Which parameters were left unset, to be decided from the table at fit.
/// Everything is left by default; nothing once any architecture parameter
/// (or a whole model) is given, and the epochs not once they are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDefaults {
    /// The code's width ([`code_width`]) of a dense model.
    pub architecture: bool,
    /// The epochs ([`epochs`]), when the architecture is left too.
    pub epochs: bool,
}

impl Default for TableDefaults {
    fn default() -> Self {
        TableDefaults::ALL
    }
}

impl TableDefaults {
    /// Every parameter left to the table.
    pub const ALL: TableDefaults = TableDefaults {
        architecture: true,
        epochs: true,
    };
    /// None: the kinds' own defaults (a 2-wide code, 50 epochs).
    pub const NONE: TableDefaults = TableDefaults {
        architecture: false,
        epochs: false,
    };

    /// `model` with its code width decided for `n_inputs` inputs when the
    /// architecture is left to the table. Dense models only: a vae keeps
    /// its 2-wide code (drawn and sampled in the plane).
    pub fn apply(&self, model: &ModelConfig, n_inputs: usize) -> ModelConfig {
        let mut model = model.clone();
        if let (true, ModelConfig::Dense(c)) = (self.architecture, &mut model) {
            c.bottleneck = code_width(n_inputs);
        }
        model
    }

    /// The training of `n_train` rows: with the architecture and the
    /// epochs left to the table, [`epochs`].
    pub fn training(
        &self,
        model: &ModelConfig,
        given: &TrainingConfig,
        n_train: usize,
    ) -> TrainingConfig {
        let mut t = given.clone();
        if self.architecture && self.epochs && matches!(model, ModelConfig::Dense(_)) {
            t.epochs = epochs(n_train);
        }
        t
    }
}

/// The default code width for `n_inputs` inputs: 3/4 of them (rounded half
/// up), at most [`CODE_WIDTH_CAP`] (256), and always fewer than the inputs (an
/// autoencoder's code is a compressed representation): 1 for 2 inputs or
/// fewer.
pub fn code_width(n_inputs: usize) -> usize {
    let (num, den) = CODE_WIDTH_SHARE;
    let share = (num * n_inputs + den / 2) / den;
    share
        .min(CODE_WIDTH_CAP)
        .min(n_inputs.saturating_sub(1))
        .max(1)
}

/// The default epochs for `n_train` training rows: enough to pass
/// [`MIN_ROWS_SEEN`] rows, at least [`MIN_EPOCHS`]:
/// `max(50, ceil(5000 * 32 / n_train))`, 50 from 3200 rows.
pub fn epochs(n_train: usize) -> usize {
    MIN_ROWS_SEEN.div_ceil(n_train.max(1)).max(MIN_EPOCHS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DenseAutoencoderConfig, VaeConfig};

    #[test]
    fn the_code_is_three_quarters_of_the_inputs_at_most_256_and_always_narrower() {
        for (d, width) in [
            (1, 1),
            (2, 1),
            (3, 2),
            (4, 3),
            (6, 5),
            (8, 6),
            (9, 7),
            (13, 10),
            (18, 14),
            (30, 23),
            (33, 25),
            (42, 32),
            (60, 45),
            (64, 48),
            (100, 75),
            (180, 135),
            (341, 256),
            (342, 256),
            (784, 256),
            (100_000, 256),
        ] {
            assert_eq!(code_width(d), width, "d = {d}");
        }
        for d in 2..200 {
            assert!(code_width(d) < d, "d = {d}");
        }
    }

    #[test]
    fn small_tables_train_for_5000_steps_large_ones_50_epochs() {
        for (n, e) in [
            (1, 160_000),
            (119, 1345),
            (670, 239),
            (1000, 160),
            (3199, 51),
            (3200, 50),
            (100_000, 50),
        ] {
            assert_eq!(epochs(n), e, "n = {n}");
        }
        assert_eq!(epochs(0), 160_000, "no rows: no division by zero");
    }

    #[test]
    fn given_parameters_stay() {
        let dense: ModelConfig = DenseAutoencoderConfig::default().into();
        let t = TrainingConfig::default();
        let ModelConfig::Dense(c) = TableDefaults::ALL.apply(&dense, 13) else {
            unreachable!()
        };
        assert_eq!(c.bottleneck, 10);
        assert_eq!(
            c,
            DenseAutoencoderConfig {
                bottleneck: 10,
                ..Default::default()
            },
            "only the width changes"
        );
        assert_eq!(TableDefaults::ALL.training(&dense, &t, 119).epochs, 1345);
        // Any architecture parameter given: nothing decided, epochs neither.
        assert_eq!(TableDefaults::NONE.apply(&dense, 13), dense);
        let arch_given = TableDefaults {
            architecture: false,
            epochs: true,
        };
        assert_eq!(arch_given.apply(&dense, 13), dense);
        assert_eq!(arch_given.training(&dense, &t, 119), t);
        // Epochs given: the width is still decided, the epochs stay.
        let epochs_given = TableDefaults {
            architecture: true,
            epochs: false,
        };
        assert_ne!(epochs_given.apply(&dense, 13), dense);
        assert_eq!(epochs_given.training(&dense, &t, 119), t);
        // A vae keeps its own defaults.
        let vae: ModelConfig = VaeConfig::default().into();
        assert_eq!(TableDefaults::ALL.apply(&vae, 13), vae);
        assert_eq!(TableDefaults::ALL.training(&vae, &t, 119), t);
    }
}
