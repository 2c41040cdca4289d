//! A dense row-major `f32` matrix: the form data takes between files and models.

/// Row-major values with a fixed number of columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matrix {
    /// Row-major values, `n_rows * n_cols` of them.
    pub values: Vec<f32>,
    /// Number of columns.
    pub n_cols: usize,
}

impl Matrix {
    /// Wraps row-major `values` with `n_cols` columns.
    pub fn new(values: Vec<f32>, n_cols: usize) -> Matrix {
        debug_assert!(n_cols > 0 && values.len().is_multiple_of(n_cols));
        Matrix { values, n_cols }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.values.len().checked_div(self.n_cols).unwrap_or(0)
    }

    /// One row.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// The rows at `indices`, in that order.
    pub fn gather(&self, indices: &[usize]) -> Matrix {
        let mut values = Vec::with_capacity(indices.len() * self.n_cols);
        for &i in indices {
            values.extend_from_slice(self.row(i));
        }
        Matrix::new(values, self.n_cols)
    }

    /// Column `j` as an Arrow `Float32` array (for output tables).
    pub(crate) fn column_array(&self, j: usize) -> arrow_array::ArrayRef {
        let column: Vec<f32> = (0..self.n_rows()).map(|r| self.row(r)[j]).collect();
        std::sync::Arc::new(arrow_array::Float32Array::from(column))
    }

    /// Rows `start..end`.
    pub fn slice_rows(&self, start: usize, end: usize) -> Matrix {
        Matrix::new(
            self.values[start * self.n_cols..end * self.n_cols].to_vec(),
            self.n_cols,
        )
    }
}
