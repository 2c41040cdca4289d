//! Inference for kinds that run on burn: a matrix through a module's
//! forward pass in chunks of rows, on the inference device.

use burn::tensor::Tensor;

use crate::backend;
use crate::data::Matrix;
use crate::train::batches::to_tensor;
use crate::train::burn_engine::INFERENCE_CHUNK;

/// `forward` applied to the rows of `m`, [`INFERENCE_CHUNK`] at a time.
///
/// # Shapes
/// - `forward`: `[rows, m.n_cols]` -> `[rows, n_out]`; output `n_out` columns
pub fn map_rows(m: &Matrix, n_out: usize, forward: impl Fn(Tensor<2>) -> Tensor<2>) -> Matrix {
    let device = backend::inference_device();
    let n = m.n_rows();
    let mut values = Vec::with_capacity(n * n_out);
    let mut start = 0;
    while start < n {
        let end = (start + INFERENCE_CHUNK).min(n);
        let out = forward(to_tensor(m.slice_rows(start, end), &device));
        values.extend(
            out.into_data()
                .try_into_vec::<f32>()
                .expect("model outputs are f32"),
        );
        start = end;
    }
    Matrix::new(values, n_out)
}
