//! What a person looks at: plots of training and of the codes.

pub mod plot;
