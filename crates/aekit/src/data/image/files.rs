//! Image rows out as PNG files, one per row, into a folder: grey or RGB by
//! the image shape, values clipped to 0..1 (the range image folders are
//! read in) then scaled to 0..255. Each file is written atomically (a
//! temporary file beside it, renamed into place).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use image::ExtendedColorType;
use image::ImageEncoder;
use image::codecs::png::PngEncoder;

use super::folder::PATH_COLUMN;
use super::shape::ImageShape;
use crate::data::dataset::Dataset;
use crate::data::matrix::Matrix;
use crate::data::output::write_atomically;
use crate::error::{AekitError, Result};

/// The PNG file names for the rows of `data`, `/`-separated paths inside
/// the output folder: an image folder's own paths with the extension
/// `.png` (`cats/001.jpg` -> `cats/001.png`, so sub-folders are kept),
/// otherwise the row index from 0, zero-padded to at least six digits
/// (`000017.png`). Two images whose names differ only in their extension
/// (`a.png`, `a.jpg`) would share a name: that is an error naming both.
pub fn png_names(data: &Dataset<'_>) -> Result<Vec<String>> {
    let n = data.n_rows();
    let path_column = data
        .image_shape()
        .and_then(|_| data.column_index(PATH_COLUMN));
    let Some(column) = path_column else {
        let digits = n.saturating_sub(1).to_string().len().max(6);
        return Ok((0..n).map(|r| format!("{r:0digits$}.png")).collect());
    };
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(n);
    let mut names = Vec::with_capacity(n);
    for r in 0..n {
        let source = data.cell(r, column);
        let name = Path::new(source.as_ref())
            .with_extension("png")
            .to_string_lossy()
            .into_owned();
        if let Some(&before) = seen.get(&name) {
            return Err(data.error(format!(
                "{} and {source} would both be written as {name}: rename one of them",
                data.cell(before, column)
            )));
        }
        seen.insert(name.clone(), r);
        names.push(name);
    }
    Ok(names)
}

/// Writes row `r` of `values` (image rows of `shape`, channel-major) as the
/// PNG file `dir/names[r]`, creating `dir` and sub-folders as needed.
/// Returns the paths written. Shapes other than 1 (grey) or 3 (RGB)
/// channels, or rows not as wide as the shape, are refused before any
/// file is written.
pub fn write_pngs(
    dir: &Path,
    names: &[String],
    values: &Matrix,
    shape: ImageShape,
) -> Result<Vec<PathBuf>> {
    check_shape(shape, values.n_cols)?;
    if names.len() != values.n_rows() {
        return Err(AekitError::param(
            "names",
            format!(
                "{} file names for {} image rows",
                names.len(),
                values.n_rows()
            ),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| AekitError::io(dir, e))?;
    let color = if shape.channels == 1 {
        ExtendedColorType::L8
    } else {
        ExtendedColorType::Rgb8
    };
    let mut written = Vec::with_capacity(names.len());
    let mut bytes = vec![0u8; shape.values()];
    for (r, name) in names.iter().enumerate() {
        interleave(values.row(r), shape, &mut bytes);
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| AekitError::io(parent, e))?;
        }
        write_atomically(&path, |out| {
            PngEncoder::new(out)
                .write_image(&bytes, shape.width as u32, shape.height as u32, color)
                .map_err(std::io::Error::other)
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Checks, before any long work, that `dir` can take PNG files: a folder,
/// or a path that does not exist yet under one (it is created when the
/// files are written).
pub fn check_dir(dir: &Path) -> Result<()> {
    let refuse = |path: &Path, message: &str| {
        AekitError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, message.to_string()),
        )
    };
    if crate::data::format::is_stdio(dir) {
        return Err(refuse(
            dir,
            "PNG files go into a folder, not standard output",
        ));
    }
    let mut ancestor = Some(dir);
    while let Some(path) = ancestor {
        if path.exists() {
            return if path.is_dir() {
                Ok(())
            } else {
                Err(refuse(path, "is a file, not a folder for the PNG files"))
            };
        }
        ancestor = path.parent().filter(|p| !p.as_os_str().is_empty());
    }
    Ok(())
}

/// Refuses shapes that are not grey or RGB, or rows of another width.
pub fn check_shape(shape: ImageShape, width: usize) -> Result<()> {
    if shape.channels != 1 && shape.channels != 3 {
        return Err(AekitError::param(
            "image_shape",
            format!(
                "PNG files are grey (1 channel) or RGB (3 channels); {shape} has {}",
                shape.channels
            ),
        ));
    }
    if shape.values() != width {
        return Err(AekitError::param(
            "image_shape",
            format!(
                "{shape} images have {} values, but the rows have {width}",
                shape.values()
            ),
        ));
    }
    Ok(())
}

/// One channel-major row as 8-bit pixels, channels interleaved as PNG
/// stores them.
fn interleave(row: &[f32], shape: ImageShape, out: &mut [u8]) {
    let (c, pixels) = (shape.channels, shape.pixels());
    for (i, &v) in row.iter().enumerate() {
        // NaN clamps to NaN and casts to 0: a broken value is black, not a panic.
        let byte = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        out[(i % pixels) * c + i / pixels] = byte;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ReadOptions, Table};

    #[test]
    fn rows_become_grey_and_rgb_pngs_that_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let grey = Matrix {
            values: vec![0.0, 0.5, 1.0, 2.0, -1.0, 0.2],
            n_cols: 6,
        };
        let written = write_pngs(
            &dir.path().join("out"),
            &["sub/a.png".to_string()],
            &grey,
            ImageShape::grey(2, 3),
        )
        .unwrap();
        let back = image::open(&written[0]).unwrap().to_luma8();
        assert_eq!((back.width(), back.height()), (3, 2));
        assert_eq!(back.as_raw(), &[0, 128, 255, 255, 0, 51]);

        let rgb = Matrix {
            // Channel-major: red of both pixels, then green, then blue.
            values: vec![1.0, 0.0, 0.0, 1.0, 0.2, 0.0],
            n_cols: 6,
        };
        let shape = ImageShape {
            channels: 3,
            height: 1,
            width: 2,
        };
        let written = write_pngs(dir.path(), &["c.png".to_string()], &rgb, shape).unwrap();
        let back = image::open(&written[0]).unwrap().to_rgb8();
        assert_eq!(back.as_raw(), &[255, 0, 51, 0, 255, 0]);
        let two = ImageShape {
            channels: 2,
            ..shape
        };
        assert!(write_pngs(dir.path(), &["d.png".to_string()], &rgb, two).is_err());
        assert!(!dir.path().join("d.png").exists());
    }

    #[test]
    fn names_follow_the_image_folder_or_the_row_index() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("t.csv");
        std::fs::write(&csv, "a\n1\n2\n").unwrap();
        let t = Table::read(&csv, &ReadOptions::default()).unwrap();
        assert_eq!(
            png_names(&(&t).into()).unwrap(),
            ["000000.png", "000001.png"]
        );

        let images = dir.path().join("img");
        for name in ["x/1.jpg", "y/1.png"] {
            let path = images.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            image::GrayImage::new(2, 2).save(&path).unwrap();
        }
        let t = Table::read(&images, &ReadOptions::default()).unwrap();
        assert_eq!(png_names(&(&t).into()).unwrap(), ["x/1.png", "y/1.png"]);
        image::GrayImage::new(2, 2)
            .save(images.join("y/1.jpg"))
            .unwrap();
        let t = Table::read(&images, &ReadOptions::default()).unwrap();
        let e = png_names(&(&t).into()).unwrap_err().to_string();
        assert!(e.contains("y/1.jpg and y/1.png"), "{e}");
    }
}
