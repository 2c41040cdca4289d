//! Which format a table file is in: CSV or Parquet, from the file's
//! extension unless forced, plus the two path conventions every reader and
//! writer shares: `-` is standard input or output (always CSV), and a name
//! ending in `.gz` is gzip-compressed CSV.

use std::path::Path;

/// The formats aekit reads and writes tables in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TableFormat {
    /// Delimited text (comma, or tab for `.tsv`), optionally gzip-compressed.
    #[default]
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl TableFormat {
    /// The format a path's name says: `.parquet` and `.pq` are Parquet,
    /// anything else (and `-`) is CSV.
    pub fn of_path(path: &Path) -> TableFormat {
        if is_stdio(path) {
            return TableFormat::Csv;
        }
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("parquet") || ext.eq_ignore_ascii_case("pq") => {
                TableFormat::Parquet
            }
            _ => TableFormat::Csv,
        }
    }

    /// `forced` when given, otherwise the format of the path's name.
    pub fn resolve(path: &Path, forced: Option<TableFormat>) -> TableFormat {
        forced.unwrap_or_else(|| TableFormat::of_path(path))
    }
}

impl std::fmt::Display for TableFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TableFormat::Csv => "CSV",
            TableFormat::Parquet => "Parquet",
        })
    }
}

/// Whether `path` is `-`: standard input when read, standard output when written.
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Whether `path` names a gzip-compressed file (`.gz`, e.g. `rows.csv.gz`).
pub fn is_gzip(path: &Path) -> bool {
    !is_stdio(path)
        && path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_picks_the_format() {
        assert_eq!(
            TableFormat::of_path(Path::new("a.parquet")),
            TableFormat::Parquet
        );
        assert_eq!(
            TableFormat::of_path(Path::new("dir/a.PQ")),
            TableFormat::Parquet
        );
        assert_eq!(TableFormat::of_path(Path::new("a.csv")), TableFormat::Csv);
        assert_eq!(
            TableFormat::of_path(Path::new("a.csv.gz")),
            TableFormat::Csv
        );
        assert_eq!(TableFormat::of_path(Path::new("-")), TableFormat::Csv);
        assert_eq!(
            TableFormat::resolve(Path::new("a.data"), Some(TableFormat::Parquet)),
            TableFormat::Parquet
        );
    }

    #[test]
    fn gzip_and_stdio_are_recognised() {
        assert!(is_gzip(Path::new("a.csv.gz")));
        assert!(is_gzip(Path::new("a.tsv.GZ")));
        assert!(!is_gzip(Path::new("a.csv")));
        assert!(is_stdio(Path::new("-")));
        assert!(!is_stdio(Path::new("./-")));
    }
}
