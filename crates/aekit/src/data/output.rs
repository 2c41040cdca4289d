//! Writing result files atomically: a temporary file beside the target,
//! renamed into place only when complete, so a failure leaves nothing behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{AekitError, Result};

/// Checks, before any long work, that `path` can be written: its directory
/// exists and accepts a new file (`-`, standard output, always can).
pub fn check_writable(path: &Path) -> Result<()> {
    if super::format::is_stdio(path) {
        return Ok(());
    }
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Err(AekitError::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("directory '{}' does not exist", dir.display()),
            ),
        ));
    }
    if path.is_dir() {
        return Err(AekitError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory"),
        ));
    }
    tempfile::NamedTempFile::new_in(&dir)
        .map(drop)
        .map_err(|e| AekitError::io(path, e))
}

/// Writes `path` by calling `fill` on a temporary file in the same
/// directory and renaming it over `path` once `fill` succeeds.
pub(crate) fn write_atomically<F>(path: &Path, fill: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let dir = parent_dir(path);
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| AekitError::io(path, e))?;
    {
        let mut buffered = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut buffered).map_err(|e| AekitError::io(path, e))?;
        buffered.flush().map_err(|e| AekitError::io(path, e))?;
    }
    persist(tmp, path)
}

/// Renames a finished temporary file over `path`, with the permissions an
/// ordinary new file gets (temporary files are created private).
pub(crate) fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| AekitError::io(path, e))?;
    }
    tmp.persist(path)
        .map_err(|e| AekitError::io(path, e.error))?;
    Ok(())
}

/// The directory a file is written into.
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes a CSV file atomically from a header and rows of cells.
pub fn write_csv(
    path: &Path,
    header: &[String],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<()> {
    write_atomically(path, |out| {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(header)?;
        for row in rows {
            writer.write_record(&row)?;
        }
        writer.flush()
    })
}

/// Formats a float the shortest way that reads back to the same value.
pub fn format_value(v: f32) -> String {
    let mut buf = String::new();
    use std::fmt::Write as _;
    let _ = write!(buf, "{v}");
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let r = write_atomically(&target, |_| Err(std::io::Error::other("boom")));
        assert!(r.is_err());
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn missing_directory_is_reported() {
        let e = check_writable(Path::new("/nonexistent-dir-aekit/x.csv")).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
    }
}
