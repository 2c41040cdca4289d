//! Writing result files atomically: a temporary file beside the target,
//! renamed into place only when complete, so a failure leaves nothing behind.
//! Temporary files are named `.<target name>.<random>.aekit-tmp`, so a
//! stale one is recognisable, and are listed while they live so that a
//! host's signal handler can remove them ([`remove_pending_outputs`]).
//! A target that exists and is not a regular file (a device such as
//! `/dev/stdout`, a FIFO) is written directly: renaming over it would
//! replace it. `-` is standard output, which takes tables only: a file
//! that is not a table (a model file, a PNG, word vectors) is refused
//! there ([`check_file_writable`]), never written as a file named `-`.

use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{AekitError, Result};

/// Temporary outputs alive in this process.
static PENDING: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

fn pending(update: impl FnOnce(&mut HashSet<PathBuf>)) {
    // A poisoned lock only means another thread panicked mid-update; the set is still usable.
    let mut guard = PENDING.lock().unwrap_or_else(|p| p.into_inner());
    update(guard.get_or_insert_with(HashSet::new));
}

/// Removes every temporary output this process has not finished, for a
/// signal handler (SIGINT, SIGTERM) to call before the process exits.
/// Returns how many it removed.
pub fn remove_pending_outputs() -> usize {
    let mut removed = 0;
    pending(|set| {
        for path in set.drain() {
            if std::fs::remove_file(&path).is_ok() {
                removed += 1;
            }
        }
    });
    removed
}

/// Whether `path` exists and is something other than a regular file or a
/// directory (a character device, a FIFO, a socket): written in place.
pub fn is_special_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// A file being written for `target`: a temporary file beside it, or the
/// target itself when it is special.
pub(crate) struct PendingOutput {
    target: PathBuf,
    tmp: Option<tempfile::NamedTempFile>,
    direct: Option<File>,
}

impl PendingOutput {
    /// Opens the output for `path`.
    pub(crate) fn create(path: &Path) -> Result<PendingOutput> {
        PendingOutput::create_with_suffix(path, "")
    }

    /// Opens the output for `path`, its temporary file's name ending in
    /// `suffix` after `.aekit-tmp` (for writers that pick a format from it).
    pub(crate) fn create_with_suffix(path: &Path, suffix: &str) -> Result<PendingOutput> {
        refuse_stdout(path, "this output")?;
        if is_special_file(path) {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| AekitError::io(path, e))?;
            return Ok(PendingOutput {
                target: path.to_path_buf(),
                tmp: None,
                direct: Some(file),
            });
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(&format!(".aekit-tmp{suffix}"))
            .tempfile_in(parent_dir(path))
            .map_err(|e| AekitError::io(path, e))?;
        pending(|set| {
            set.insert(tmp.path().to_path_buf());
        });
        Ok(PendingOutput {
            target: path.to_path_buf(),
            tmp: Some(tmp),
            direct: None,
        })
    }

    /// The file to write into.
    pub(crate) fn file(&self) -> Result<File> {
        let file = match (&self.tmp, &self.direct) {
            (Some(tmp), _) => tmp.as_file().try_clone(),
            (None, Some(direct)) => direct.try_clone(),
            (None, None) => Err(std::io::Error::other("internal: output already finished")),
        };
        file.map_err(|e| AekitError::io(&self.target, e))
    }

    /// Where bytes go for a writer that takes a path (the plot backend).
    pub(crate) fn path(&self) -> &Path {
        match &self.tmp {
            Some(tmp) => tmp.path(),
            None => &self.target,
        }
    }

    /// Makes the output appear at its target: renames the temporary file
    /// into place, with the permissions an ordinary new file gets
    /// (temporary files are created private).
    pub(crate) fn commit(mut self) -> Result<()> {
        let Some(tmp) = self.tmp.take() else {
            return Ok(());
        };
        let path = self.target.clone();
        let tmp_path = tmp.path().to_path_buf();
        pending(|set| {
            set.remove(&tmp_path);
        });
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(|e| AekitError::io(&path, e))?;
        }
        tmp.persist(&path)
            .map_err(|e| AekitError::io(&path, e.error))?;
        Ok(())
    }
}

impl Drop for PendingOutput {
    fn drop(&mut self) {
        if let Some(tmp) = &self.tmp {
            let tmp_path = tmp.path().to_path_buf();
            pending(|set| {
                set.remove(&tmp_path);
            });
        }
    }
}

/// Checks, before any long work, that `path` can be written: its directory
/// exists and accepts a new file (`-`, standard output, always can; so can
/// a special file such as `/dev/null`, written in place).
pub fn check_writable(path: &Path) -> Result<()> {
    if super::format::is_stdio(path) || is_special_file(path) {
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

/// Checks, before any long work, that `path` can take `what`, a file that
/// is not a table (`"a model file"`, `"a PNG plot"`): as [`check_writable`],
/// and `-` is refused, standard output taking tables only.
pub fn check_file_writable(path: &Path, what: &str) -> Result<()> {
    refuse_stdout(path, what)?;
    check_writable(path)
}

/// Refuses `-` (standard output) as the path of `what`, which is not a table.
pub(crate) fn refuse_stdout(path: &Path, what: &str) -> Result<()> {
    if !super::format::is_stdio(path) {
        return Ok(());
    }
    Err(AekitError::io(
        path,
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{what} cannot be written to standard output ('-'), which takes tables only: name a file"
            ),
        ),
    ))
}

/// Refuses an output path that is one of the inputs (the same file, by
/// any name): writing it would replace data still to be read.
pub fn check_not_an_input(output: &Path, inputs: &[&Path]) -> Result<()> {
    if super::format::is_stdio(output) || is_special_file(output) {
        return Ok(());
    }
    for input in inputs {
        if super::format::is_stdio(input) {
            continue;
        }
        if same_file::is_same_file(output, input).unwrap_or(false) {
            return Err(AekitError::io(
                output,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!(
                        "is also an input ({}): writing it would replace it; choose another output path",
                        input.display()
                    ),
                ),
            ));
        }
    }
    Ok(())
}

/// Writes `path` by calling `fill` on a temporary file in the same
/// directory and renaming it over `path` once `fill` succeeds.
pub(crate) fn write_atomically<F>(path: &Path, fill: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let output = PendingOutput::create(path)?;
    {
        let mut file = output.file()?;
        let mut buffered = std::io::BufWriter::new(&mut file);
        fill(&mut buffered).map_err(|e| AekitError::io(path, e))?;
        buffered.flush().map_err(|e| AekitError::io(path, e))?;
    }
    output.commit()
}

/// The directory a file is written into.
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes a CSV file atomically from a header and rows of cells (`-`:
/// standard output, as rows are made).
pub fn write_csv(
    path: &Path,
    header: &[String],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<()> {
    let fill = |out: &mut dyn Write| {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(header)?;
        for row in rows {
            writer.write_record(&row)?;
        }
        writer.flush()
    };
    if super::format::is_stdio(path) {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        return fill(&mut out)
            .and_then(|()| out.flush())
            .map_err(|e| AekitError::io("<stdout>", e));
    }
    write_atomically(path, fill)
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
    fn temporary_outputs_are_named_listed_and_removable() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("scores.csv");
        let output = PendingOutput::create(&target).unwrap();
        let name = output
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with(".scores.csv.") && name.ends_with(".aekit-tmp"),
            "{name}"
        );
        assert!(output.path().exists());
        assert!(remove_pending_outputs() >= 1);
        assert!(!output.path().exists());
        drop(output);
        assert!(!target.exists());
    }

    #[test]
    fn special_files_are_written_in_place() {
        let null = Path::new("/dev/null");
        assert!(is_special_file(null));
        check_writable(null).unwrap();
        write_atomically(null, |out| out.write_all(b"gone")).unwrap();
        assert!(is_special_file(null), "/dev/null was replaced");
    }

    #[test]
    fn an_input_is_not_an_output() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("d.csv");
        std::fs::write(&input, "a\n1\n").unwrap();
        let other_name = dir.path().join(".").join("d.csv");
        let e = check_not_an_input(&other_name, &[Path::new("m.aekit"), &input]).unwrap_err();
        assert!(e.to_string().contains("is also an input"), "{e}");
        check_not_an_input(&dir.path().join("new.csv"), &[&input]).unwrap();
        check_not_an_input(Path::new("-"), &[&input]).unwrap();
    }

    #[test]
    fn standard_output_takes_tables_only() {
        let e = check_file_writable(Path::new("-"), "a model file").unwrap_err();
        assert!(
            e.to_string()
                .contains("a model file cannot be written to standard output"),
            "{e}"
        );
        check_writable(Path::new("-")).unwrap();
        assert!(PendingOutput::create(Path::new("-")).is_err());
        let r = write_atomically(Path::new("-"), |out| out.write_all(b"x"));
        assert!(r.is_err());
        assert!(!Path::new("-").exists());
    }

    #[test]
    fn missing_directory_is_reported() {
        let e = check_writable(Path::new("/nonexistent-dir-aekit/x.csv")).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
    }
}
