//! Plain named tensors: the form weights take on their way to and from files.

use burn::tensor::Tensor;

/// A tensor's name, shape and row-major `f32` values.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    /// Dotted name, e.g. `encoder.0.weight`.
    pub name: String,
    /// Dimensions.
    pub shape: Vec<usize>,
    /// Row-major values.
    pub values: Vec<f32>,
}

impl NamedTensor {
    /// Copies a tensor's values out of the device.
    pub fn from_tensor<const D: usize>(name: String, tensor: Tensor<D>) -> NamedTensor {
        let shape = tensor.dims().to_vec();
        let values = tensor
            .into_data()
            .try_into_vec::<f32>()
            .expect("model tensors are f32");
        NamedTensor {
            name,
            shape,
            values,
        }
    }
}
