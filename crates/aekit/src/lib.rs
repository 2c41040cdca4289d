//! aekit: train autoencoders on tabular data and put them to work:
//! encode rows to features, decode codes back, reconstruct, denoise and
//! score anomalies, from `ndarray` arrays or from files.
//!
//! ```
//! use aekit::{Autoencoder, Detector, TrainingSetters};
//! use ndarray::Array2;
//!
//! // 400 rows of 6 features on a 2-D surface; any f32 or f64 array or view will do.
//! let x = Array2::from_shape_fn((400, 6), |(i, j)| {
//!     let (t, u) = (i as f64 / 400.0, (i * 37 % 101) as f64 / 101.0);
//!     [t, u, t + u, t - u, t * u, (t + 2.0 * u) / 3.0][j]
//! });
//!
//! // Unfitted params, set one hyper-parameter at a time, checked at fit.
//! let model = Autoencoder::params()
//!     .hidden([12])
//!     .bottleneck(2)
//!     .epochs(10)
//!     .seed(7)
//!     .fit(&x)?;
//!
//! let codes = model.transform(&x)?; // encode: 400 x 2
//! let rows = model.inverse_transform(&codes)?; // decode, in original units
//! let scores = model.score_samples(&x)?; // reconstruction error per row
//! assert_eq!((codes.dim(), rows.dim(), scores.len()), ((400, 2), (400, 6), 400));
//!
//! // An anomaly detector: the same model with PyOD's defaults and a threshold.
//! let detector = Detector::params().contamination(0.05).epochs(20).fit(&x)?;
//! // PyOD's labels_: the training rows above it (each scored as unseen rows
//! // are; scored again with predict, a row is its own nearest neighbour).
//! let flagged = detector.labels_().unwrap_or_default().iter().filter(|&&l| l == 1).count();
//! assert!((18..=22).contains(&flagged), "{flagged} rows flagged"); // 5 % of 400
//! assert_eq!(detector.predict(&x)?.len(), 400);
//! # Ok::<(), aekit::AekitError>(())
//! ```
//!
//! # The flow
//!
//! As in linfa and scikit-learn: unfitted params ([`AutoencoderParams`],
//! [`DetectorParams`]) whose setters say their defaults, checked once by
//! `fit` (an invalid value is [`AekitError::InvalidParam`] naming it), give
//! a fitted model ([`Autoencoder`], [`Detector`]) that transforms,
//! predicts, scores and saves. [`FitOptions`] adds validation rows and an
//! observer ([`train::TrainingObserver`]) that sees progress and can stop
//! training.
//!
//! # Rows in
//!
//! Everything that reads rows takes a [`data::Dataset`], or anything that
//! converts into one: `ndarray` arrays and views of `f32` or `f64`
//! (borrowed, not copied; columns named `x0`, `x1`, ... unless named),
//! linfa datasets, and [`data::Table`]s read from CSV files. Codes, rows
//! and scores come back as `Array2` / `Array1`. The scaled-space
//! primitives beneath ([`Autoencoder::encode`], [`Autoencoder::decode`],
//! [`Autoencoder::reconstruct`] on [`data::Matrix`]) stay available.
//!
//! # linfa
//!
//! The params implement linfa's `Fit`; the autoencoder `Transformer`
//! (codes) and `PredictInplace` (output rows); the detector `Transformer`
//! (scores) and `PredictInplace` (flags), so code written for linfa's
//! models takes them.
//!
//! # Threads
//!
//! The library runs its parallel work on rayon pools of its own, never on
//! the global one: `threads` on the params (kept by the fitted model, see
//! [`Autoencoder::set_threads`]) or, unset, `RAYON_NUM_THREADS`, else
//! every core. The same seed and thread count give the same model.
//!
//! # Devices
//!
//! `device` on the params ([`TrainingSetters::device`], kept by the fitted
//! model, see [`Autoencoder::set_device`]) chooses where tensors run:
//! [`DeviceChoice`] `cpu` (the default), `gpu`, `gpu:N` or `auto`. A GPU
//! needs one of the GPU features; on it every kind takes burn's generic
//! path. A model saved from one device loads on any other.
//!
//! # Features
//!
//! - `plots` (default): PNG plots with an embedded font ([`report`]).
//! - `evaluate` (default): the evaluation report's linfa models,
//!   logistic regression, PCA and k-means ([`tasks::evaluate`],
//!   [`tasks::latent`]).
//! - `wgpu` (off): GPUs through wgpu (Vulkan, Metal, DirectX 12).
//! - `cuda` (off): NVIDIA GPUs through CUDA.
//!
//! The engine (kernels, training internals, devices) is not part of the
//! public API; no burn type appears in it.
#![deny(missing_docs)]

pub mod apply;
mod autoencoder;
mod backend;
pub mod data;
pub mod error;
pub mod incremental;
mod kernel;
mod linfa_traits;
pub mod model;
pub mod model_file;
mod named_values;
pub mod options;
#[cfg(feature = "plots")]
pub mod report;
pub mod tasks;
pub mod text;
pub mod threshold;
pub mod train;
#[doc(hidden)]
pub mod unstable;

pub use autoencoder::{
    Autoencoder, AutoencoderParams, AutoencoderValidParams, FitOptions, ImageDefaults,
    TableDefaults,
};
pub use backend::{DeviceChoice, gpu_backends};
pub use error::{AekitError, Result};
pub use incremental::IncrementalFit;
pub use tasks::anomaly::{Detector, DetectorParams};
pub use train::TrainingSetters;

/// The user guide's library page, run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/library.md")]
pub struct ReadmeDoctests;

/// This library's version, written into every model file.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
