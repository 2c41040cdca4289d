//! How a dense layer's weights and biases start: Keras' default, PyTorch's
//! and the two fan-in rules both offer. Only training draws them (a model
//! file stores the weights), so the choice never changes a fitted model.

use std::fmt;
use std::str::FromStr;

use rand::Rng;
use serde::{Deserialize, Serialize};

/// A dense layer's weight initialisation. Default `glorot_uniform`, as Keras.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    /// Keras' `Dense` default: U(±sqrt(6 / (fan_in + fan_out))), zero biases.
    #[default]
    GlorotUniform,
    /// Keras' `he_uniform`: U(±sqrt(6 / fan_in)), zero biases.
    HeUniform,
    /// Keras' `lecun_uniform`: U(±sqrt(3 / fan_in)), zero biases.
    LecunUniform,
    /// PyTorch's `nn.Linear` default: `kaiming_uniform(a=sqrt(5))` weights,
    /// U(±1 / sqrt(fan_in)), and biases drawn from the same range.
    Pytorch,
}

impl Init {
    /// Whether this is the default (the model file then leaves it out, so
    /// files stay as they were before the choice existed).
    pub fn is_default(&self) -> bool {
        *self == Init::default()
    }

    /// A `[d_in, d_out]` weight matrix (row-major) and `d_out` biases from `rng`.
    pub fn draw(self, rng: &mut impl Rng, d_in: usize, d_out: usize) -> (Vec<f32>, Vec<f32>) {
        let fan_in = d_in.max(1) as f64;
        let limit = match self {
            Init::GlorotUniform => (6.0 / (d_in + d_out).max(1) as f64).sqrt(),
            Init::HeUniform => (6.0 / fan_in).sqrt(),
            Init::LecunUniform => (3.0 / fan_in).sqrt(),
            Init::Pytorch => 1.0 / fan_in.sqrt(),
        } as f32;
        let weights = (0..d_in * d_out)
            .map(|_| rng.random_range(-limit..limit))
            .collect();
        let biases = match self {
            // Drawn after the weights, as PyTorch's `reset_parameters`.
            Init::Pytorch => (0..d_out)
                .map(|_| rng.random_range(-limit..limit))
                .collect(),
            _ => vec![0.0; d_out],
        };
        (weights, biases)
    }
}

impl fmt::Display for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Init::GlorotUniform => "glorot_uniform",
            Init::HeUniform => "he_uniform",
            Init::LecunUniform => "lecun_uniform",
            Init::Pytorch => "pytorch",
        })
    }
}

impl FromStr for Init {
    type Err = String;

    /// Parses the names [`Display`](fmt::Display) writes (`-` read as `_`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('-', "_").as_str() {
            "glorot_uniform" => Ok(Init::GlorotUniform),
            "he_uniform" => Ok(Init::HeUniform),
            "lecun_uniform" => Ok(Init::LecunUniform),
            "pytorch" | "torch" => Ok(Init::Pytorch),
            _ => Err(format!(
                "unknown init '{s}' (expected glorot_uniform, he_uniform, lecun_uniform or pytorch)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for init in [
            Init::GlorotUniform,
            Init::HeUniform,
            Init::LecunUniform,
            Init::Pytorch,
        ] {
            assert_eq!(init.to_string().parse::<Init>().unwrap(), init);
        }
        assert_eq!(
            "glorot-uniform".parse::<Init>().unwrap(),
            Init::GlorotUniform
        );
        assert!("xavier".parse::<Init>().is_err());
    }

    #[test]
    fn draws_stay_in_their_ranges_and_fill_them() {
        let mut rng = StdRng::seed_from_u64(3);
        let (d_in, d_out) = (50, 30);
        for (init, limit, bias) in [
            (Init::GlorotUniform, (6.0f32 / 80.0).sqrt(), false),
            (Init::HeUniform, (6.0f32 / 50.0).sqrt(), false),
            (Init::LecunUniform, (3.0f32 / 50.0).sqrt(), false),
            (Init::Pytorch, 1.0 / 50f32.sqrt(), true),
        ] {
            let (w, b) = init.draw(&mut rng, d_in, d_out);
            assert_eq!((w.len(), b.len()), (d_in * d_out, d_out));
            let max = w.iter().fold(0f32, |m, v| m.max(v.abs()));
            // 1500 uniform draws reach within 1 % of the bound, never past it.
            assert!(
                max <= limit && max > 0.99 * limit,
                "{init}: {max} vs {limit}"
            );
            let bmax = b.iter().fold(0f32, |m, v| m.max(v.abs()));
            assert_eq!(bmax > 0.5 * limit, bias, "{init} biases");
            assert!(bmax <= limit);
        }
    }
}
