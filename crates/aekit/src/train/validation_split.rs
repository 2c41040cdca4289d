//! The one validation split of every kind: which training rows are held
//! out to validate on, by [`TrainingConfig::validation_split`] and
//! [`TrainingConfig::shuffle_before_split`], drawn from the seed.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::config::TrainingConfig;
use crate::error::{AekitError, Result};

/// The random stream a kind draws its split from. The tabular and the
/// text kinds drew theirs from different streams before the split was
/// shared, and the text kinds shuffled their rows even without a split
/// (the order feeds their vocabulary and batches); both are kept so the
/// same seed gives the same model as before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SplitStream {
    /// Dense, conv, VAE and the detector's members.
    Tabular,
    /// The text classifier and the document autoencoder.
    Text,
}

impl SplitStream {
    fn seed(self, seed: u64) -> u64 {
        match self {
            SplitStream::Tabular => seed ^ 0xA5A5_5A5A_0F0F_F0F0,
            SplitStream::Text => seed ^ 0x5EED_5B11_7000_0001,
        }
    }
}

/// The rows to fit on and the rows held out for validation, out of `n`:
/// the last `validation_split` of them, after a seeded shuffle when
/// `shuffle_before_split`. `None`: every row, in its order, and no
/// validation rows. A split that leaves no row on either side is an error
/// (as Keras'), whatever the kind.
pub(crate) fn validation_rows(
    training: &TrainingConfig,
    n: usize,
    stream: SplitStream,
) -> Result<Option<(Vec<usize>, Vec<usize>)>> {
    let shuffle = |order: &mut Vec<usize>| {
        if training.shuffle_before_split {
            order.shuffle(&mut StdRng::seed_from_u64(stream.seed(training.seed)));
        }
    };
    let Some(split) = training.validation_split else {
        if stream == SplitStream::Text && training.shuffle_before_split {
            let mut order: Vec<usize> = (0..n).collect();
            shuffle(&mut order);
            return Ok(Some((order, Vec::new())));
        }
        return Ok(None);
    };
    let n_val = ((n as f64) * split).round() as usize;
    if n_val == 0 || n_val >= n {
        return Err(AekitError::param(
            "validation_split",
            format!("{split} of {n} rows leaves no rows for training or for validation"),
        ));
    }
    let mut order: Vec<usize> = (0..n).collect();
    shuffle(&mut order);
    let val = order.split_off(n - n_val);
    Ok(Some((order, val)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn training(split: Option<f64>, shuffle: bool) -> TrainingConfig {
        TrainingConfig {
            validation_split: split,
            shuffle_before_split: shuffle,
            seed: 5,
            ..TrainingConfig::default()
        }
    }

    #[test]
    fn every_row_lands_on_one_side() {
        for stream in [SplitStream::Tabular, SplitStream::Text] {
            for shuffle in [false, true] {
                let (mut fit, val) = validation_rows(&training(Some(0.25), shuffle), 20, stream)
                    .unwrap()
                    .unwrap();
                assert_eq!((fit.len(), val.len()), (15, 5));
                if !shuffle {
                    assert_eq!(val, (15..20).collect::<Vec<_>>(), "the last rows, as Keras");
                }
                fit.extend(val);
                fit.sort_unstable();
                assert_eq!(fit, (0..20).collect::<Vec<_>>());
            }
        }
        // The two streams draw differently from one seed.
        let draw = |s| validation_rows(&training(Some(0.25), true), 20, s).unwrap();
        assert_ne!(draw(SplitStream::Tabular), draw(SplitStream::Text));
    }

    #[test]
    fn without_a_split_only_the_text_kinds_reorder() {
        let t = training(None, true);
        assert_eq!(validation_rows(&t, 10, SplitStream::Tabular).unwrap(), None);
        let (order, val) = validation_rows(&t, 10, SplitStream::Text).unwrap().unwrap();
        assert!(val.is_empty() && order != (0..10).collect::<Vec<_>>());
        let kept = training(None, false);
        assert_eq!(validation_rows(&kept, 10, SplitStream::Text).unwrap(), None);
    }

    #[test]
    fn a_split_leaving_a_side_empty_is_one_error_for_every_kind() {
        for stream in [SplitStream::Tabular, SplitStream::Text] {
            match validation_rows(&training(Some(0.1), true), 4, stream) {
                Err(AekitError::InvalidParam { name, message }) => {
                    assert_eq!(name, "validation_split");
                    assert!(message.contains("of 4 rows"), "{message}");
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
