//! The codes as a 2-D map: the codes themselves for a 2-wide bottleneck,
//! their first two principal components for a wider one.

use super::pca::Pca;
use ndarray::Array2;

use crate::data::Matrix;
use crate::error::{AekitError, Result};

/// Points to draw and what their axes are.
#[derive(Debug, Clone, PartialEq)]
pub struct LatentMap {
    /// One point per row.
    pub points: Vec<(f64, f64)>,
    /// Axis names.
    pub axes: (String, String),
    /// Whether the points are principal components of wider codes.
    pub projected: bool,
}

/// Projects codes to two dimensions.
pub fn latent_map(codes: &Matrix) -> Result<LatentMap> {
    match codes.n_cols {
        1 => Ok(LatentMap {
            points: (0..codes.n_rows())
                .map(|i| (f64::from(codes.row(i)[0]), 0.0))
                .collect(),
            axes: ("z0".into(), "(none: 1-D code)".into()),
            projected: false,
        }),
        2 => Ok(LatentMap {
            points: (0..codes.n_rows())
                .map(|i| (f64::from(codes.row(i)[0]), f64::from(codes.row(i)[1])))
                .collect(),
            axes: ("z0".into(), "z1".into()),
            projected: false,
        }),
        _ => {
            let x = Array2::from_shape_fn((codes.n_rows(), codes.n_cols), |(i, j)| {
                f64::from(codes.row(i)[j])
            });
            let p = Pca::fit(&x, 2)
                .map_err(|e| AekitError::Compute(format!("PCA of the codes: {e}")))?
                .transform(&x);
            Ok(LatentMap {
                points: p.rows().into_iter().map(|r| (r[0], r[1])).collect(),
                axes: ("PC1 of codes".into(), "PC2 of codes".into()),
                projected: true,
            })
        }
    }
}
