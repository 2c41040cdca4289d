//! A folder of PNG and JPEG files read as a table of image rows, a chunk of
//! files at a time ([`ImageFolderChunks`], a [`RowChunks`]).
//!
//! The rules, so that runs are reproducible:
//! - Files are read in sorted path order. Names starting with `.` are
//!   skipped, and so are files whose extension is not `.png`, `.jpg` or
//!   `.jpeg` (a README beside the images is no error).
//! - A folder holding sub-folders is a labelled set: each sub-folder is a
//!   class, its name the `label` of every image in it (at any depth), as
//!   torchvision's `ImageFolder`. Image files beside the sub-folders are an
//!   error, since they would have no label.
//! - The first image (in that order) sets the channels: grey (grey or grey
//!   and alpha) or RGB (RGB or RGBA); every other image is converted to
//!   them, and alpha is dropped.
//! - Every image must have the first one's size, unless a
//!   [`ImageFolderOptions::resize`] size is set, when each is resized (bilinear).
//! - Pixels become values in 0..1 (8-bit value / 255), channel-major as
//!   [`ImageShape`] documents, in columns named `pixel_Y_X` for grey
//!   images (the convention of the shipped digits CSV) and `red_Y_X`,
//!   `green_Y_X`, `blue_Y_X` for RGB ones, after a `path` column (the
//!   file's path inside the folder, `/`-separated) and, for labelled sets,
//!   a `label` column. Those two are never features.
//!

use std::fmt;
use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use image::{DynamicImage, ImageReader};

use std::sync::Arc;

use arrow_array::{ArrayRef, Float32Array, StringArray};

use super::shape::ImageShape;
pub use super::shape::ImageSize;
use crate::data::table::{Lines, RowChunks, Table};
use crate::error::{AekitError, Result};

/// The column holding each image's path inside the folder.
pub const PATH_COLUMN: &str = "path";

/// The column holding each image's sub-folder name, in labelled folders.
pub const LABEL_COLUMN: &str = "label";

/// The most values an image row may have: 2^20, the widest layer a model
/// may have (`model::dense::config::MAX_WIDTH`), as each value of a row
/// is an input of the first layer.
pub const MAX_ROW_VALUES: usize = 1 << 20;

/// One image file of the folder.
#[derive(Debug, Clone)]
struct ImageFile {
    /// Path inside the folder, `/`-separated: the `path` column.
    relative: String,
    /// The sub-folder's name, in labelled folders.
    label: Option<String>,
}

/// Options of the image-folder reader.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImageFolderOptions {
    /// Resize every image to this size (bilinear) instead of requiring
    /// them all to have the first one's size.
    pub resize: Option<ImageSize>,
}

/// Reads a folder of PNG and JPEG images a chunk of files at a time (the
/// rules are in the [module docs](self)); each chunk is a [`Table`] of
/// a text path (and label) column and `Float32` pixel columns, remembering
/// the image shape.
#[derive(Debug)]
pub struct ImageFolderChunks {
    root: PathBuf,
    files: Vec<ImageFile>,
    labelled: bool,
    shape: ImageShape,
    resize: Option<ImageSize>,
    headers: Vec<String>,
    next: usize,
}

impl ImageFolderChunks {
    /// Lists the images of folder `root` and decodes the first, which sets
    /// the channels (and, without `resize`, the size every image must have).
    pub fn open(root: impl AsRef<Path>, resize: Option<ImageSize>) -> Result<ImageFolderChunks> {
        let root = root.as_ref();
        let (files, labelled) = list_images(root)?;
        let Some(first) = files.first() else {
            return Err(image_error(
                root,
                "the folder holds no PNG or JPEG images (.png, .jpg, .jpeg)",
            ));
        };
        let first_image = decode(&root.join(&first.relative))?;
        let channels = if first_image.color().has_color() {
            3
        } else {
            1
        };
        let (height, width) = match resize {
            Some(size) => (size.height, size.width),
            None => (first_image.height() as usize, first_image.width() as usize),
        };
        let shape = ImageShape {
            channels,
            height,
            width,
        };
        let limit = MAX_ROW_VALUES;
        if shape.values() > limit {
            let whose = match resize {
                Some(_) => "the resize size gives".to_string(),
                None => format!("the folder's first image {} is", first.relative),
            };
            return Err(image_error(
                root,
                format!(
                    "{whose} {shape}: {} values a row, more than {limit} (2^20, the widest layer): give a smaller resize size",
                    shape.values()
                ),
            ));
        }
        let mut headers = vec![PATH_COLUMN.to_string()];
        if labelled {
            headers.push(LABEL_COLUMN.to_string());
        }
        headers.extend(pixel_columns(shape));
        Ok(ImageFolderChunks {
            root: root.to_path_buf(),
            files,
            labelled,
            shape,
            resize,
            headers,
            next: 0,
        })
    }

    /// The shape every row has: the first image's channels, and its size
    /// or the resize size.
    pub fn image_shape(&self) -> ImageShape {
        self.shape
    }

    /// How many images the folder holds.
    pub fn n_images(&self) -> usize {
        self.files.len()
    }

    /// One file's pixels, channel-major (every pixel of red row by row,
    /// then green, then blue), each 8-bit value / 255, appended to the
    /// pixel columns.
    fn push_pixels(&self, file: &ImageFile, pixels: &mut [Vec<f32>]) -> Result<()> {
        let path = self.root.join(&file.relative);
        let image = decode(&path)?;
        let (h, w) = (self.shape.height, self.shape.width);
        let image = match self.resize {
            Some(_) if (image.height() as usize, image.width() as usize) != (h, w) => {
                image.resize_exact(w as u32, h as u32, FilterType::Triangle)
            }
            Some(_) => image,
            None if (image.height() as usize, image.width() as usize) != (h, w) => {
                return Err(image_error(
                    &path,
                    format!(
                        "is {}x{} pixels (height x width), but the folder's first image {} is {h}x{w}: give a resize size to bring every image to one size",
                        image.height(),
                        image.width(),
                        self.files[0].relative
                    ),
                ));
            }
            None => image,
        };
        let value = |v: u8| f32::from(v) / 255.0;
        if self.shape.channels == 1 {
            for (column, &v) in pixels.iter_mut().zip(image.to_luma8().as_raw()) {
                column.push(value(v));
            }
        } else {
            let rgb = image.to_rgb8();
            let per_channel = h * w;
            for c in 0..3 {
                let channel = &mut pixels[c * per_channel..(c + 1) * per_channel];
                for (column, pixel) in channel.iter_mut().zip(rgb.as_raw().chunks_exact(3)) {
                    column.push(value(pixel[c]));
                }
            }
        }
        Ok(())
    }
}

impl RowChunks for ImageFolderChunks {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn rows_read(&self) -> usize {
        self.next
    }

    fn next_chunk(&mut self, max_rows: usize) -> Result<Option<Table>> {
        let end = self
            .files
            .len()
            .min(self.next.saturating_add(max_rows.max(1)));
        if self.next >= end {
            return Ok(None);
        }
        let files = &self.files[self.next..end];
        let mut pixels: Vec<Vec<f32>> = (0..self.shape.values())
            .map(|_| Vec::with_capacity(files.len()))
            .collect();
        for file in files {
            self.push_pixels(file, &mut pixels)?;
        }
        let mut columns: Vec<ArrayRef> = vec![Arc::new(
            files
                .iter()
                .map(|f| Some(f.relative.as_str()))
                .collect::<StringArray>(),
        )];
        if self.labelled {
            columns.push(Arc::new(
                files
                    .iter()
                    .map(|f| Some(f.label.as_deref().unwrap_or_default()))
                    .collect::<StringArray>(),
            ));
        }
        columns.extend(
            pixels
                .into_iter()
                .map(|p| Arc::new(Float32Array::from(p)) as ArrayRef),
        );
        // Rows are numbered from 1 in errors, as a file's data rows.
        let first_row = self.next + 1;
        self.next = end;
        Ok(Some(
            Table::from_columns(
                self.root.clone(),
                self.headers.clone(),
                columns,
                Lines::From(first_row),
            )
            .with_image_shape(self.shape),
        ))
    }
}

/// The pixel columns of images of `shape`, channel-major.
pub fn pixel_columns(shape: ImageShape) -> Vec<String> {
    let prefixes: &[&str] = if shape.channels == 1 {
        &["pixel"]
    } else {
        &["red", "green", "blue"]
    };
    prefixes
        .iter()
        .flat_map(|p| {
            (0..shape.height)
                .flat_map(move |y| (0..shape.width).map(move |x| format!("{p}_{y}_{x}")))
        })
        .collect()
}

/// Whether an image folder's column `name` is one of those that are never
/// features (its path and label).
pub(crate) fn is_descriptive_column(name: &str) -> bool {
    name == PATH_COLUMN || name == LABEL_COLUMN
}

fn image_error(path: &Path, message: impl Into<String>) -> AekitError {
    AekitError::Image {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Whether a file's name says it is a PNG or JPEG image.
fn is_image_name(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["png", "jpg", "jpeg"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// The entries of `dir`, sorted, hidden ones left out.
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| AekitError::io(dir, e))? {
        let path = entry.map_err(|e| AekitError::io(dir, e))?.path();
        if !is_hidden(&path) {
            entries.push(path);
        }
    }
    entries.sort();
    Ok(entries)
}

/// The image files of `root` in sorted order, and whether they are
/// labelled by sub-folder.
fn list_images(root: &Path) -> Result<(Vec<ImageFile>, bool)> {
    let entries = sorted_entries(root)?;
    let (dirs, files): (Vec<PathBuf>, Vec<PathBuf>) = entries.into_iter().partition(|p| p.is_dir());
    let images = files
        .into_iter()
        .filter(|p| is_image_name(p))
        .map(checked_image)
        .collect::<Result<Vec<PathBuf>>>()?;
    if dirs.is_empty() {
        let files = images
            .iter()
            .map(|p| ImageFile {
                relative: relative_name(root, p),
                label: None,
            })
            .collect();
        return Ok((files, false));
    }
    if let Some(stray) = images.first() {
        return Err(image_error(
            stray,
            format!(
                "lies beside the sub-folders of {}, which label the images in them: move it into one (or use a folder without sub-folders)",
                root.display()
            ),
        ));
    }
    let mut out = Vec::new();
    // Folders reached again through links (a cycle, or two names for one
    // folder) are read once.
    let mut visited = std::collections::HashSet::new();
    visited.insert(std::fs::canonicalize(root).map_err(|e| AekitError::io(root, e))?);
    for dir in &dirs {
        let label = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut found = Vec::new();
        walk(dir, &mut found, &mut visited)?;
        out.extend(found.iter().map(|p| ImageFile {
            relative: relative_name(root, p),
            label: Some(label.clone()),
        }));
    }
    Ok((out, true))
}

/// Every image file under `dir`, at any depth, in sorted order; a folder
/// already in `visited` (by its canonical path) is not read again.
fn walk(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    visited: &mut std::collections::HashSet<PathBuf>,
) -> Result<()> {
    let canonical = std::fs::canonicalize(dir).map_err(|e| AekitError::io(dir, e))?;
    if !visited.insert(canonical) {
        return Ok(());
    }
    for path in sorted_entries(dir)? {
        if path.is_dir() {
            walk(&path, out, visited)?;
        } else if is_image_name(&path) {
            out.push(checked_image(path)?);
        }
    }
    Ok(())
}

/// `path`, named as an image, if it is a regular file with a UTF-8 name:
/// a FIFO would block the read for ever, and a name that is not UTF-8
/// cannot go into the `path` column as it is.
fn checked_image(path: PathBuf) -> Result<PathBuf> {
    if path.to_str().is_none() {
        return Err(image_error(
            &path,
            "has a file name that is not valid UTF-8: rename it",
        ));
    }
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => Ok(path),
        Ok(_) => Err(image_error(
            &path,
            "is not a regular file (a FIFO, socket or device named as an image): move it out of the folder",
        )),
        Err(e) => Err(AekitError::io(&path, e)),
    }
}

/// `path` inside `root`, `/`-separated whatever the platform.
fn relative_name(root: &Path, path: &Path) -> String {
    let inside = path.strip_prefix(root).unwrap_or(path);
    inside
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Decodes one image, by its content (a JPEG named `.png` reads too).
fn decode(path: &Path) -> Result<DynamicImage> {
    let undecodable = |e: &dyn fmt::Display| {
        image_error(path, format!("cannot be read as a PNG or JPEG image: {e}"))
    };
    let reader = ImageReader::open(path)
        .map_err(|e| AekitError::io(path, e))?
        .with_guessed_format()
        .map_err(|e| AekitError::io(path, e))?;
    let image = reader.decode().map_err(|e| undecodable(&e))?;
    if image.width() == 0 || image.height() == 0 {
        return Err(image_error(path, "has no pixels"));
    }
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma, Rgb, RgbImage};

    fn grey(path: &Path, h: u32, w: u32, value: u8) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        GrayImage::from_pixel(w, h, Luma([value]))
            .save(path)
            .unwrap();
    }

    fn read_all(root: &Path, resize: Option<ImageSize>) -> Result<Table> {
        let mut chunks = ImageFolderChunks::open(root, resize)?;
        Ok(chunks.next_chunk(usize::MAX)?.unwrap())
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(
            "28x14".parse(),
            Ok(ImageSize {
                height: 28,
                width: 14
            })
        );
        for bad in ["28", "3x28x28", "0x4", "ax4"] {
            assert!(bad.parse::<ImageSize>().is_err(), "{bad}");
        }
    }

    #[test]
    fn grey_files_read_in_sorted_order_scaled_to_one() {
        let dir = tempfile::tempdir().unwrap();
        grey(&dir.path().join("b.png"), 2, 3, 255);
        grey(&dir.path().join("a.png"), 2, 3, 51);
        std::fs::write(dir.path().join("notes.txt"), "not an image").unwrap();
        grey(&dir.path().join(".hidden.png"), 5, 5, 0);
        let mut chunks = ImageFolderChunks::open(dir.path(), None).unwrap();
        assert_eq!(chunks.image_shape(), ImageShape::grey(2, 3));
        assert_eq!(chunks.n_images(), 2);
        let first = chunks.next_chunk(1).unwrap().unwrap();
        assert_eq!(first.headers()[..3], ["path", "pixel_0_0", "pixel_0_1"]);
        assert_eq!(first.headers().len(), 7);
        assert_eq!(
            (first.cell(0, 0).as_ref(), first.cell(0, 6).as_ref()),
            ("a.png", "0.2")
        );
        assert_eq!(first.image_shape(), Some(ImageShape::grey(2, 3)));
        let second = chunks.next_chunk(10).unwrap().unwrap();
        assert_eq!(
            (second.cell(0, 0).as_ref(), second.cell(0, 1).as_ref()),
            ("b.png", "1")
        );
        assert_eq!(second.line_of(0), 2);
        assert!(chunks.next_chunk(10).unwrap().is_none());
    }

    #[test]
    fn sub_folders_are_labels_and_rgb_is_channel_major() {
        let dir = tempfile::tempdir().unwrap();
        let mut rgb = RgbImage::new(2, 1);
        rgb.put_pixel(0, 0, Rgb([255, 0, 51]));
        rgb.put_pixel(1, 0, Rgb([0, 255, 0]));
        std::fs::create_dir_all(dir.path().join("cats")).unwrap();
        rgb.save(dir.path().join("cats/1.png")).unwrap();
        // Grey in an RGB folder is converted to RGB: three equal channels.
        grey(&dir.path().join("dogs/deep/2.jpg"), 1, 2, 255);
        let t = read_all(dir.path(), None).unwrap();
        let names = [
            "path",
            "label",
            "red_0_0",
            "red_0_1",
            "green_0_0",
            "green_0_1",
            "blue_0_0",
            "blue_0_1",
        ];
        assert_eq!(t.headers(), names);
        let row: Vec<String> = (0..8).map(|c| t.cell(0, c).into_owned()).collect();
        assert_eq!(row, ["cats/1.png", "cats", "1", "0", "0", "1", "0.2", "0"]);
        assert_eq!(
            (t.cell(1, 0).as_ref(), t.cell(1, 1).as_ref()),
            ("dogs/deep/2.jpg", "dogs")
        );
        assert_eq!(t.image_shape().unwrap().channels, 3);
    }

    #[test]
    fn bad_folders_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let e = ImageFolderChunks::open(dir.path(), None).unwrap_err();
        assert!(e.to_string().contains("no PNG or JPEG images"), "{e}");

        grey(&dir.path().join("a.png"), 4, 4, 0);
        grey(&dir.path().join("b.png"), 4, 5, 0);
        let e = read_all(dir.path(), None).unwrap_err().to_string();
        assert!(
            e.contains("b.png") && e.contains("is 4x5") && e.contains("a.png is 4x4"),
            "{e}"
        );
        let t = read_all(dir.path(), Some("3x3".parse().unwrap())).unwrap();
        assert_eq!((t.n_rows(), t.headers().len()), (2, 10));

        std::fs::write(dir.path().join("broken.png"), "plain text").unwrap();
        let e = read_all(dir.path(), Some("3x3".parse().unwrap())).unwrap_err();
        assert!(e.to_string().contains("broken.png"), "{e}");

        grey(&dir.path().join("class/c.png"), 4, 4, 0);
        let e = ImageFolderChunks::open(dir.path(), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("a.png") && e.contains("sub-folders"), "{e}");
    }
}
