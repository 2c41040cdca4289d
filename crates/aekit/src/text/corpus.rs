//! Labelled texts from a CSV file: one text column, an optional label
//! column and columns passed through to outputs. Every cell is checked:
//! bytes that are not UTF-8 and empty texts are errors naming the file,
//! row and column.

use std::path::{Path, PathBuf};

use crate::error::{AekitError, Result};

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
    /// The file read.
    pub path: PathBuf,
    /// One text per row.
    pub texts: Vec<String>,
    /// One label per row, when a label column was read.
    pub labels: Option<Vec<String>>,
    /// Passed-through columns: names and values per row.
    pub id_names: Vec<String>,
    /// Values of the id columns, one vector per row.
    pub ids: Vec<Vec<String>>,
}

fn utf8(path: &Path, row: usize, column: &str, bytes: &[u8]) -> Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| AekitError::Data {
        path: path.to_path_buf(),
        row: Some(row),
        column: Some(column.to_string()),
        message: format!(
            "not UTF-8 text (invalid byte at offset {}); re-encode the file as UTF-8",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// The column names of the CSV file at `path`.
pub fn header(path: &Path) -> Result<Vec<String>> {
    let file = std::fs::File::open(path).map_err(|e| AekitError::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new().from_reader(file);
    let header = reader.byte_headers().map_err(|e| AekitError::Data {
        path: path.to_path_buf(),
        row: Some(1),
        column: None,
        message: e.to_string(),
    })?;
    header.iter().map(|h| utf8(path, 1, "header", h)).collect()
}

impl Corpus {
    /// Reads `columns` of the CSV file at `path` (comma-separated, header
    /// first, quoted fields allowed).
    pub fn read(path: &Path, columns: &CorpusColumns) -> Result<Corpus> {
        let file = std::fs::File::open(path).map_err(|e| AekitError::io(path, e))?;
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(file);
        let data_err = |row: Option<usize>, message: String| AekitError::Data {
            path: path.to_path_buf(),
            row,
            column: None,
            message,
        };
        let header = reader
            .byte_headers()
            .map_err(|e| data_err(Some(1), e.to_string()))?
            .clone();
        let header: Vec<String> = header
            .iter()
            .map(|h| utf8(path, 1, "header", h))
            .collect::<Result<_>>()?;
        if header.iter().all(String::is_empty) {
            return Err(data_err(None, "the file is empty".into()));
        }
        let find = |name: &str, what: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| AekitError::Column {
                    path: path.to_path_buf(),
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
            path: path.to_path_buf(),
            texts: Vec::new(),
            labels: label_at.map(|_| Vec::new()),
            id_names: columns.ids.clone(),
            ids: Vec::new(),
        };
        for (i, record) in reader.byte_records().enumerate() {
            let row = i + 2;
            let record = record.map_err(|e| data_err(Some(row), e.to_string()))?;
            let cell = |at: usize, name: &str| utf8(path, row, name, record.get(at).unwrap_or(b""));
            let text = cell(text_at, &columns.text)?;
            if text.trim().is_empty() {
                return Err(AekitError::Data {
                    path: path.to_path_buf(),
                    row: Some(row),
                    column: Some(columns.text.clone()),
                    message: "the text is empty".into(),
                });
            }
            corpus.texts.push(text);
            if let (Some(at), Some(labels), Some(name)) =
                (label_at, corpus.labels.as_mut(), columns.label.as_deref())
            {
                let label = cell(at, name)?;
                if label.trim().is_empty() {
                    return Err(AekitError::Data {
                        path: path.to_path_buf(),
                        row: Some(row),
                        column: Some(name.to_string()),
                        message: "the label is empty".into(),
                    });
                }
                labels.push(label);
            }
            corpus.ids.push(
                id_at
                    .iter()
                    .zip(&columns.ids)
                    .map(|(&at, name)| cell(at, name))
                    .collect::<Result<_>>()?,
            );
        }
        if corpus.texts.is_empty() {
            return Err(data_err(None, "the file has a header but no rows".into()));
        }
        Ok(corpus)
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

    #[test]
    fn bad_cells_name_file_row_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        std::fs::write(&p, b"text,label\n\"hi, you\",a\n\xff\xfe,b\n").unwrap();
        let e = Corpus::read(&p, &columns()).unwrap_err().to_string();
        assert!(
            e.contains("row 3") && e.contains("'text'") && e.contains("UTF-8"),
            "{e}"
        );
        std::fs::write(&p, "text,label\nok,a\n ,b\n").unwrap();
        let e = Corpus::read(&p, &columns()).unwrap_err().to_string();
        assert!(e.contains("row 3") && e.contains("empty"), "{e}");
        std::fs::write(&p, "body,label\nok,a\n").unwrap();
        let e = Corpus::read(&p, &columns()).unwrap_err().to_string();
        assert!(e.contains("'text'") && e.contains("body"), "{e}");
        std::fs::write(&p, "text,label\n\"hi, you\",a\n").unwrap();
        let c = Corpus::read(&p, &columns()).unwrap();
        assert_eq!(c.texts, ["hi, you"]);
        assert_eq!(c.labels.unwrap(), ["a"]);
    }
}
