//! A parsed mapping of parameter names to values, read into configs by
//! serde: each config takes the names of its fields.

use serde::Serialize;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde_json::{Map, Value};

use crate::error::{AekitError, Result};

/// A parsed mapping whose configs take their parameters out one by one.
pub struct Mapping {
    entries: Map<String, Value>,
    taken: Vec<&'static str>,
}

impl From<Map<String, Value>> for Mapping {
    fn from(entries: Map<String, Value>) -> Mapping {
        Mapping {
            entries,
            taken: Vec::new(),
        }
    }
}

impl Mapping {
    /// Parses a JSON object of parameter names to values.
    pub fn parse(json: &str) -> Result<Mapping> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| AekitError::param("params", format!("not a JSON object ({e})")))?;
        match value {
            Value::Object(entries) => Ok(Mapping::from(entries)),
            _ => Err(AekitError::param(
                "params",
                "must be a mapping of names to values",
            )),
        }
    }

    /// Whether parameter `name` is given (present and not null).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.entries.get(name).is_some_and(|v| !v.is_null())
    }

    /// Whether any field of config `T` is given.
    pub(crate) fn has_any<T: DeserializeOwned>(&self) -> bool {
        field_names::<T>().iter().any(|name| self.has(name))
    }

    /// Declares the fields of `T` as parameters of the kind without taking
    /// any (they are listed when a name is unknown).
    pub(crate) fn declare<T: DeserializeOwned>(&mut self) {
        self.taken.extend(field_names::<T>());
    }

    /// Takes parameter `name` out, read as a `T`; `None` when it is absent
    /// or null.
    pub fn take<T: DeserializeOwned>(&mut self, name: &'static str) -> Result<Option<T>> {
        self.taken.push(name);
        match self.entries.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => T::deserialize(value)
                .map(Some)
                .map_err(|e| AekitError::param(name, e.to_string())),
        }
    }

    /// `base` with every field the mapping names set to its value (the
    /// fields in `nested`, configs of their own, left to their own
    /// reading); `renamed` pairs a parameter's name with the field it sets
    /// where the two differ.
    pub fn overlay<T: Serialize + DeserializeOwned>(
        &mut self,
        base: T,
        nested: &[&str],
        renamed: &[(&'static str, &'static str)],
    ) -> Result<T> {
        let Value::Object(mut fields) =
            serde_json::to_value(&base).map_err(|e| AekitError::param("params", e.to_string()))?
        else {
            return Ok(base);
        };
        let mut changed = false;
        for &field in field_names::<T>() {
            if nested.contains(&field) {
                continue;
            }
            let name = renamed
                .iter()
                .find(|(_, f)| *f == field)
                .map_or(field, |(n, _)| *n);
            self.taken.push(name);
            let Some(value) = self.entries.remove(name) else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            // One at a time, so that an error names its parameter.
            let mut one = fields.clone();
            one.insert(field.to_string(), value.clone());
            T::deserialize(Value::Object(one))
                .map_err(|e| AekitError::param(name, e.to_string()))?;
            fields.insert(field.to_string(), value);
            changed = true;
        }
        if !changed {
            return Ok(base);
        }
        T::deserialize(Value::Object(fields))
            .map_err(|e| AekitError::param("params", e.to_string()))
    }

    /// Ends the reading: a parameter no config took is an error listing
    /// the ones taken.
    pub fn finish(self) -> Result<()> {
        match self.entries.keys().next() {
            None => Ok(()),
            Some(name) => {
                let mut known = self.taken;
                known.sort_unstable();
                known.dedup();
                Err(AekitError::UnknownParam {
                    name: name.clone(),
                    known: known.join(", "),
                })
            }
        }
    }
}

/// The field names of a struct with a derived `Deserialize`: what serde
/// hands `deserialize_struct`, caught by a deserializer that reads nothing.
pub(crate) fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(
            self,
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("only the field names were read"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}
