//! 2-D convolutions on channel-major (NCHW) slices: per image, im2col and
//! one matrix product, images split across threads.
//!
//! burn's flex backend forms a convolution's weight gradient as another
//! convolution over batch-swapped tensors, whose products are a few rows
//! tall and run on one thread; on the conv benchmark (W4) that was half of
//! every step (BENCHMARKS.md). Here each image's columns `[c*k*k, ho*wo]`
//! meet the weights `[c_out, c*k*k]` in one product for the forward pass,
//! its transpose for the input gradient (then col2im) and the output
//! gradient for the weight gradient, summed over the images a thread took.
//! A transposed convolution is the adjoint of a convolution, so the same
//! three kernels serve it (see [`crate::model::conv::kernel_ops`]).
//!
//! Square kernels, equal stride and padding on both axes, no dilation or
//! groups: the shapes aekit's conv kind builds.

use rayon::prelude::*;

use super::matmul::{MatRef, matmul};

/// A square kernel's size, stride and (symmetric) zero padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Kernel height and width.
    pub kernel: usize,
    /// Step between output positions, both axes.
    pub stride: usize,
    /// Zeros added on each side, both axes.
    pub padding: usize,
}

impl ConvGeometry {
    /// The output length of a convolution over `n` input positions
    /// (`None` when the padded input is shorter than the kernel).
    pub fn output_len(&self, n: usize) -> Option<usize> {
        (n + 2 * self.padding)
            .checked_sub(self.kernel)
            .map(|span| span / self.stride + 1)
    }
}

/// The shape of a batch of channel-major feature maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Maps {
    /// Images in the batch.
    pub batch: usize,
    /// Channels per image.
    pub channels: usize,
    /// Rows per channel.
    pub height: usize,
    /// Columns per channel.
    pub width: usize,
}

impl Maps {
    /// Values per image.
    pub fn image_len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// Values in the batch.
    pub fn len(&self) -> usize {
        self.batch * self.image_len()
    }

    /// Whether the batch holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The maps a convolution of `geometry` with `channels` outputs gives.
    ///
    /// # Panics
    /// If the padded maps are smaller than the kernel.
    pub fn convolved(&self, channels: usize, geometry: ConvGeometry) -> Maps {
        let side = |n: usize| {
            geometry
                .output_len(n)
                .unwrap_or_else(|| panic!("maps of {n} are smaller than the kernel"))
        };
        Maps {
            batch: self.batch,
            channels,
            height: side(self.height),
            width: side(self.width),
        }
    }
}

/// The output columns `lo..hi` whose tap `kx` reads inside an input row
/// of `w` values (the others read padding).
fn valid_columns(kx: usize, w: usize, wo: usize, geometry: ConvGeometry) -> (usize, usize) {
    let ConvGeometry {
        stride: s,
        padding: p,
        ..
    } = geometry;
    // ix = ox*s + kx - p must satisfy 0 <= ix < w.
    let lo = p.saturating_sub(kx).div_ceil(s);
    let hi = if w + p > kx {
        ((w + p - kx - 1) / s + 1).min(wo)
    } else {
        0
    };
    (lo.min(hi), hi)
}

/// One image's columns: row `(ci, ky, kx)`, column `(oy, ox)` holds input
/// `(ci, oy*s + ky - p, ox*s + kx - p)`, zero outside the image.
fn im2col(image: &[f32], input: Maps, out: Maps, geometry: ConvGeometry, cols: &mut [f32]) {
    let ConvGeometry {
        kernel: k,
        stride: s,
        padding: p,
    } = geometry;
    let (h, w) = (input.height, input.width);
    let (ho, wo) = (out.height, out.width);
    let positions = ho * wo;
    for ci in 0..input.channels {
        let channel = &image[ci * h * w..(ci + 1) * h * w];
        for ky in 0..k {
            for kx in 0..k {
                let row = (ci * k + ky) * k + kx;
                let dst = &mut cols[row * positions..(row + 1) * positions];
                let (lo, hi) = valid_columns(kx, w, wo, geometry);
                for oy in 0..ho {
                    let line = &mut dst[oy * wo..(oy + 1) * wo];
                    let iy = (oy * s + ky).wrapping_sub(p);
                    if iy >= h {
                        line.fill(0.0);
                        continue;
                    }
                    let src = &channel[iy * w..(iy + 1) * w];
                    line[..lo].fill(0.0);
                    line[hi..].fill(0.0);
                    if lo == hi {
                        continue;
                    }
                    // Columns lo..hi read src[lo*s + kx - p], stepping by s.
                    let first = lo * s + kx - p;
                    let src = &src[first..=first + (hi - lo - 1) * s];
                    for (i, v) in line[lo..hi].iter_mut().enumerate() {
                        *v = src[i * s];
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: adds each column entry into the input
/// position it was read from (`image` is overwritten).
fn col2im(cols: &[f32], input: Maps, out: Maps, geometry: ConvGeometry, image: &mut [f32]) {
    let ConvGeometry {
        kernel: k,
        stride: s,
        padding: p,
    } = geometry;
    let (h, w) = (input.height, input.width);
    let (ho, wo) = (out.height, out.width);
    let positions = ho * wo;
    image.fill(0.0);
    for ci in 0..input.channels {
        let channel = &mut image[ci * h * w..(ci + 1) * h * w];
        for ky in 0..k {
            for kx in 0..k {
                let row = (ci * k + ky) * k + kx;
                let src = &cols[row * positions..(row + 1) * positions];
                let (lo, hi) = valid_columns(kx, w, wo, geometry);
                if lo == hi {
                    continue;
                }
                let first = lo * s + kx - p;
                for oy in 0..ho {
                    let iy = (oy * s + ky).wrapping_sub(p);
                    if iy >= h {
                        continue;
                    }
                    let dst = &mut channel[iy * w..(iy + 1) * w];
                    let line = &src[oy * wo + lo..oy * wo + hi];
                    let dst = &mut dst[first..=first + (hi - lo - 1) * s];
                    for (i, &v) in line.iter().enumerate() {
                        dst[i * s] += v;
                    }
                }
            }
        }
    }
}

/// Checks that a slice holds a whole batch of maps.
fn check_len(what: &str, values: &[f32], maps: Maps) {
    assert_eq!(
        values.len(),
        maps.len(),
        "{what}: {maps:?} needs {} values, the slice has {}",
        maps.len(),
        values.len()
    );
}

/// Checks that `input` maps convolve to `out` maps.
fn check_convolves(what: &str, input: Maps, out: Maps, geometry: ConvGeometry) {
    assert_eq!(
        input.convolved(out.channels, geometry),
        out,
        "{what}: {input:?} does not convolve to {out:?}"
    );
}

/// The convolution of `x` (`input` maps) with `weight` `[c_out, c, k, k]`
/// plus `bias` `[c_out]`: `[batch, c_out, ho, wo]`.
///
/// # Panics
/// If a slice's length disagrees with the shapes.
pub fn conv2d(
    x: &[f32],
    input: Maps,
    weight: &[f32],
    bias: Option<&[f32]>,
    c_out: usize,
    geometry: ConvGeometry,
) -> Vec<f32> {
    check_len("conv2d input", x, input);
    let out = input.convolved(c_out, geometry);
    let taps = input.channels * geometry.kernel * geometry.kernel;
    assert_eq!(weight.len(), c_out * taps, "conv2d weight length");
    let positions = out.height * out.width;
    let mut y = vec![0.0; out.len()];
    if y.is_empty() {
        return y;
    }
    let w = MatRef::new(weight, c_out, taps);
    y.par_chunks_mut(out.image_len())
        .zip(x.par_chunks(input.image_len().max(1)))
        .for_each_init(
            || vec![0.0; taps * positions],
            |cols, (y_img, x_img)| {
                im2col(x_img, input, out, geometry, cols);
                matmul(y_img, false, w, MatRef::new(cols, taps, positions));
                if let Some(bias) = bias {
                    for (row, &b) in y_img.chunks_mut(positions).zip(bias) {
                        row.iter_mut().for_each(|v| *v += b);
                    }
                }
            },
        );
    y
}

/// The gradient of [`conv2d`] with respect to its input: `grad`
/// (`out` maps, `out.channels` = the weight's `c_out`) back through
/// `weight` `[c_out, input.channels, k, k]` onto `input` maps.
///
/// It is also the transposed convolution of `grad` by `weight` whose output
/// has `input`'s shape.
///
/// # Panics
/// If a slice's length disagrees with the shapes, or `input` does not
/// convolve to `out`.
pub fn conv2d_input_grad(
    grad: &[f32],
    out: Maps,
    weight: &[f32],
    input: Maps,
    geometry: ConvGeometry,
) -> Vec<f32> {
    check_len("conv2d output gradient", grad, out);
    check_convolves("conv2d input gradient", input, out, geometry);
    let taps = input.channels * geometry.kernel * geometry.kernel;
    assert_eq!(weight.len(), out.channels * taps, "conv2d weight length");
    let positions = out.height * out.width;
    let mut dx = vec![0.0; input.len()];
    if dx.is_empty() {
        return dx;
    }
    let w = MatRef::new(weight, out.channels, taps).t();
    dx.par_chunks_mut(input.image_len())
        .zip(grad.par_chunks(out.image_len().max(1)))
        .for_each_init(
            || vec![0.0; taps * positions],
            |cols, (dx_img, g_img)| {
                matmul(cols, false, w, MatRef::new(g_img, out.channels, positions));
                col2im(cols, input, out, geometry, dx_img);
            },
        );
    dx
}

/// The gradient of [`conv2d`] with respect to its weight: the sum over
/// images of `grad` `[c_out, ho*wo]` times the columns of `x`, as
/// `[c_out, c, k, k]`.
///
/// # Panics
/// If a slice's length disagrees with the shapes, or `input` does not
/// convolve to `out`.
pub fn conv2d_weight_grad(
    x: &[f32],
    input: Maps,
    grad: &[f32],
    out: Maps,
    geometry: ConvGeometry,
) -> Vec<f32> {
    check_len("conv2d input", x, input);
    check_len("conv2d output gradient", grad, out);
    check_convolves("conv2d weight gradient", input, out, geometry);
    let taps = input.channels * geometry.kernel * geometry.kernel;
    let positions = out.height * out.width;
    let size = out.channels * taps;
    if input.is_empty() || out.is_empty() {
        return vec![0.0; size];
    }
    // One contiguous run of images per thread of the pool, each summed into
    // its own buffer, the buffers then added in run order: the sum's order
    // depends on the thread count alone. (rayon's fold/reduce split where
    // work stealing happened to, so two runs on the same threads summed in
    // different orders and trained different weights.)
    let per_run = input.batch.div_ceil(rayon::current_num_threads().max(1));
    let partials: Vec<Vec<f32>> = x
        .par_chunks(per_run * input.image_len())
        .zip(grad.par_chunks(per_run * out.image_len()))
        .map(|(xs, gs)| {
            let (mut dw, mut cols) = (vec![0.0; size], vec![0.0; taps * positions]);
            for (x_img, g_img) in xs.chunks(input.image_len()).zip(gs.chunks(out.image_len())) {
                im2col(x_img, input, out, geometry, &mut cols);
                matmul(
                    &mut dw,
                    true,
                    MatRef::new(g_img, out.channels, positions),
                    MatRef::new(&cols, taps, positions).t(),
                );
            }
            dw
        })
        .collect();
    let mut partials = partials.into_iter();
    let mut dw = partials.next().unwrap_or_else(|| vec![0.0; size]);
    for part in partials {
        dw.iter_mut().zip(&part).for_each(|(a, b)| *a += b);
    }
    dw
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct definition of the convolution, one output at a time.
    fn reference_conv(
        x: &[f32],
        input: Maps,
        weight: &[f32],
        c_out: usize,
        g: ConvGeometry,
    ) -> Vec<f32> {
        let out = input.convolved(c_out, g);
        let mut y = vec![0.0; out.len()];
        for b in 0..input.batch {
            for co in 0..c_out {
                for oy in 0..out.height {
                    for ox in 0..out.width {
                        let mut sum = 0.0;
                        for ci in 0..input.channels {
                            for ky in 0..g.kernel {
                                for kx in 0..g.kernel {
                                    let iy = (oy * g.stride + ky) as isize - g.padding as isize;
                                    let ix = (ox * g.stride + kx) as isize - g.padding as isize;
                                    if iy < 0
                                        || ix < 0
                                        || iy >= input.height as isize
                                        || ix >= input.width as isize
                                    {
                                        continue;
                                    }
                                    let xi = ((b * input.channels + ci) * input.height
                                        + iy as usize)
                                        * input.width
                                        + ix as usize;
                                    let wi = ((co * input.channels + ci) * g.kernel + ky)
                                        * g.kernel
                                        + kx;
                                    sum += x[xi] * weight[wi];
                                }
                            }
                        }
                        y[((b * c_out + co) * out.height + oy) * out.width + ox] = sum;
                    }
                }
            }
        }
        y
    }

    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| {
                ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 1000) as f32 / 500.0 - 1.0
            })
            .collect()
    }

    fn dot(a: &[f32], b: &[f32]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(a, b)| (*a as f64) * (*b as f64))
            .sum()
    }

    /// A test shape: input maps `[b, c, h, w]`, output channels, and
    /// `[kernel, stride, padding]`.
    const fn case(
        [batch, channels, height, width]: [usize; 4],
        c_out: usize,
        [kernel, stride, padding]: [usize; 3],
    ) -> (Maps, usize, ConvGeometry) {
        let maps = Maps {
            batch,
            channels,
            height,
            width,
        };
        let geometry = ConvGeometry {
            kernel,
            stride,
            padding,
        };
        (maps, c_out, geometry)
    }

    const SHAPES: [(Maps, usize, ConvGeometry); 5] = [
        case([3, 2, 7, 5], 4, [3, 2, 1]),
        case([2, 1, 8, 8], 3, [3, 2, 1]),
        case([2, 2, 3, 1], 2, [3, 2, 1]),
        case([2, 1, 2, 9], 3, [3, 3, 2]),
        case([1, 3, 6, 4], 2, [3, 1, 0]),
    ];

    #[test]
    fn forward_matches_the_definition() {
        for (input, c_out, g) in SHAPES {
            let x = values(input.len(), 1);
            let w = values(c_out * input.channels * 9, 2);
            let bias: Vec<f32> = (0..c_out).map(|c| c as f32 * 0.5).collect();
            let got = conv2d(&x, input, &w, Some(&bias), c_out, g);
            let out = input.convolved(c_out, g);
            let want = reference_conv(&x, input, &w, c_out, g);
            let plane = out.height * out.width;
            for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                let c = (i / plane) % c_out;
                assert!(
                    (a - b - bias[c]).abs() < 1e-4,
                    "{input:?} at {i}: {a} vs {b}"
                );
            }
        }
    }

    /// <grad, conv(x)> is linear in x and in w: its gradients are the
    /// kernels' outputs, checked through the adjoint identities.
    #[test]
    fn gradients_are_the_adjoints_of_the_forward_pass() {
        for (input, c_out, g) in SHAPES {
            let out = input.convolved(c_out, g);
            let x = values(input.len(), 3);
            let w = values(c_out * input.channels * 9, 4);
            let grad = values(out.len(), 5);
            let y = conv2d(&x, input, &w, None, c_out, g);
            let dx = conv2d_input_grad(&grad, out, &w, input, g);
            let dw = conv2d_weight_grad(&x, input, &grad, out, g);
            let lhs = dot(&grad, &y);
            assert!(
                (lhs - dot(&dx, &x)).abs() < 1e-3,
                "{input:?}: input gradient"
            );
            assert!(
                (lhs - dot(&dw, &w)).abs() < 1e-3,
                "{input:?}: weight gradient"
            );
            // And each entry, not only their sum: a unit input / weight.
            for probe in [0, input.len() / 2, input.len() - 1] {
                let mut e = vec![0.0; input.len()];
                e[probe] = 1.0;
                let ye = conv2d(&e, input, &w, None, c_out, g);
                assert!((dot(&grad, &ye) - dx[probe] as f64).abs() < 1e-4);
            }
            for probe in [0, w.len() - 1] {
                let mut e = vec![0.0; w.len()];
                e[probe] = 1.0;
                let ye = conv2d(&x, input, &e, None, c_out, g);
                assert!((dot(&grad, &ye) - dw[probe] as f64).abs() < 1e-3);
            }
        }
    }

    /// On n threads the weight gradient is the sum of n contiguous runs'
    /// gradients, added in run order: the same bits every time.
    #[test]
    fn the_weight_gradient_sums_fixed_runs_in_order_on_two_threads() {
        let input = Maps {
            batch: 64,
            channels: 8,
            height: 8,
            width: 8,
        };
        let g = SHAPES[0].2;
        let out = input.convolved(16, g);
        let (x, grad) = (values(input.len(), 6), values(out.len(), 7));
        let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build();
        let (one, two) = (pool(1).expect("a pool"), pool(2).expect("a pool"));
        let runs: Vec<Vec<f32>> = (0..2)
            .map(|i| {
                let (xs, gs) = (input.image_len() * 32, out.image_len() * 32);
                let (input, out) = (Maps { batch: 32, ..input }, Maps { batch: 32, ..out });
                one.install(|| {
                    conv2d_weight_grad(&x[i * xs..][..xs], input, &grad[i * gs..][..gs], out, g)
                })
            })
            .collect();
        let want: Vec<f32> = runs[0].iter().zip(&runs[1]).map(|(a, b)| a + b).collect();
        for _ in 0..50 {
            assert!(two.install(|| conv2d_weight_grad(&x, input, &grad, out, g)) == want);
        }
    }

    #[test]
    fn output_length_follows_the_convolution_arithmetic() {
        let g = ConvGeometry {
            kernel: 3,
            stride: 2,
            padding: 1,
        };
        assert_eq!(g.output_len(28), Some(14));
        assert_eq!(g.output_len(7), Some(4));
        assert_eq!(g.output_len(1), Some(1));
        let valid = ConvGeometry {
            kernel: 3,
            stride: 1,
            padding: 0,
        };
        assert_eq!(valid.output_len(2), None);
    }
}
