//! The shape of image rows: channels, height and width. A row of an image
//! table holds its pixels channel-major (every pixel of channel 0 row by
//! row, then channel 1, ...), as PyTorch flattens `[C, H, W]` tensors.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Channels x height x width of one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageShape {
    /// Colour channels: 1 grey, 3 RGB.
    pub channels: usize,
    /// Rows of pixels.
    pub height: usize,
    /// Columns of pixels.
    pub width: usize,
}

impl ImageShape {
    /// A grey image of `height x width` pixels.
    pub fn grey(height: usize, width: usize) -> ImageShape {
        ImageShape {
            channels: 1,
            height,
            width,
        }
    }

    /// Values per image: `channels * height * width`.
    pub fn values(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// Pixels per channel: `height * width`.
    pub fn pixels(&self) -> usize {
        self.height * self.width
    }

    /// The shape as the model file stores it, `[C, H, W]`.
    pub fn to_vec(self) -> Vec<usize> {
        vec![self.channels, self.height, self.width]
    }

    /// The image shape of a stored row shape: `[C, H, W]` is an image,
    /// `[features]` is not.
    pub fn from_dims(dims: &[usize]) -> Option<ImageShape> {
        match *dims {
            [channels, height, width] if channels * height * width > 0 => Some(ImageShape {
                channels,
                height,
                width,
            }),
            _ => None,
        }
    }
}

impl fmt::Display for ImageShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.channels == 1 {
            write!(f, "{}x{}", self.height, self.width)
        } else {
            write!(f, "{}x{}x{}", self.channels, self.height, self.width)
        }
    }
}

impl FromStr for ImageShape {
    type Err = String;

    /// `HxW` (one grey channel) or `CxHxW`, e.g. `8x8`, `3x32x32`.
    fn from_str(text: &str) -> Result<ImageShape, String> {
        let dims: Option<Vec<usize>> = text
            .split(['x', 'X'])
            .map(|d| d.trim().parse::<usize>().ok().filter(|&n| n > 0))
            .collect();
        match dims.as_deref() {
            Some(&[height, width]) => Ok(ImageShape::grey(height, width)),
            Some(&[channels, height, width]) => Ok(ImageShape {
                channels,
                height,
                width,
            }),
            _ => Err(format!(
                "'{text}': expected HEIGHTxWIDTH or CHANNELSxHEIGHTxWIDTH of positive sizes, e.g. 8x8 or 3x32x32"
            )),
        }
    }
}

/// Height x width that every image of a folder is resized to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageSize {
    /// Rows of pixels.
    pub height: usize,
    /// Columns of pixels.
    pub width: usize,
}

impl fmt::Display for ImageSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.height, self.width)
    }
}

impl FromStr for ImageSize {
    type Err = String;

    /// `HxW`, e.g. `28x28`.
    fn from_str(text: &str) -> std::result::Result<ImageSize, String> {
        match text.parse::<ImageShape>() {
            Ok(shape) if text.split(['x', 'X']).count() == 2 => Ok(ImageSize {
                height: shape.height,
                width: shape.width,
            }),
            _ => Err(format!(
                "'{text}': expected HEIGHTxWIDTH of positive sizes, e.g. 28x28"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_parse_with_and_without_channels() {
        assert_eq!("8x8".parse(), Ok(ImageShape::grey(8, 8)));
        let rgb: ImageShape = "3x28X14".parse().unwrap();
        assert_eq!((rgb.channels, rgb.height, rgb.width), (3, 28, 14));
        assert_eq!(rgb.values(), 3 * 28 * 14);
        assert_eq!(rgb.to_string(), "3x28x14");
        assert_eq!(ImageShape::from_dims(&rgb.to_vec()), Some(rgb));
        assert_eq!(ImageShape::from_dims(&[64]), None);
        for bad in ["8", "8x0", "axb", "1x2x3x4", ""] {
            assert!(bad.parse::<ImageShape>().is_err(), "{bad}");
        }
    }
}
