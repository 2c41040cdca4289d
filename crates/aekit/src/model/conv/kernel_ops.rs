//! The conv kind's accelerator: convolutions and transposed convolutions
//! through aekit's slice kernels ([`crate::kernel::conv`]) on the flex
//! backend, as a burn backend extension with its own backward pass.
//!
//! burn's own [`conv2d`](burn::tensor::module::conv2d) stays the path on
//! every other device and is selectable everywhere ([`ConvPath::Burn`]);
//! the tests hold the two equal, forward and gradients.

use burn::backend::TensorMetadata;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Flex, backend_extension};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
use burn::tensor::{Device, Tensor, TensorData};
use burn_autodiff::Autodiff;
use burn_autodiff::NodeId;
use burn_autodiff::checkpoint::base::Checkpointer;
use burn_autodiff::checkpoint::strategy::CheckpointStrategy;
use burn_autodiff::grads::Gradients;
use burn_autodiff::ops::{Backward, Ops, OpsKind};
use burn_flex::FlexTensor;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use crate::kernel::conv::{self as kernel, ConvGeometry, Maps};

/// How a conv model computes its convolutions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConvPath {
    /// aekit's kernels on the flex (CPU) backend, burn's elsewhere.
    #[default]
    Auto,
    /// burn's convolutions everywhere (to compare against).
    Burn,
}

impl ConvPath {
    /// Whether tensors on `device` take aekit's kernels.
    fn uses_kernels(self, device: &Device) -> bool {
        self == ConvPath::Auto && crate::backend::is_cpu(device)
    }
}

/// The operations the kernels provide, per backend.
#[backend_extension(Flex, Autodiff)]
pub trait ConvKernels: Backend {
    /// Convolution of `x` `[b, c, h, w]` by `weight` `[c_out, c, k, k]`.
    fn aekit_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self>;

    /// Transposed convolution of `x` `[b, c_in, h, w]` by `weight`
    /// `[c_in, c_out, k, k]`, output `[b, c_out, (h-1)s - 2p + k + out_h, ..]`.
    fn aekit_conv_transpose2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        padding: usize,
        padding_out_h: usize,
        padding_out_w: usize,
    ) -> FloatTensor<Self>;

    /// The weight gradient of [`ConvKernels::aekit_conv2d`]: input `x`,
    /// output gradient `grad`, as `[grad channels, x channels, k, k]`.
    fn aekit_conv2d_weight_grad(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        kernel: usize,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self>;
}

/// `[b, c, h, w]` of a 4-D shape.
fn maps_of(dims: &[usize]) -> Maps {
    Maps {
        batch: dims[0],
        channels: dims[1],
        height: dims[2],
        width: dims[3],
    }
}

/// The tensor's values in row-major order: borrowed when its storage is
/// already laid out so (the usual case), copied otherwise.
fn f32_values(tensor: &FlexTensor) -> Cow<'_, [f32]> {
    match tensor.as_slice::<f32>() {
        Some(values) => Cow::Borrowed(values),
        None => Cow::Owned(
            tensor
                .clone()
                .into_data()
                .try_into_vec::<f32>()
                .expect("the conv kernels run on f32 tensors"),
        ),
    }
}

fn flex_tensor(values: Vec<f32>, maps: Maps) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(
        values,
        [maps.batch, maps.channels, maps.height, maps.width],
    ))
}

fn geometry(kernel: usize, stride: usize, padding: usize) -> ConvGeometry {
    ConvGeometry {
        kernel,
        stride,
        padding,
    }
}

impl ConvKernels for Flex {
    fn aekit_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        let input = maps_of(x.layout().shape());
        let w_dims = weight.layout().shape().to_vec();
        let g = geometry(w_dims[2], stride, padding);
        let bias = f32_values(&bias);
        let y = kernel::conv2d(
            &f32_values(&x),
            input,
            &f32_values(&weight),
            Some(&bias),
            w_dims[0],
            g,
        );
        flex_tensor(y, input.convolved(w_dims[0], g))
    }

    fn aekit_conv_transpose2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        padding: usize,
        padding_out_h: usize,
        padding_out_w: usize,
    ) -> FloatTensor<Self> {
        let x_maps = maps_of(x.layout().shape());
        let w_dims = weight.layout().shape().to_vec();
        let g = geometry(w_dims[2], stride, padding);
        let side = |n: usize, extra: usize| (n - 1) * stride + g.kernel + extra - 2 * padding;
        let out = Maps {
            batch: x_maps.batch,
            channels: w_dims[1],
            height: side(x_maps.height, padding_out_h),
            width: side(x_maps.width, padding_out_w),
        };
        // The adjoint of the convolution from `out` maps to `x` maps.
        let mut y =
            kernel::conv2d_input_grad(&f32_values(&x), x_maps, &f32_values(&weight), out, g);
        let bias = f32_values(&bias);
        let plane = out.height * out.width;
        for (i, channel) in y.chunks_mut(plane).enumerate() {
            let b = bias[i % out.channels];
            channel.iter_mut().for_each(|v| *v += b);
        }
        flex_tensor(y, out)
    }

    fn aekit_conv2d_weight_grad(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        kernel: usize,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        let input = maps_of(x.layout().shape());
        let out = maps_of(grad.layout().shape());
        let g = geometry(kernel, stride, padding);
        let dw = kernel::conv2d_weight_grad(&f32_values(&x), input, &f32_values(&grad), out, g);
        flex_tensor(
            dw,
            Maps {
                batch: out.channels,
                channels: input.channels,
                height: kernel,
                width: kernel,
            },
        )
    }
}

/// The sum of `grad` `[b, c, h, w]` over all but the channel axis: a bias gradient.
fn channel_sums<B: Backend>(grad: FloatTensor<B>) -> FloatTensor<B> {
    let [b, c, h, w] = grad.shape().dims();
    let per_channel = B::float_reshape(B::float_swap_dims(grad, 0, 1), [c, b * h * w].into());
    B::float_reshape(B::float_sum_dim(per_channel, 1), [c].into())
}

/// A bias of zeros for `channels` outputs, like `like`'s device and type:
/// the backward steps' gradients carry no bias.
fn zero_bias<B: Backend>(like: &FloatTensor<B>, channels: usize) -> FloatTensor<B> {
    B::float_zeros([channels].into(), &like.device(), like.dtype().into())
}

/// A backward step's saved input and weight, the kernel size, stride and
/// padding.
fn step_inputs<B: Backend>(
    (x_state, weight_state, stride, padding): (NodeId, NodeId, usize, usize),
    checkpointer: &mut Checkpointer,
) -> (FloatTensor<B>, FloatTensor<B>, usize, usize, usize) {
    let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(x_state);
    let weight = checkpointer.retrieve_node_output::<FloatTensor<B>>(weight_state);
    let [_, _, kernel, _] = weight.shape().dims();
    (x, weight, kernel, stride, padding)
}

/// The backward step of the kernels' convolution.
#[derive(Debug)]
struct Conv2dStep;

impl<B: Backend + ConvKernels> Backward<B, 3> for Conv2dStep {
    type State = (NodeId, NodeId, usize, usize);

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight, node_bias] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x, weight, kernel, stride, padding) = step_inputs::<B>(ops.state, checkpointer);
        let [_, _, h, w] = x.shape().dims();
        let [_, _, ho, wo] = grad.shape().dims();
        if let Some(node) = node_x {
            // The input gradient is the transposed convolution back to x's size.
            let out_h = h + 2 * padding - ((ho - 1) * stride + kernel);
            let out_w = w + 2 * padding - ((wo - 1) * stride + kernel);
            let channels = x.shape()[1];
            let dx = B::aekit_conv_transpose2d(
                grad.clone(),
                weight,
                zero_bias::<B>(&grad, channels),
                stride,
                padding,
                out_h,
                out_w,
            );
            grads.register::<B>(node.id, dx);
        }
        if let Some(node) = node_weight {
            let dw = B::aekit_conv2d_weight_grad(x, grad.clone(), kernel, stride, padding);
            grads.register::<B>(node.id, dw);
        }
        if let Some(node) = node_bias {
            grads.register::<B>(node.id, channel_sums::<B>(grad));
        }
    }
}

/// The backward step of the kernels' transposed convolution.
#[derive(Debug)]
struct ConvTranspose2dStep;

impl<B: Backend + ConvKernels> Backward<B, 3> for ConvTranspose2dStep {
    type State = (NodeId, NodeId, usize, usize);

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight, node_bias] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x, weight, kernel, stride, padding) = step_inputs::<B>(ops.state, checkpointer);
        if let Some(node) = node_x {
            // Adjoint of the adjoint: the convolution of the output gradient.
            let channels = x.shape()[1];
            let bias = zero_bias::<B>(&grad, channels);
            let dx = B::aekit_conv2d(grad.clone(), weight, bias, stride, padding);
            grads.register::<B>(node.id, dx);
        }
        if let Some(node) = node_weight {
            // The weight maps x's channels to the output's: the convolution
            // from the output (as input) to x (as its gradient).
            let dw = B::aekit_conv2d_weight_grad(grad.clone(), x, kernel, stride, padding);
            grads.register::<B>(node.id, dw);
        }
        if let Some(node) = node_bias {
            grads.register::<B>(node.id, channel_sums::<B>(grad));
        }
    }
}

impl<B: Backend + ConvKernels, C: CheckpointStrategy> ConvKernels for Autodiff<B, C> {
    fn aekit_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        match Conv2dStep
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let x_state = prep.checkpoint(&x);
                let weight_state = prep.checkpoint(&weight);
                prep.finish(
                    (x_state, weight_state, stride, padding),
                    B::aekit_conv2d(
                        x.into_primitive(),
                        weight.into_primitive(),
                        bias.into_primitive(),
                        stride,
                        padding,
                    ),
                )
            }
            OpsKind::UnTracked(prep) => prep.finish(B::aekit_conv2d(
                x.into_primitive(),
                weight.into_primitive(),
                bias.into_primitive(),
                stride,
                padding,
            )),
        }
    }

    fn aekit_conv_transpose2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        stride: usize,
        padding: usize,
        padding_out_h: usize,
        padding_out_w: usize,
    ) -> FloatTensor<Self> {
        let forward = |x, weight, bias| {
            B::aekit_conv_transpose2d(
                x,
                weight,
                bias,
                stride,
                padding,
                padding_out_h,
                padding_out_w,
            )
        };
        match ConvTranspose2dStep
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let x_state = prep.checkpoint(&x);
                let weight_state = prep.checkpoint(&weight);
                prep.finish(
                    (x_state, weight_state, stride, padding),
                    forward(
                        x.into_primitive(),
                        weight.into_primitive(),
                        bias.into_primitive(),
                    ),
                )
            }
            OpsKind::UnTracked(prep) => prep.finish(forward(
                x.into_primitive(),
                weight.into_primitive(),
                bias.into_primitive(),
            )),
        }
    }

    fn aekit_conv2d_weight_grad(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        kernel: usize,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        // Only backward steps call it, on the inner backend; here it is a
        // constant, as burn's own gradient operations are.
        <FloatTensor<Self>>::new(B::aekit_conv2d_weight_grad(
            x.into_primitive(),
            grad.into_primitive(),
            kernel,
            stride,
            padding,
        ))
    }
}

/// A convolution (stride and padding on both axes) through `path`.
///
/// # Shapes
/// - x: `[b, c, h, w]`, weight: `[c_out, c, k, k]`, bias: `[c_out]`
pub fn conv2d(
    x: Tensor<4>,
    weight: Tensor<4>,
    bias: Option<Tensor<1>>,
    stride: usize,
    padding: usize,
    path: ConvPath,
) -> Tensor<4> {
    if path.uses_kernels(&x.device()) {
        let bias = bias.unwrap_or_else(|| Tensor::zeros([weight.dims()[0]], &x.device()));
        Tensor::from_dispatch(<burn::backend::Dispatch as ConvKernels>::aekit_conv2d(
            x.into_dispatch(),
            weight.into_dispatch(),
            bias.into_dispatch(),
            stride,
            padding,
        ))
    } else {
        burn::tensor::module::conv2d(
            x,
            weight,
            bias,
            ConvOptions::new([stride; 2], [padding; 2], [1, 1], 1),
        )
    }
}

/// A transposed convolution through `path`.
///
/// # Shapes
/// - x: `[b, c_in, h, w]`, weight: `[c_in, c_out, k, k]`, bias: `[c_out]`
pub fn conv_transpose2d(
    x: Tensor<4>,
    weight: Tensor<4>,
    bias: Option<Tensor<1>>,
    stride: usize,
    padding: usize,
    padding_out: [usize; 2],
    path: ConvPath,
) -> Tensor<4> {
    if path.uses_kernels(&x.device()) {
        let bias = bias.unwrap_or_else(|| Tensor::zeros([weight.dims()[1]], &x.device()));
        Tensor::from_dispatch(
            <burn::backend::Dispatch as ConvKernels>::aekit_conv_transpose2d(
                x.into_dispatch(),
                weight.into_dispatch(),
                bias.into_dispatch(),
                stride,
                padding,
                padding_out[0],
                padding_out[1],
            ),
        )
    } else {
        burn::tensor::module::conv_transpose2d(
            x,
            weight,
            bias,
            ConvTransposeOptions::new([stride; 2], [padding; 2], padding_out, [1, 1], 1),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    /// Output, and gradients of x, weight and bias under a fixed output
    /// weighting, through `path` (transposed when `transposed`).
    fn run(
        transposed: bool,
        x: &Tensor<4>,
        w: &Tensor<4>,
        b: &Tensor<1>,
        r_shape_seed: u64,
        padding_out: [usize; 2],
        path: ConvPath,
    ) -> Vec<Vec<f32>> {
        let device = Device::flex().autodiff();
        let on = |t: &Tensor<4>| Tensor::<4>::from_data(t.to_data(), &device).require_grad();
        let (x, w) = (on(x), on(w));
        let b = Tensor::<1>::from_data(b.to_data(), &device).require_grad();
        let y = if transposed {
            conv_transpose2d(
                x.clone(),
                w.clone(),
                Some(b.clone()),
                2,
                1,
                padding_out,
                path,
            )
        } else {
            conv2d(x.clone(), w.clone(), Some(b.clone()), 2, 1, path)
        };
        device.seed(r_shape_seed);
        let r = Tensor::<4>::random(y.dims(), Distribution::Default, &device);
        let grads = (y.clone() * r).sum().backward();
        let values = |t: Tensor<4>| t.into_data().try_into_vec::<f32>().expect("f32");
        vec![
            values(y.inner()),
            values(x.grad(&grads).expect("x has a gradient")),
            values(w.grad(&grads).expect("w has a gradient")),
            b.grad(&grads)
                .expect("b has a gradient")
                .into_data()
                .try_into_vec::<f32>()
                .expect("f32"),
        ]
    }

    fn assert_close(a: &[Vec<f32>], b: &[Vec<f32>], what: &str) {
        for (part, (a, b)) in ["output", "x grad", "weight grad", "bias grad"]
            .iter()
            .zip(a.iter().zip(b))
        {
            assert_eq!(a.len(), b.len(), "{what} {part}: length");
            let scale = b.iter().fold(1.0f32, |m, v| m.max(v.abs()));
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert!(
                    (x - y).abs() <= 1e-4 * scale,
                    "{what} {part}[{i}]: {x} vs {y}"
                );
            }
        }
    }

    /// The kernels and burn agree, forward and backward, on the shapes the
    /// conv kind builds (odd sizes and output padding included).
    #[test]
    fn kernels_match_burns_convolutions_and_their_gradients() {
        let device = Device::flex();
        device.seed(7);
        let random = |shape: [usize; 4]| Tensor::<4>::random(shape, Distribution::Default, &device);
        for (batch, c_in, c_out, h, w) in [(3, 1, 4, 8, 8), (2, 3, 5, 7, 9), (4, 16, 8, 14, 14)] {
            let x = random([batch, c_in, h, w]);
            let wt = random([c_out, c_in, 3, 3]);
            let b = Tensor::<1>::random([c_out], Distribution::Default, &device);
            let what = format!("conv {batch}x{c_in}x{h}x{w} -> {c_out}");
            let fast = run(false, &x, &wt, &b, 3, [0, 0], ConvPath::Auto);
            let burn = run(false, &x, &wt, &b, 3, [0, 0], ConvPath::Burn);
            assert_close(&fast, &burn, &what);
        }
        for (batch, c_in, c_out, h, w, pad_out) in [
            (3, 4, 1, 4, 4, [1, 1]),
            (2, 5, 3, 4, 5, [0, 1]),
            (4, 8, 16, 7, 7, [1, 1]),
        ] {
            let x = random([batch, c_in, h, w]);
            let wt = random([c_in, c_out, 3, 3]);
            let b = Tensor::<1>::random([c_out], Distribution::Default, &device);
            let what = format!("deconv {batch}x{c_in}x{h}x{w} -> {c_out} {pad_out:?}");
            let fast = run(true, &x, &wt, &b, 5, pad_out, ConvPath::Auto);
            let burn = run(true, &x, &wt, &b, 5, pad_out, ConvPath::Burn);
            assert_close(&fast, &burn, &what);
        }
    }

    #[test]
    fn flex_devices_take_the_kernels_and_burn_can_be_chosen() {
        assert!(ConvPath::Auto.uses_kernels(&Device::flex()));
        assert!(ConvPath::Auto.uses_kernels(&Device::flex().autodiff()));
        assert!(!ConvPath::Burn.uses_kernels(&Device::flex()));
    }
}
