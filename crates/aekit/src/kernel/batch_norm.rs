//! Batch normalisation in training mode over a batch's rows, forward and
//! backward, with burn's statistics (mean and biased variance).

use super::dense_net::NormParams;

/// A batch-norm layer's per-step values: the batch statistics, the
/// normalised pre-activations and the gradients of gamma and beta.
#[derive(Debug, Clone, Default)]
pub struct NormStep {
    /// Batch mean, `[d]`.
    pub mean: Vec<f32>,
    /// Biased batch variance, `[d]`.
    pub var: Vec<f32>,
    /// `1 / sqrt(var + eps)`, `[d]`.
    pub inv_std: Vec<f32>,
    /// The normalised values, `[batch, d]`.
    pub normalized: Vec<f32>,
    /// Gradient of gamma, `[d]`.
    pub grad_gamma: Vec<f32>,
    /// Gradient of beta, `[d]`.
    pub grad_beta: Vec<f32>,
}

/// Batch norm in training mode over the rows of `values` (`[n, d]`, the
/// affine map's output), in place: `gamma * (x - mean) / sqrt(var + eps) + beta`
/// with the batch's mean and biased variance, which `step` keeps.
pub fn forward(values: &mut [f32], d: usize, norm: &NormParams, step: &mut NormStep) {
    let n = values.len() / d;
    let inv_n = 1.0 / n as f32;
    step.mean.fill(0.0);
    for row in values.chunks_exact(d) {
        step.mean.iter_mut().zip(row).for_each(|(m, &x)| *m += x);
    }
    step.mean.iter_mut().for_each(|m| *m *= inv_n);
    step.var.fill(0.0);
    for row in values.chunks_exact(d) {
        for ((v, &x), &m) in step.var.iter_mut().zip(row).zip(&step.mean) {
            *v += (x - m) * (x - m);
        }
    }
    for ((v, s), _) in step.var.iter_mut().zip(step.inv_std.iter_mut()).zip(0..d) {
        *v *= inv_n;
        *s = 1.0 / (*v + norm.epsilon).sqrt();
    }
    for (row, hat) in values
        .chunks_exact_mut(d)
        .zip(step.normalized.chunks_exact_mut(d))
    {
        for j in 0..d {
            let h = (row[j] - step.mean[j]) * step.inv_std[j];
            hat[j] = h;
            row[j] = norm.gamma[j] * h + norm.beta[j];
        }
    }
}

/// Turns the gradient at batch norm's output (`[n, d]`) into the gradient
/// at its input, in place, and leaves gamma's and beta's gradients in `step`:
/// `dx = gamma / std * (dy - mean(dy) - x_hat * mean(dy * x_hat))`.
pub fn backward(grads: &mut [f32], d: usize, gamma: &[f32], step: &mut NormStep) {
    let n = grads.len() / d;
    let inv_n = 1.0 / n as f32;
    step.grad_gamma.fill(0.0);
    step.grad_beta.fill(0.0);
    for (g, hat) in grads.chunks_exact(d).zip(step.normalized.chunks_exact(d)) {
        for j in 0..d {
            step.grad_beta[j] += g[j];
            step.grad_gamma[j] += g[j] * hat[j];
        }
    }
    for (g, hat) in grads
        .chunks_exact_mut(d)
        .zip(step.normalized.chunks_exact(d))
    {
        for j in 0..d {
            g[j] = gamma[j]
                * step.inv_std[j]
                * (g[j] - step.grad_beta[j] * inv_n - hat[j] * step.grad_gamma[j] * inv_n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(d: usize) -> NormParams {
        NormParams {
            gamma: (0..d).map(|j| 0.5 + j as f32 * 0.3).collect(),
            beta: (0..d).map(|j| j as f32 * 0.1 - 0.2).collect(),
            running_mean: vec![0.0; d],
            running_var: vec![1.0; d],
            epsilon: 1e-3,
            momentum: 0.01,
        }
    }

    fn step(n: usize, d: usize) -> NormStep {
        NormStep {
            mean: vec![0.0; d],
            var: vec![0.0; d],
            inv_std: vec![0.0; d],
            normalized: vec![0.0; n * d],
            grad_gamma: vec![0.0; d],
            grad_beta: vec![0.0; d],
        }
    }

    /// sum(w * bn(x)) for fixed weights w: a scalar to differentiate.
    fn objective(x: &[f32], w: &[f32], norm: &NormParams, d: usize) -> f64 {
        let mut y = x.to_vec();
        forward(&mut y, d, norm, &mut step(x.len() / d, d));
        y.iter().zip(w).map(|(a, b)| f64::from(a * b)).sum()
    }

    #[test]
    fn backward_matches_finite_differences() {
        let (n, d) = (7, 3);
        let x: Vec<f32> = (0..n * d)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.4)
            .collect();
        let w: Vec<f32> = (0..n * d)
            .map(|i| ((i * 13 % 7) as f32 - 3.0) * 0.25)
            .collect();
        let norm = params(d);
        let mut y = x.clone();
        let mut s = step(n, d);
        forward(&mut y, d, &norm, &mut s);
        let mut grads = w.clone();
        backward(&mut grads, d, &norm.gamma, &mut s);
        let h = 1e-2f32;
        for i in 0..n * d {
            let (mut up, mut down) = (x.clone(), x.clone());
            up[i] += h;
            down[i] -= h;
            let numeric = (objective(&up, &w, &norm, d) - objective(&down, &w, &norm, d))
                / f64::from(2.0 * h);
            assert!(
                (f64::from(grads[i]) - numeric).abs() < 2e-3,
                "x[{i}]: {} vs {numeric}",
                grads[i]
            );
        }
        // d/d beta_j = sum_i w_ij; d/d gamma_j = sum_i w_ij * x_hat_ij.
        for j in 0..d {
            let beta: f32 = (0..n).map(|i| w[i * d + j]).sum();
            let gamma: f32 = (0..n).map(|i| w[i * d + j] * s.normalized[i * d + j]).sum();
            assert!((s.grad_beta[j] - beta).abs() < 1e-5);
            assert!((s.grad_gamma[j] - gamma).abs() < 1e-5);
        }
    }

    #[test]
    fn forward_normalises_each_column() {
        let (n, d) = (50, 2);
        let mut x: Vec<f32> = (0..n * d)
            .map(|i| (i % 9) as f32 * (1 + i % 2) as f32)
            .collect();
        let mut norm = params(d);
        norm.gamma = vec![1.0; d];
        norm.beta = vec![0.0; d];
        forward(&mut x, d, &norm, &mut step(n, d));
        for j in 0..d {
            let col: Vec<f32> = (0..n).map(|i| x[i * d + j]).collect();
            let mean = col.iter().sum::<f32>() / n as f32;
            let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n as f32;
            assert!(
                mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-2,
                "column {j}: {mean} {var}"
            );
        }
    }
}
