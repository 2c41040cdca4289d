//! Labelled texts from any table the library reads (CSV, gzip CSV,
//! Parquet, `-` for standard input; see [`open_chunks`]): one text column,
//! an optional label column and columns passed through to outputs. Every
//! cell is checked: bytes that are not UTF-8 and empty texts are errors
//! naming the file, row and column.

use std::path::{Path, PathBuf};

use crate::data::{ReadOptions, RowChunks, display_path, open_chunks};
use crate::error::{AekitError, Result};

/// Rows read per chunk: the file is read a chunk at a time, so memory holds
/// the columns a corpus keeps plus one chunk of whole rows, never the file.
const CHUNK_ROWS: usize = 8192;

/// The columns to read.
#[derive(Debug, Clone, Default)]
pub struct CorpusColumns {
    /// The text column.
    pub text: String,
    /// The label column, if any.
    pub label: Option<String>,
    /// Columns copied to outputs (ids).
    pub ids: Vec<String>,
}

/// Texts read from a file.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// The file read (`<stdin>` for `-`).
    pub path: PathBuf,
    /// One text per row.
    pub texts: Vec<String>,
    /// One label per row, when a label column was read.
    pub labels: Option<Vec<String>>,
    /// Passed-through columns: names and values per row.
    pub id_names: Vec<String>,
    /// Values of the id columns, one vector per row.
    pub ids: Vec<Vec<String>>,
    /// The row number errors name for each text (for CSV the line, the
    /// header being line 1; for Parquet the row, from 1).
    pub rows: Vec<usize>,
}

/// A table opened for reading texts: its header is known before any row is
/// read, so a caller can choose columns from it (standard input cannot be
/// opened twice).
pub struct CorpusReader {
    path: PathBuf,
    chunks: Box<dyn RowChunks>,
}

impl CorpusReader {
    /// Opens `path` (format from `options` or the file name, `-` for
    /// standard input) and reads its header.
    pub fn open(path: &Path, options: &ReadOptions) -> Result<CorpusReader> {
        Ok(CorpusReader {
            path: display_path(path),
            chunks: open_chunks(path, options)?,
        })
    }

    /// Column names, in file order.
    pub fn headers(&self) -> &[String] {
        self.chunks.headers()
    }

    /// Reads `columns` of every row.
    pub fn read(mut self, columns: &CorpusColumns) -> Result<Corpus> {
        let path = self.path.clone();
        let header = self.headers().to_vec();
        let find = |name: &str, what: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| AekitError::Column {
                    path: path.clone(),
                    column: name.to_string(),
                    reason: format!(
                        "(the {what} column) is not in the file; it has {}",
                        header.join(", ")
                    ),
                })
        };
        let text_at = find(&columns.text, "text")?;
        let label_at = columns
            .label
            .as_deref()
            .map(|l| find(l, "label"))
            .transpose()?;
        let id_at: Vec<usize> = columns
            .ids
            .iter()
            .map(|c| find(c, "id"))
            .collect::<Result<_>>()?;
        let mut corpus = Corpus {
            path: path.clone(),
            texts: Vec::new(),
            labels: label_at.map(|_| Vec::new()),
            id_names: columns.ids.clone(),
            ids: Vec::new(),
            rows: Vec::new(),
        };
        let not_blank = |cell: String, row: usize, column: &str, what: &str| {
            if cell.trim().is_empty() {
                return Err(AekitError::Data {
                    path: path.clone(),
                    row: Some(row),
                    column: Some(column.to_string()),
                    message: format!("the {what} is empty"),
                });
            }
            Ok(cell)
        };
        while let Some(table) = self.chunks.next_chunk(CHUNK_ROWS)? {
            for r in 0..table.n_rows() {
                let row = table.line_of(r);
                // `to_string` copies a cell whether it comes as `&str` or `Cow<str>`.
                let text = table.cell(r, text_at).to_string();
                corpus
                    .texts
                    .push(not_blank(text, row, &columns.text, "text")?);
                if let (Some(at), Some(labels), Some(name)) =
                    (label_at, corpus.labels.as_mut(), columns.label.as_deref())
                {
                    labels.push(not_blank(
                        table.cell(r, at).to_string(),
                        row,
                        name,
                        "label",
                    )?);
                }
                corpus.ids.push(
                    id_at
                        .iter()
                        .map(|&at| table.cell(r, at).to_string())
                        .collect(),
                );
                corpus.rows.push(row);
            }
        }
        if corpus.texts.is_empty() {
            return Err(AekitError::Data {
                path,
                row: None,
                column: None,
                message: "the file has a header but no rows".into(),
            });
        }
        Ok(corpus)
    }
}

impl Corpus {
    /// Reads `columns` of the table at `path` (see [`CorpusReader::open`]).
    pub fn read(path: &Path, columns: &CorpusColumns, options: &ReadOptions) -> Result<Corpus> {
        CorpusReader::open(path, options)?.read(columns)
    }

    /// A corpus of texts (and labels) given in memory: the same checks as
    /// a file's cells (no empty text or label, at least one text, as many
    /// labels as texts), errors naming the 0-based row.
    pub fn from_texts(texts: Vec<String>, labels: Option<Vec<String>>) -> Result<Corpus> {
        let in_memory = |row: Option<usize>, message: String| AekitError::InMemory {
            row,
            column: None,
            message,
        };
        if texts.is_empty() {
            return Err(in_memory(None, "there are no texts".into()));
        }
        if let Some(labels) = &labels
            && labels.len() != texts.len()
        {
            return Err(in_memory(
                None,
                format!("{} texts but {} labels", texts.len(), labels.len()),
            ));
        }
        let blank =
            |values: &[String], what: &str| match values.iter().position(|v| v.trim().is_empty()) {
                Some(row) => Err(in_memory(Some(row), format!("the {what} is empty"))),
                None => Ok(()),
            };
        blank(&texts, "text")?;
        if let Some(labels) = &labels {
            blank(labels, "label")?;
        }
        Ok(Corpus {
            path: PathBuf::from("<in-memory texts>"),
            rows: (0..texts.len()).collect(),
            ids: vec![Vec::new(); texts.len()],
            id_names: Vec::new(),
            texts,
            labels,
        })
    }

    /// Rows read.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether no rows were read (never, for a corpus from [`Corpus::read`]).
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> CorpusColumns {
        CorpusColumns {
            text: "text".into(),
            label: Some("label".into()),
            ids: vec![],
        }
    }

    fn read(path: &Path) -> Result<Corpus> {
        Corpus::read(path, &columns(), &ReadOptions::default())
    }

    #[test]
    fn bad_cells_name_file_row_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        std::fs::write(&p, b"text,label\n\"hi, you\",a\n\xff\xfe,b\n").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(
            e.contains("t.csv")
                && e.contains("row 3")
                && e.contains("'text'")
                && e.contains("UTF-8"),
            "{e}"
        );
        std::fs::write(&p, b"text,label\nok,a\nfine,\xe9\n").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("row 3") && e.contains("'label'"), "{e}");
        std::fs::write(&p, "text,label\nok,a\n ,b\n").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(
            e.contains("row 3") && e.contains("'text'") && e.contains("empty"),
            "{e}"
        );
        std::fs::write(&p, "text,label\nok,a\nfine,\n").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(
            e.contains("row 3") && e.contains("'label'") && e.contains("empty"),
            "{e}"
        );
        std::fs::write(&p, "body,label\nok,a\n").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("'text'") && e.contains("body"), "{e}");
        std::fs::write(&p, "text,label\n").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("no rows"), "{e}");
        std::fs::write(&p, "").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
    }

    #[test]
    fn texts_in_memory_are_checked_as_cells() {
        let texts = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let c = Corpus::from_texts(texts(&["a b", "c"]), Some(texts(&["x", "y"]))).unwrap();
        assert_eq!(
            (c.len(), c.labels.as_deref()),
            (2, Some(&texts(&["x", "y"])[..]))
        );
        let e = Corpus::from_texts(texts(&["a", " "]), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 1") && e.contains("text is empty"), "{e}");
        let e = Corpus::from_texts(texts(&["a"]), Some(texts(&[""])))
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 0") && e.contains("label is empty"), "{e}");
        assert!(Corpus::from_texts(texts(&["a"]), Some(vec![])).is_err());
        assert!(Corpus::from_texts(vec![], None).is_err());
    }

    #[test]
    fn reads_labels_ids_and_the_rows_errors_name() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        // A quoted text over two lines: the next row is on line 4.
        std::fs::write(&p, "id,text,label\n7,\"hi, you\nthere\",a\n8,bye,b\n").unwrap();
        let with_ids = CorpusColumns {
            ids: vec!["id".into()],
            ..columns()
        };
        let c = Corpus::read(&p, &with_ids, &ReadOptions::default()).unwrap();
        assert_eq!(c.texts, ["hi, you\nthere", "bye"]);
        assert_eq!(c.labels.unwrap(), ["a", "b"]);
        assert_eq!(c.ids, [["7"], ["8"]]);
        assert_eq!(c.rows, [2, 4]);
        let reader = CorpusReader::open(&p, &ReadOptions::default()).unwrap();
        assert_eq!(reader.headers(), ["id", "text", "label"]);
    }
}
