//! How configs read the values of their enum fields: as the model file
//! writes them, or by the names the command line and Python spell them
//! with. Below every module that holds a config, so any may use it.

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer};
use serde_json::Value;

/// Reads a value written as the model file writes it, or as its name
/// (the command line's spelling, through `FromStr`): a config field of an
/// enum type takes both.
pub(crate) fn name_or_value<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr + DeserializeOwned,
    T::Err: std::fmt::Display,
{
    match Value::deserialize(d)? {
        Value::String(s) => match s.parse() {
            Ok(v) => Ok(v),
            Err(e) => T::deserialize(Value::String(s)).map_err(|_| de::Error::custom(e)),
        },
        other => T::deserialize(other).map_err(de::Error::custom),
    }
}

/// [`name_or_value`] of an optional field (`null`: none).
pub(crate) fn optional_name_or_value<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr + DeserializeOwned,
    T::Err: std::fmt::Display,
{
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        other => name_or_value(other).map(Some).map_err(de::Error::custom),
    }
}

/// An optional number where 0 means none (`patience` 0: no early
/// stopping, `validation_split` 0: no validation), as on the command line.
pub(crate) fn zero_is_none<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default + PartialEq,
{
    Ok(Option::<T>::deserialize(d)?.filter(|v| *v != T::default()))
}
