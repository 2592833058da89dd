//! Typed reading of a case's `input` object: every problem is an `invalid_input` naming the key.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::dates::parse_date;
use crate::error::{Error, Result};

/// A view over a JSON object whose accessors refuse wrong types with the field's name.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    map: &'a Map<String, Value>,
    prefix: Option<&'a str>,
}

impl<'a> Input<'a> {
    /// Wraps an object.
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Input { map, prefix: None }
    }

    /// Wraps a nested object, naming fields `prefix.key` in errors.
    pub fn nested(map: &'a Map<String, Value>, prefix: &'a str) -> Self {
        Input {
            map,
            prefix: Some(prefix),
        }
    }

    /// The full name of a key for error messages.
    pub fn field(&self, key: &str) -> String {
        match self.prefix {
            Some(p) => format!("{p}.{key}"),
            None => key.to_string(),
        }
    }

    /// The raw value of a key, if present and not null.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// Whether a key is present (and not null).
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// A required number.
    pub fn number(&self, key: &str) -> Result<f64> {
        self.opt_number(key)?
            .ok_or_else(|| Error::invalid(self.field(key), "is required"))
    }

    /// An optional number.
    pub fn opt_number(&self, key: &str) -> Result<Option<f64>> {
        self.get(key)
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| Error::invalid(self.field(key), "must be a number"))
            })
            .transpose()
    }

    /// A required whole number ≥ 0 (a JSON number with no fraction).
    pub fn whole(&self, key: &str) -> Result<i64> {
        let n = self.number(key)?;
        if n.fract() != 0.0 || n.abs() > 1e15 {
            return Err(Error::invalid(self.field(key), "must be a whole number"));
        }
        Ok(n as i64)
    }

    /// A required string.
    pub fn text(&self, key: &str) -> Result<&'a str> {
        self.opt_text(key)?
            .ok_or_else(|| Error::invalid(self.field(key), "is required"))
    }

    /// An optional string.
    pub fn opt_text(&self, key: &str) -> Result<Option<&'a str>> {
        self.get(key)
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| Error::invalid(self.field(key), "must be a string"))
            })
            .transpose()
    }

    /// An optional boolean with a default.
    pub fn flag(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .as_bool()
                .ok_or_else(|| Error::invalid(self.field(key), "must be true or false")),
        }
    }

    /// A required date.
    pub fn date(&self, key: &str) -> Result<NaiveDate> {
        parse_date(&self.field(key), self.text(key)?)
    }

    /// An optional date.
    pub fn opt_date(&self, key: &str) -> Result<Option<NaiveDate>> {
        self.opt_text(key)?
            .map(|t| parse_date(&self.field(key), t))
            .transpose()
    }

    /// A required array.
    pub fn array(&self, key: &str) -> Result<&'a Vec<Value>> {
        self.opt_array(key)?
            .ok_or_else(|| Error::invalid(self.field(key), "is required"))
    }

    /// An optional array.
    pub fn opt_array(&self, key: &str) -> Result<Option<&'a Vec<Value>>> {
        self.get(key)
            .map(|v| {
                v.as_array()
                    .ok_or_else(|| Error::invalid(self.field(key), "must be a list"))
            })
            .transpose()
    }

    /// A required nested object.
    pub fn object(&self, key: &str) -> Result<&'a Map<String, Value>> {
        self.get(key)
            .ok_or_else(|| Error::invalid(self.field(key), "is required"))?
            .as_object()
            .ok_or_else(|| Error::invalid(self.field(key), "must be an object"))
    }
}

/// Reads element `index` of a list named `list` as an object, naming it `list[index]`.
pub fn element<'a>(list: &str, index: usize, value: &'a Value) -> Result<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| Error::invalid(format!("{list}[{index}]"), "must be an object"))
}
