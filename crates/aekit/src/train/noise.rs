//! Corruption of training inputs for denoising autoencoders: Gaussian noise
//! added to the scaled inputs, or masking noise that zeroes inputs. The
//! target stays the clean row.
//!
//! Every value's draw is a hash of (seed, epoch, position), so the noise is
//! fresh each epoch, the same for a given seed on every training path and
//! thread count, and drawn in parallel.

use std::fmt;
use std::str::FromStr;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::Matrix;
use crate::error::{AekitError, Result};
use crate::kernel::dropout::mix;

/// Keeps the noise stream apart from the other streams drawn from the seed.
const NOISE_STREAM: u64 = 0x6E6F_6973_655F_7331;

/// Rows per parallel task.
const ROWS_PER_TASK: usize = 512;

/// How training inputs are corrupted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Noise {
    /// Adds `N(0, sigma^2)` to every scaled input value.
    Gaussian {
        /// Standard deviation, in scaled units.
        sigma: f64,
    },
    /// Sets each input value to 0 with this probability (Vincent et al.'s
    /// masking noise; kept values are not rescaled).
    Mask {
        /// Probability of zeroing a value, in [0, 1).
        probability: f64,
    },
}

impl Noise {
    /// Checks the noise's parameter.
    pub fn validate(self) -> Result<()> {
        match self {
            Noise::Gaussian { sigma } if !(sigma > 0.0 && sigma.is_finite()) => {
                Err(AekitError::param(
                    "noise",
                    format!("gaussian sigma must be positive, got {sigma}"),
                ))
            }
            Noise::Mask { probability } if !(0.0..1.0).contains(&probability) => {
                Err(AekitError::param(
                    "noise",
                    format!("mask probability must be in [0, 1), got {probability}"),
                ))
            }
            _ => Ok(()),
        }
    }

    /// `inputs` corrupted for epoch `epoch` of a training seeded with
    /// `seed`; with `clip`, Gaussian-noised values are clipped to that range
    /// (the output range of a sigmoid model, so inputs stay where targets can be).
    /// Runs on the current rayon pool: crate-only, called inside the
    /// library's pool (training, `apply::denoise`).
    pub(crate) fn corrupt(
        self,
        inputs: &Matrix,
        seed: u64,
        epoch: u64,
        clip: Option<(f32, f32)>,
    ) -> Matrix {
        let key = mix(mix(seed ^ NOISE_STREAM) ^ epoch);
        let mut values = inputs.values.clone();
        let width = inputs.n_cols.max(1);
        values
            .par_chunks_mut(ROWS_PER_TASK * width)
            .enumerate()
            .for_each(|(task, chunk)| {
                let first = (task * ROWS_PER_TASK * width) as u64;
                for (i, v) in chunk.iter_mut().enumerate() {
                    let h = mix(key.wrapping_add(first + i as u64));
                    *v = match self {
                        Noise::Gaussian { sigma } => {
                            let noisy = *v + (sigma * standard_normal(h)) as f32;
                            match clip {
                                Some((lo, hi)) => noisy.clamp(lo, hi),
                                None => noisy,
                            }
                        }
                        Noise::Mask { probability } => {
                            if unit(h) < probability {
                                0.0
                            } else {
                                *v
                            }
                        }
                    };
                }
            });
        Matrix::new(values, inputs.n_cols)
    }
}

/// A uniform draw in [0, 1) from the top 53 bits of a hash.
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal draw from one hash (Box-Muller on its two halves).
fn standard_normal(h: u64) -> f64 {
    let u1 = ((h >> 32) as f64 + 0.5) / (1u64 << 32) as f64;
    let u2 = (h & 0xFFFF_FFFF) as f64 / (1u64 << 32) as f64;
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

impl fmt::Display for Noise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Noise::Gaussian { sigma } => write!(f, "gaussian:{sigma}"),
            Noise::Mask { probability } => write!(f, "mask:{probability}"),
        }
    }
}

impl FromStr for Noise {
    type Err = String;

    /// Parses `gaussian:SIGMA` or `mask:P`.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let usage = "expected gaussian:SIGMA (e.g. gaussian:0.3) or mask:P (e.g. mask:0.3)";
        let (name, value) = s.split_once(':').ok_or_else(|| format!("'{s}': {usage}"))?;
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|_| format!("'{s}': '{value}' is not a number; {usage}"))?;
        let noise = match name.trim().to_ascii_lowercase().as_str() {
            "gaussian" | "normal" => Noise::Gaussian { sigma: value },
            "mask" | "masking" => Noise::Mask { probability: value },
            other => return Err(format!("'{s}': unknown noise '{other}'; {usage}")),
        };
        noise.validate().map_err(|e| match e {
            AekitError::InvalidParam { message, .. } => format!("'{s}': {message}"),
            other => other.to_string(),
        })?;
        Ok(noise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ones(rows: usize, cols: usize) -> Matrix {
        Matrix::new(vec![0.5; rows * cols], cols)
    }

    #[test]
    fn parses_and_refuses() {
        assert_eq!(
            "gaussian:0.3".parse::<Noise>().unwrap(),
            Noise::Gaussian { sigma: 0.3 }
        );
        assert_eq!(
            "mask:0.25".parse::<Noise>().unwrap(),
            Noise::Mask { probability: 0.25 }
        );
        for bad in [
            "gaussian",
            "gaussian:-1",
            "gaussian:x",
            "mask:1",
            "mask:-0.1",
            "salt:0.1",
        ] {
            assert!(bad.parse::<Noise>().is_err(), "{bad}");
        }
        let n = Noise::Mask { probability: 0.5 };
        assert_eq!(n.to_string().parse::<Noise>().unwrap(), n);
    }

    #[test]
    fn gaussian_noise_has_its_moments_and_clips() {
        let m = ones(2000, 50);
        let noisy = Noise::Gaussian { sigma: 0.3 }.corrupt(&m, 1, 1, None);
        let d: Vec<f64> = noisy.values.iter().map(|&v| f64::from(v) - 0.5).collect();
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / d.len() as f64).sqrt();
        assert!(mean.abs() < 0.005, "mean {mean}");
        assert!((sd - 0.3).abs() < 0.005, "sd {sd}");
        let clipped = Noise::Gaussian { sigma: 0.3 }.corrupt(&m, 1, 1, Some((0.0, 1.0)));
        assert!(clipped.values.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn mask_noise_zeroes_its_share() {
        let m = ones(2000, 50);
        let noisy = Noise::Mask { probability: 0.3 }.corrupt(&m, 1, 1, None);
        let zeroed = noisy.values.iter().filter(|&&v| v == 0.0).count() as f64 / 100_000.0;
        assert!((zeroed - 0.3).abs() < 0.005, "zeroed {zeroed}");
        assert!(noisy.values.iter().all(|&v| v == 0.0 || v == 0.5));
    }

    #[test]
    fn fresh_each_epoch_and_reproducible() {
        let m = ones(700, 9);
        let noise = Noise::Gaussian { sigma: 0.1 };
        let a = noise.corrupt(&m, 3, 1, None);
        assert_eq!(a, noise.corrupt(&m, 3, 1, None));
        assert_ne!(a, noise.corrupt(&m, 3, 2, None));
        assert_ne!(a, noise.corrupt(&m, 4, 1, None));
    }
}
