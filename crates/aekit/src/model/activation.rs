//! Element-wise activations: parsed from the names the command line uses
//! and shown in summaries. (The plain enum lives with the kernels, its
//! burn tensor form with the losses in [`crate::train::loss`].)

use std::fmt;
use std::str::FromStr;

pub use crate::kernel::activate::Activation;

/// Keras' `LeakyReLU()` default, which the seed tutorial relies on.
pub const DEFAULT_LEAKY_SLOPE: f64 = 0.3;

impl Activation {
    /// The Keras layer name shown in model summaries.
    pub fn layer_name(self) -> String {
        match self {
            Activation::Linear => "Linear".into(),
            Activation::Relu => "ReLU".into(),
            Activation::LeakyRelu { slope } => format!("LeakyReLU({slope})"),
            Activation::Sigmoid => "Sigmoid".into(),
            Activation::Tanh => "Tanh".into(),
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::Linear => f.write_str("linear"),
            Activation::Relu => f.write_str("relu"),
            Activation::LeakyRelu { slope } => write!(f, "leaky_relu:{slope}"),
            Activation::Sigmoid => f.write_str("sigmoid"),
            Activation::Tanh => f.write_str("tanh"),
        }
    }
}

impl FromStr for Activation {
    type Err = String;

    /// Parses `relu`, `leaky_relu`, `leaky_relu:0.1`, `sigmoid`, `tanh`, `linear`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, arg) = match s.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (s, None),
        };
        let no_arg = |a: Activation| match arg {
            None => Ok(a),
            Some(_) => Err(format!("activation '{name}' takes no parameter")),
        };
        match name.to_ascii_lowercase().as_str() {
            "linear" | "identity" | "none" => no_arg(Activation::Linear),
            "relu" => no_arg(Activation::Relu),
            "sigmoid" => no_arg(Activation::Sigmoid),
            "tanh" => no_arg(Activation::Tanh),
            "leaky_relu" | "leakyrelu" => {
                let slope = match arg {
                    None => DEFAULT_LEAKY_SLOPE,
                    Some(a) => a
                        .parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite() && *v >= 0.0)
                        .ok_or_else(|| {
                            format!("leaky_relu slope '{a}' is not a non-negative number")
                        })?,
                };
                Ok(Activation::LeakyRelu { slope })
            }
            _ => Err(format!(
                "unknown activation '{s}' (expected relu, leaky_relu[:slope], sigmoid, tanh or linear)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_slopes() {
        assert_eq!("relu".parse::<Activation>().unwrap(), Activation::Relu);
        assert_eq!(
            "leaky_relu".parse::<Activation>().unwrap(),
            Activation::LeakyRelu { slope: 0.3 }
        );
        assert_eq!(
            "leaky_relu:0.1".parse::<Activation>().unwrap(),
            Activation::LeakyRelu { slope: 0.1 }
        );
        assert!("relu:2".parse::<Activation>().is_err());
        assert!("swish".parse::<Activation>().is_err());
        let a = Activation::LeakyRelu { slope: 0.1 };
        assert_eq!(a.to_string().parse::<Activation>().unwrap(), a);
    }
}
