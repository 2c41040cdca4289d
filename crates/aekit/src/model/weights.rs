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

/// The stored tensor `name`, which must have `shape` (`shape` names what
/// asks for it in the error).
pub fn stored_tensor<'t>(
    tensors: &'t std::collections::HashMap<String, NamedTensor>,
    name: &str,
    shape: &[usize],
) -> std::result::Result<&'t NamedTensor, String> {
    let t = tensors
        .get(name)
        .ok_or_else(|| format!("tensor '{name}' is missing"))?;
    if t.shape != shape {
        return Err(format!(
            "tensor '{name}' has shape {:?}, the architecture needs {:?}",
            t.shape, shape
        ));
    }
    Ok(t)
}

/// Stored tensors on their way into a module: each taken by name and
/// checked against the shape the architecture needs.
pub struct StoredTensors<'a> {
    tensors: &'a std::collections::HashMap<String, NamedTensor>,
    device: burn::tensor::Device,
}

impl<'a> StoredTensors<'a> {
    /// Tensors from a model file, to be placed on `device`.
    pub fn new(
        tensors: &'a std::collections::HashMap<String, NamedTensor>,
        device: &burn::tensor::Device,
    ) -> StoredTensors<'a> {
        StoredTensors {
            tensors,
            device: device.clone(),
        }
    }

    /// The tensor `name`, which must have `shape`.
    pub fn take<const D: usize>(
        &self,
        name: &str,
        shape: [usize; D],
    ) -> std::result::Result<Tensor<D>, String> {
        let t = stored_tensor(self.tensors, name, &shape)?;
        Ok(Tensor::from_data(
            burn::tensor::TensorData::new(t.values.clone(), shape.to_vec()),
            &self.device,
        ))
    }

    /// The device the tensors go to.
    pub fn device(&self) -> &burn::tensor::Device {
        &self.device
    }
}
