//! The document autoencoder kind: a TF-IDF bag of words, kept sparse
//! (each document is its heaviest terms' ids and weights), to a dense
//! code through a weighted embedding bag, and back to a softmax over the
//! whole vocabulary trained against the document's term distribution.
//! Only the batch's targets are ever dense (`batch x vocabulary`).

pub mod config;
pub mod module;

pub use config::DocAutoencoderConfig;
pub use module::DocAutoencoderNet;
