//! Comparing the JSON keys of a file's metadata with the keys this
//! version writes, for model files and checkpoints: a misspelt key would
//! otherwise be ignored and its default used.

/// The first key that `file` has and `expected` has not (or, with
/// `missing`, the other way round), as a dotted path, comparing nested
/// objects and arrays.
pub(crate) fn key_difference(
    file: &serde_json::Value,
    expected: &serde_json::Value,
    at: &str,
    missing: bool,
) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    match (file, expected) {
        (Value::Object(f), Value::Object(e)) => {
            // Keys earlier builds of this format wrote and this one drops.
            const RETIRED: &[&str] = &["seconds"];
            if let Some(k) = f
                .keys()
                .find(|k| !e.contains_key(*k) && !RETIRED.contains(&k.as_str()))
            {
                return Some(format!("has an unknown key '{}'", join(k)));
            }
            if let Some(k) = e.keys().find(|k| missing && !f.contains_key(*k)) {
                return Some(format!("lacks the key '{}'", join(k)));
            }
            f.iter()
                .filter(|(k, _)| e.contains_key(*k))
                .find_map(|(k, v)| key_difference(v, &e[k], &join(k), missing))
        }
        (Value::Array(f), Value::Array(e)) => f
            .iter()
            .zip(e)
            .enumerate()
            .find_map(|(i, (a, b))| key_difference(a, b, &join(&i.to_string()), missing)),
        _ => None,
    }
}
