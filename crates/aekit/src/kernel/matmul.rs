//! Matrix products through the `gemm` crate, the kernel burn's flex backend
//! multiplies with, called single-threaded: the callers split rows across
//! threads themselves, so each core keeps working on the same rows and no
//! thread is woken up inside a product. The only `unsafe` code of the crate
//! is the call below; every view is bounds-checked before it.
#![allow(unsafe_code)]

/// A read-only view of a matrix stored in a slice, possibly transposed.
#[derive(Debug, Clone, Copy)]
pub struct MatRef<'a> {
    data: &'a [f32],
    offset: usize,
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> MatRef<'a> {
    /// The `rows x cols` row-major matrix at the start of `data`.
    ///
    /// # Panics
    /// If `data` holds fewer than `rows * cols` values.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> MatRef<'a> {
        assert!(
            data.len() >= rows * cols,
            "a {rows}x{cols} matrix needs {} values, the slice has {}",
            rows * cols,
            data.len()
        );
        MatRef {
            data,
            offset: 0,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose, without copying.
    pub fn t(self) -> MatRef<'a> {
        MatRef {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }

    /// Rows `start..end` of this view.
    ///
    /// # Panics
    /// If the range is outside the view.
    pub fn rows(self, start: usize, end: usize) -> MatRef<'a> {
        assert!(
            start <= end && end <= self.rows,
            "rows {start}..{end} of {}",
            self.rows
        );
        MatRef {
            offset: self.offset + start * self.row_stride,
            rows: end - start,
            ..self
        }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.cols
    }

    /// Whether every element the view names lies inside its slice.
    fn in_bounds(&self) -> bool {
        if self.rows == 0 || self.cols == 0 {
            return self.offset <= self.data.len();
        }
        let last =
            self.offset + (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride;
        last < self.data.len()
    }
}

/// `c = a b`, or `c += a b` when `accumulate`, with `c` row-major
/// `[a.n_rows(), b.n_cols()]`.
///
/// # Panics
/// If the shapes disagree or `c` is too short.
pub fn matmul(c: &mut [f32], accumulate: bool, a: MatRef<'_>, b: MatRef<'_>) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(
        k, b.rows,
        "inner dimensions differ: {m}x{k} times {}x{n}",
        b.rows
    );
    assert!(
        c.len() >= m * n,
        "the output holds {} values, {m}x{n} needed",
        c.len()
    );
    assert!(
        a.in_bounds() && b.in_bounds(),
        "a matrix view reaches past its slice"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c[..m * n].fill(0.0);
        }
        return;
    }
    if m == 1 {
        // gemm takes a single row by another route (a vector product that
        // sums in another order), so a row alone came out 1 ulp apart from
        // the same row in a batch: results depended on the batch size
        // (scikit-learn's check_methods_subset_invariance). Two copies of
        // the row take the matrix route.
        let row = (0..k).map(|p| a.data[a.offset + p * a.col_stride]);
        let twice: Vec<f32> = row.clone().chain(row).collect();
        let mut out = vec![0.0; 2 * n];
        out[..n].copy_from_slice(&c[..n]);
        matmul(&mut out, accumulate, MatRef::new(&twice, 2, k), b);
        c[..n].copy_from_slice(&out[..n]);
        return;
    }
    // SAFETY: the asserts above keep every index gemm forms inside the
    // three slices (`in_bounds` checks each view's last element, `c` holds
    // m x n values at unit column stride), and `c` is borrowed mutably while
    // `a` and `b` are shared borrows, so they cannot overlap.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr().add(a.offset),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr().add(b.offset),
            b.col_stride as isize,
            b.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: MatRef<'_>, b: MatRef<'_>) -> Vec<f32> {
        let at = |m: &MatRef<'_>, i: usize, j: usize| {
            m.data[m.offset + i * m.row_stride + j * m.col_stride]
        };
        let mut c = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                c[i * b.cols + j] = (0..a.cols).map(|p| at(&a, i, p) * at(&b, p, j)).sum();
            }
        }
        c
    }

    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n as u32)
            .map(|i| ((i.wrapping_mul(2_654_435_761) ^ seed) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    }

    #[test]
    fn products_match_the_definition() {
        let (m, k, n) = (37, 19, 23);
        let a = values(m * k, 1);
        let at = values(k * m, 2);
        let b = values(k * n, 3);
        let bt = values(n * k, 4);
        let cases = [
            (MatRef::new(&a, m, k), MatRef::new(&b, k, n)),
            (MatRef::new(&at, k, m).t(), MatRef::new(&b, k, n)),
            (MatRef::new(&a, m, k), MatRef::new(&bt, n, k).t()),
            (
                MatRef::new(&at, k, m).t().rows(5, 30),
                MatRef::new(&bt, n, k).t(),
            ),
        ];
        for (a, b) in cases {
            let expected = naive(a, b);
            let mut c = vec![1.0; a.n_rows() * n];
            matmul(&mut c, false, a, b);
            for (x, y) in c.iter().zip(&expected) {
                assert!((x - y).abs() < 1e-4, "{x} vs {y}");
            }
            let mut acc = vec![1.0; a.n_rows() * n];
            matmul(&mut acc, true, a, b);
            for (x, y) in acc.iter().zip(&expected) {
                assert!((x - (y + 1.0)).abs() < 1e-4, "{x} vs {y} + 1");
            }
        }
    }

    #[test]
    fn empty_inner_dimension_gives_zeros() {
        let mut c = vec![3.0; 6];
        matmul(
            &mut c,
            false,
            MatRef::new(&[], 2, 0),
            MatRef::new(&[], 0, 3),
        );
        assert_eq!(c, vec![0.0; 6]);
    }

    #[test]
    #[should_panic(expected = "inner dimensions differ")]
    fn mismatched_shapes_are_refused() {
        let mut c = vec![0.0; 4];
        matmul(
            &mut c,
            false,
            MatRef::new(&[0.0; 6], 2, 3),
            MatRef::new(&[0.0; 4], 2, 2),
        );
    }

    #[test]
    fn each_row_comes_out_the_same_whatever_the_row_count() {
        let shapes = [
            (3, 6, false),
            (6, 3, true),
            (784, 256, true),
            (784, 256, false),
        ];
        let shapes = shapes
            .into_iter()
            .chain([(200, 1, true), (64, 2, false), (1, 5, true)]);
        for (k, n, transposed) in shapes {
            let rows = 40;
            let a = values(rows * k, 7);
            let b = values(k * n, 8);
            let b = if transposed {
                MatRef::new(&b, n, k).t()
            } else {
                MatRef::new(&b, k, n)
            };
            let all = MatRef::new(&a, rows, k);
            let mut full = vec![0.0; rows * n];
            matmul(&mut full, false, all, b);
            for m in 1..rows {
                for start in [0, rows - m] {
                    let mut part = vec![0.5; m * n];
                    matmul(&mut part, false, all.rows(start, start + m), b);
                    let expected = &full[start * n..(start + m) * n];
                    let same = part
                        .iter()
                        .zip(expected)
                        .all(|(x, y)| x.to_bits() == y.to_bits());
                    assert!(
                        same,
                        "{m} rows from {start} of {k}x{n} (transposed {transposed})"
                    );
                }
            }
            let mut once = full[..n].to_vec();
            matmul(&mut once, true, all.rows(0, 1), b);
            let mut twice = full[..2 * n].to_vec();
            matmul(&mut twice, true, all.rows(0, 2), b);
            assert_eq!(once, twice[..n], "accumulating one row of {k}x{n}");
        }
    }
}
