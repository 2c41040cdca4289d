//! Unit tests of `dataset`.

use super::*;
use ndarray::array;

#[test]
fn arrays_are_borrowed_and_named() {
    let x = array![[1.0f64, 2.5], [3.0, f64::NAN]];
    let d = Dataset::from(&x);
    assert!(!d.is_named());
    assert_eq!(d.column_names(), ["x0", "x1"]);
    assert_eq!(d.cell(0, 1), "2.5");
    let mut out = Vec::new();
    d.push_numbers(0, &[1, 0], true, &mut out).unwrap();
    assert_eq!(out, [2.5, 1.0]);
    let e = d.push_numbers(1, &[1], true, &mut out).unwrap_err();
    assert!(
        e.to_string().contains("row 1") && e.to_string().contains("'x1'"),
        "{e}"
    );
    assert!(d.push_numbers(1, &[1], false, &mut out).is_ok());
    let named = Dataset::from(x.t()).with_column_names(["a", "b"]).unwrap();
    assert_eq!(named.cell(1, 0), "2.5", "strided views read in place");
    assert!(Dataset::from(&x).with_column_names(["a"]).is_err());
    assert!(Dataset::from(&x).with_column_names(["a", "a"]).is_err());
    let e = named.require_column("c", "named as the label").unwrap_err();
    assert!(e.to_string().contains("'c'"), "{e}");
}

#[test]
fn linfa_datasets_bring_their_feature_names() {
    let ds = linfa::DatasetBase::from(array![[1.0f32, 2.0]]).with_feature_names(vec!["p", "q"]);
    let d = Dataset::from(&ds);
    assert!(d.is_named());
    assert_eq!(d.column_names(), ["p", "q"]);
}
