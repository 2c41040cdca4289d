//! Reconstruction losses. Binary cross-entropy takes float targets in
//! [0, 1] (burn's own wants integer classes) and is computed from logits
//! when the output layer is a sigmoid, which stays finite where the
//! probabilities saturate.

use burn::tensor::{Tensor, activation};

use crate::kernel::activate::Activation;
pub use crate::kernel::loss::LossKind;

// burn's tensor form of the activations, shared by the losses below and by
// every kind's modules.
impl Activation {
    /// Applies the activation.
    pub(crate) fn forward<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Linear => x,
            Activation::Relu => activation::relu(x),
            Activation::LeakyRelu { slope } => activation::leaky_relu(x, slope),
            Activation::Sigmoid => activation::sigmoid(x),
            Activation::Tanh => activation::tanh(x),
        }
    }
}

/// Keras clips probabilities to this before taking logarithms.
const PROBABILITY_EPSILON: f64 = 1e-7;

// The names are the losses' ("from logits"), not conversions: crate-private
// since the public API hides burn's tensors.
#[allow(clippy::wrong_self_convention)]
impl LossKind {
    /// Mean loss over all elements, from the output layer's pre-activation
    /// values `logits`, its `activation`, and the `targets`.
    ///
    /// # Shapes
    /// - logits, targets: `[batch, n_features]`; output: `[1]`
    pub(crate) fn from_logits(
        self,
        logits: Tensor<2>,
        activation: Activation,
        targets: Tensor<2>,
    ) -> Tensor<1> {
        match (self, activation) {
            (LossKind::Bce, Activation::Sigmoid) => {
                // max(z, 0) - z t + log(1 + exp(-|z|))
                let softplus = logits.clone().abs().neg().exp().log1p();
                (logits.clone().clamp_min(0.0) - logits * targets + softplus).mean()
            }
            _ => self.from_outputs(activation.forward(logits), targets),
        }
    }

    /// Mean loss over all elements, from outputs.
    ///
    /// # Shapes
    /// - outputs, targets: `[batch, n_features]`; output: `[1]`
    pub(crate) fn from_outputs(self, outputs: Tensor<2>, targets: Tensor<2>) -> Tensor<1> {
        match self {
            LossKind::Mse => (outputs - targets).square().mean(),
            LossKind::Mae => (outputs - targets).abs().mean(),
            LossKind::Bce => {
                let p = outputs.clamp(PROBABILITY_EPSILON, 1.0 - PROBABILITY_EPSILON);
                let one_minus = p.clone().neg().add_scalar(1.0);
                (targets.clone() * p.log() + targets.neg().add_scalar(1.0) * one_minus.log())
                    .mean()
                    .neg()
            }
        }
    }
}

/// Parses the command line's names (mse, bce, mae).
impl std::str::FromStr for LossKind {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        crate::error::by_name(
            "loss",
            s,
            &[
                ("mse", LossKind::Mse),
                ("bce", LossKind::Bce),
                ("mae", LossKind::Mae),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn t(v: Vec<f32>) -> Tensor<2> {
        let n = v.len();
        Tensor::from_data(TensorData::new(v, [1, n]), &Device::flex())
    }

    #[test]
    fn bce_from_logits_matches_bce_from_probabilities() {
        let logits = vec![-2.0f32, 0.0, 1.5, 3.0];
        let targets = vec![0.0f32, 0.5, 1.0, 0.2];
        let a: f32 = LossKind::Bce
            .from_logits(t(logits.clone()), Activation::Sigmoid, t(targets.clone()))
            .into_scalar();
        let probs = Activation::Sigmoid.forward(t(logits));
        let b: f32 = LossKind::Bce.from_outputs(probs, t(targets)).into_scalar();
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }

    /// burn's loss and its autodiff gradient for the same inputs.
    fn burn_reference(
        loss: LossKind,
        activation: Activation,
        z: &[f32],
        t: &[f32],
    ) -> (f64, Vec<f32>) {
        let device = Device::flex().autodiff();
        let n = z.len();
        let zt: Tensor<2> =
            Tensor::from_data(TensorData::new(z.to_vec(), [1, n]), &device).require_grad();
        let tt: Tensor<2> = Tensor::from_data(TensorData::new(t.to_vec(), [1, n]), &device);
        let l = loss.from_logits(zt.clone(), activation, tt);
        let value = f64::from(l.clone().into_scalar::<f32>());
        let grads = l.backward();
        let g = zt.grad(&grads).expect("z has a gradient");
        (value, g.into_data().try_into_vec::<f32>().expect("f32"))
    }

    /// The kernels' fused loss ([`crate::kernel::loss`]) against burn's chain.
    #[test]
    fn fused_loss_matches_burns_loss_and_gradient() {
        let z: Vec<f32> = (0..40).map(|i| (i as f32 - 19.5) * 0.37).collect();
        let t: Vec<f32> = (0..40).map(|i| ((i * 7) % 11) as f32 / 10.0).collect();
        let activations = [
            Activation::Linear,
            Activation::Relu,
            Activation::LeakyRelu { slope: 0.3 },
            Activation::Sigmoid,
            Activation::Tanh,
        ];
        for loss in [LossKind::Mse, LossKind::Mae] {
            for activation in activations {
                check(loss, activation, &z, &t);
            }
        }
        check(LossKind::Bce, Activation::Sigmoid, &z, &t);
    }

    fn check(loss: LossKind, activation: Activation, z: &[f32], t: &[f32]) {
        let (value, grad) = crate::kernel::loss::loss_and_gradient(loss, activation, z, t);
        let (expected, expected_grad) = burn_reference(loss, activation, z, t);
        assert!(
            (value - expected).abs() <= 1e-5 * expected.abs().max(1.0),
            "{loss:?} {activation:?}: {value} vs {expected}"
        );
        for (i, (a, b)) in grad.iter().zip(&expected_grad).enumerate() {
            assert!(
                (a - b).abs() <= 1e-6 + 1e-4 * b.abs(),
                "{loss:?} {activation:?} [{i}]: {a} vs {b}"
            );
        }
    }

    #[test]
    fn mse_and_mae_are_means() {
        let mse: f32 = LossKind::Mse
            .from_outputs(t(vec![1.0, 3.0]), t(vec![0.0, 0.0]))
            .into_scalar();
        assert!((mse - 5.0).abs() < 1e-6);
        let mae: f32 = LossKind::Mae
            .from_outputs(t(vec![1.0, -3.0]), t(vec![0.0, 0.0]))
            .into_scalar();
        assert!((mae - 2.0).abs() < 1e-6);
    }
}
