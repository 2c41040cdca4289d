//! The bridge between the dense kind's burn modules and the kernels'
//! plain-slice [`DenseNet`]: weights out of burn for the kernels, and the
//! kernels' trained weights back into burn's module.

use burn::module::{Module, Param, RunningState};
use burn::tensor::{Tensor, TensorData};

use super::module::{DenseAutoencoder, DenseLayer};
use crate::kernel::{DenseNet, NetLayer, NormParams};

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .try_into_vec::<f32>()
        .expect("model tensors are f32")
}

fn all_layers(model: &DenseAutoencoder) -> impl Iterator<Item = &DenseLayer> {
    model.encoder.layers.iter().chain(&model.decoder.layers)
}

fn convert(layer: &DenseLayer) -> NetLayer {
    let [d_in, d_out] = layer.linear.weight.val().dims();
    let bias = match &layer.linear.bias {
        Some(b) => values(b.val()),
        None => vec![0.0; d_out],
    };
    let norm = layer.norm.as_ref().map(|norm| NormParams {
        gamma: values(norm.gamma.val()),
        beta: values(norm.beta.val()),
        running_mean: values(norm.running_mean.value()),
        running_var: values(norm.running_var.value()),
        epsilon: norm.epsilon as f32,
        momentum: norm.momentum as f32,
    });
    NetLayer {
        d_in,
        d_out,
        weight: values(layer.linear.weight.val()),
        bias,
        norm,
        activation: layer.activation,
        dropout: layer.dropout.as_ref().map_or(0.0, |d| d.prob as f32),
    }
}

/// The training form of `model`: batch norm as its own parameters and
/// statistics, dropout rates kept.
pub fn trainable_net(model: &DenseAutoencoder) -> DenseNet {
    DenseNet::new(
        all_layers(model).map(convert).collect(),
        model.encoder.layers.len(),
    )
}

/// The inference form of `model`: batch norm folded into the affine map
/// with its running statistics, dropout left out (as in burn's `valid()`).
pub fn inference_net(model: &DenseAutoencoder) -> DenseNet {
    trainable_net(model).folded()
}

/// Copies `net`'s parameters and running statistics into `model`, which
/// must have the same architecture; the result is in inference form.
pub fn write_into(net: &DenseNet, model: DenseAutoencoder) -> DenseAutoencoder {
    let mut model = model.valid();
    let device = model.encoder.layers[0].linear.weight.val().device();
    let layers = model
        .encoder
        .layers
        .iter_mut()
        .chain(model.decoder.layers.iter_mut());
    for (layer, net_layer) in layers.zip(net.layers()) {
        layer.linear.weight = Param::from_tensor(Tensor::from_data(
            TensorData::new(net_layer.weight.clone(), [net_layer.d_in, net_layer.d_out]),
            &device,
        ));
        let vector = |v: &[f32]| -> Tensor<1> {
            Tensor::from_data(TensorData::new(v.to_vec(), [v.len()]), &device)
        };
        layer.linear.bias = Some(Param::from_tensor(vector(&net_layer.bias)));
        if let (Some(norm), Some(params)) = (&mut layer.norm, &net_layer.norm) {
            norm.gamma = Param::from_tensor(vector(&params.gamma));
            norm.beta = Param::from_tensor(vector(&params.beta));
            norm.running_mean = RunningState::new(vector(&params.running_mean));
            norm.running_var = RunningState::new(vector(&params.running_var));
        }
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::inference_device;
    use crate::data::Matrix;
    use crate::model::{Activation, DenseAutoencoderConfig};
    use crate::train::LossKind;
    use crate::train::batches::{Pairs, to_tensor};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn random(rows: usize, cols: usize, seed: u64) -> Matrix {
        let mut rng = StdRng::seed_from_u64(seed);
        Matrix::new(
            (0..rows * cols).map(|_| rng.random::<f32>()).collect(),
            cols,
        )
    }

    fn burn_forward(model: &DenseAutoencoder, x: &Matrix) -> Vec<f32> {
        values(model.forward(to_tensor(x.clone(), &inference_device())))
    }

    fn assert_close(a: &[f32], b: &[f32], tol: f32) {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= tol * (1.0 + y.abs()), "[{i}] {x} vs {y}");
        }
    }

    /// Gives batch norm non-trivial statistics, as after training.
    fn perturb_batch_norm(model: DenseAutoencoder) -> DenseAutoencoder {
        use burn::module::RunningState;
        let device = inference_device();
        let mut model = model;
        for (i, layer) in model
            .encoder
            .layers
            .iter_mut()
            .chain(model.decoder.layers.iter_mut())
            .enumerate()
        {
            if let Some(norm) = &mut layer.norm {
                let d = norm.gamma.val().dims()[0];
                let vec = |f: &dyn Fn(usize) -> f32| -> Tensor<1> {
                    Tensor::from_data(
                        TensorData::new((0..d).map(f).collect::<Vec<f32>>(), [d]),
                        &device,
                    )
                };
                norm.gamma = Param::from_tensor(vec(&|j| 0.5 + (j % 7) as f32 * 0.1));
                norm.beta = Param::from_tensor(vec(&|j| (j % 5) as f32 * 0.05 - 0.1));
                norm.running_mean = RunningState::new(vec(&|j| ((j + i) % 3) as f32 * 0.2 - 0.2));
                norm.running_var = RunningState::new(vec(&|j| 0.3 + (j % 4) as f32 * 0.4));
            }
        }
        model
    }

    #[test]
    fn inference_matches_burn_for_every_layer_kind() {
        let device = inference_device();
        let x = random(600, 13, 5);
        for (batch_norm, dropout, activation, output) in [
            (false, 0.0, Activation::Relu, Activation::Sigmoid),
            (
                true,
                0.0,
                Activation::LeakyRelu { slope: 0.3 },
                Activation::Linear,
            ),
            (true, 0.2, Activation::Tanh, Activation::Sigmoid),
            (false, 0.1, Activation::Sigmoid, Activation::Tanh),
        ] {
            let config = DenseAutoencoderConfig {
                hidden: vec![11, 7],
                bottleneck: 3,
                activation,
                output_activation: output,
                batch_norm,
                dropout,
                ..DenseAutoencoderConfig::default()
            };
            let model = config.init(13, 13, &mut StdRng::seed_from_u64(9), &device);
            let model = perturb_batch_norm(model);
            let net = inference_net(&model);
            assert_close(
                &net.map_rows(net.all(), &x.values),
                &burn_forward(&model, &x),
                1e-5,
            );
            let codes = Matrix::new(net.map_rows(net.encoder(), &x.values), 3);
            let expected = values(model.encoder.forward(to_tensor(x.clone(), &device)));
            assert_close(&codes.values, &expected, 1e-5);
            let decoded = net.map_rows(net.decoder(), &codes.values);
            let expected = values(model.decoder.forward(to_tensor(codes.clone(), &device)));
            assert_close(&decoded, &expected, 1e-5);
            let trainable = trainable_net(&model);
            assert_eq!(trainable.has_norm(), batch_norm);
            assert_eq!(trainable.folded(), net);
        }
    }

    #[test]
    fn errors_and_losses_match_their_definitions() {
        let device = inference_device();
        let config = DenseAutoencoderConfig {
            hidden: vec![9],
            bottleneck: 2,
            output_activation: Activation::Sigmoid,
            ..DenseAutoencoderConfig::default()
        };
        let model = config.init(6, 6, &mut StdRng::seed_from_u64(3), &device);
        let net = inference_net(&model);
        let x = random(700, 6, 8);
        let rebuilt = Matrix::new(burn_forward(&model, &x), 6);
        let expected = crate::model::row_errors(&x, &rebuilt);
        assert_close(&net.row_errors(&x.values, &x.values), &expected, 1e-5);
        let pairs = Pairs {
            inputs: &x,
            targets: &x,
        };
        for loss in [LossKind::Mse, LossKind::Bce, LossKind::Mae] {
            let expected = crate::train::burn_engine::mean_loss(&model, loss, pairs);
            let got = net.mean_loss(loss, &x.values, &x.values);
            assert!(
                (got - expected).abs() < 1e-5 * expected.abs().max(1.0),
                "{loss:?}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn written_weights_come_back() {
        let device = inference_device();
        let config = DenseAutoencoderConfig {
            hidden: vec![5],
            bottleneck: 2,
            batch_norm: true,
            ..DenseAutoencoderConfig::default()
        };
        let model = config.init(4, 4, &mut StdRng::seed_from_u64(1), &device);
        let mut net = trainable_net(&model);
        for layer in net.layers_mut() {
            layer.weight.iter_mut().for_each(|w| *w += 0.5);
            layer.bias.iter_mut().for_each(|b| *b -= 0.25);
            if let Some(norm) = &mut layer.norm {
                norm.gamma.iter_mut().for_each(|g| *g *= 1.5);
                norm.beta.iter_mut().for_each(|b| *b += 0.1);
                norm.running_mean.iter_mut().for_each(|m| *m -= 0.3);
                norm.running_var.iter_mut().for_each(|v| *v *= 2.0);
            }
        }
        let back = write_into(&net, model);
        assert_eq!(trainable_net(&back), net);
    }
}
