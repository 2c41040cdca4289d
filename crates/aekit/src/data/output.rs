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

/// Whether `path` is written in place rather than through a temporary
/// file renamed over it: it exists and is something other than a regular
/// file or a directory (a character device, a FIFO, a socket), or it is a
/// stream of this process named through `/dev` or `/proc` (`/dev/stdout`,
/// `/dev/fd/1`, `/proc/self/fd/1`), which links to whatever the shell
/// redirected it to: renaming over such a path would replace the link
/// itself (as root) and leave the redirected file empty.
pub fn is_special_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) || names_a_stream(path)
}

/// Whether `path` names a stream of a process through `/proc`: it lies
/// there (`/proc/self/fd/1`, or `/dev/fd/1`, whose folder links there), or
/// it is a link whose chain passes through it (`/dev/stdout`, or a user's
/// link to it). A regular file elsewhere under `/dev` (`/dev/shm`) is not.
fn names_a_stream(path: &Path) -> bool {
    let in_proc = |p: &Path| {
        p.starts_with("/proc")
            || std::fs::canonicalize(parent_dir(p)).is_ok_and(|dir| dir.starts_with("/proc"))
    };
    let mut current = path.to_path_buf();
    // Links are followed as the kernel does, to its own limit of 40.
    for _ in 0..40 {
        if in_proc(&current) {
            return true;
        }
        let Ok(target) = std::fs::read_link(&current) else {
            return false;
        };
        current = if target.is_relative() {
            parent_dir(&current).join(target)
        } else {
            target
        };
    }
    false
}

/// Where an output that is a link to a regular file is written: the file
/// the link names, so that the link stays a link; any other path as given.
fn resolve_link(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Whether this process's standard output was closed when it started
/// (`>&-`), as [`detect_closed_stdout`] found it.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Notes, once at start-up, whether standard output was closed (`>&-`), so
/// that a table asked for there (`-`) is refused ([`check_writable`])
/// instead of vanishing. Rust's runtime opens `/dev/null` on a standard
/// stream it finds closed (so no file opened later takes its number), read
/// and write; a shell's `> /dev/null` opens it write-only, which tells the
/// two apart. Linux only (it reads `/proc/self`); elsewhere it does nothing.
pub fn detect_closed_stdout() {
    #[cfg(target_os = "linux")]
    if opened_by_the_runtime(1) {
        STDOUT_CLOSED.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Whether standard stream `fd` is `/dev/null` opened read-write, as the
/// runtime opens a stream that was closed.
#[cfg(target_os = "linux")]
fn opened_by_the_runtime(fd: u32) -> bool {
    let is_null = std::fs::read_link(format!("/proc/self/fd/{fd}"))
        .is_ok_and(|target| target == Path::new("/dev/null"));
    let read_write = || {
        let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")).ok()?;
        let flags = info.lines().find_map(|l| l.strip_prefix("flags:"))?;
        // The access mode is the low two bits of the octal flags: 2 is O_RDWR.
        Some(u32::from_str_radix(flags.trim(), 8).ok()? & 0o3 == 0o2)
    };
    is_null && read_write().unwrap_or(false)
}

/// Refuses standard output when it was closed at start-up.
pub(crate) fn check_stdout_open() -> Result<()> {
    if !STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(());
    }
    Err(AekitError::io(
        "<stdout>",
        // Not BrokenPipe: the command line ends quietly on that, as for `| head`.
        std::io::Error::other("standard output is closed: name an output file instead of '-'"),
    ))
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
            // Appending: a redirected file reached through /proc gets the
            // output after what is already there (`>>`), as the shell would.
            let file = std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .map_err(|e| AekitError::io(path, e))?;
            return Ok(PendingOutput {
                target: path.to_path_buf(),
                tmp: None,
                direct: Some(file),
            });
        }
        let path = &resolve_link(path);
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
    if super::format::is_stdio(path) {
        return check_stdout_open();
    }
    if is_special_file(path) {
        return Ok(());
    }
    let path = &resolve_link(path);
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
        writer.write_record(header).map_err(csv_io_error)?;
        for row in rows {
            writer.write_record(&row).map_err(csv_io_error)?;
        }
        writer.flush()
    };
    if super::format::is_stdio(path) {
        check_stdout_open()?;
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

/// The operating system's error inside a CSV writer's, kept as it is (a
/// closed pipe stays `BrokenPipe`), or the CSV error itself.
pub(crate) fn csv_io_error(error: csv::Error) -> std::io::Error {
    if !error.is_io_error() {
        return std::io::Error::other(error);
    }
    match error.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
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

    #[cfg(target_os = "linux")]
    #[test]
    fn streams_named_through_proc_are_special_whatever_they_point_at() {
        // However the test's stdout is redirected (a file, under a runner).
        for stream in ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
            assert!(is_special_file(Path::new(stream)), "{stream}");
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain.csv");
        std::fs::write(&file, "a\n").unwrap();
        assert!(!is_special_file(&file));
        // A link to /dev/stdout is a stream; a link to a file is not.
        let to_stdout = dir.path().join("out.csv");
        std::os::unix::fs::symlink("/dev/stdout", &to_stdout).unwrap();
        assert!(is_special_file(&to_stdout));
        let to_file = dir.path().join("alias.csv");
        std::os::unix::fs::symlink(&file, &to_file).unwrap();
        assert!(!is_special_file(&to_file));
        write_atomically(&to_file, |out| out.write_all(b"b\n")).unwrap();
        assert!(
            std::fs::symlink_metadata(&to_file)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "b\n");
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
