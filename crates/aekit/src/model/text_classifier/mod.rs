//! The text classifier kind: an embedding of token ids, pooled (flattened
//! as in the Keras tutorial, or a masked mean over the real tokens), then
//! one dense layer to the classes (sigmoid for two, softmax for more).

pub mod config;
pub mod module;

pub use config::{Pooling, TextClassifierConfig};
pub use module::TextClassifierNet;
