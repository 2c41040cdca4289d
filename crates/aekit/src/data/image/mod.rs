//! Images as tables: a folder of PNG and JPEG files read as rows
//! ([`folder`]), rows written back as PNG files ([`files`]), and the shape
//! of image rows ([`shape`]).

pub mod files;
pub mod folder;
pub(crate) mod shape;
