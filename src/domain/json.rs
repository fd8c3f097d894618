//! JSON parsing that refuses duplicate member names (I-JSON, RFC 7493 §2.3; RFC 8785 §3.1
//! canonicalises I-JSON only). `serde_json` keeps the last of two equal names silently, so
//! `{"mass_g": 1, "mass_g": 9000}` would be read as 9000 by us and as 1 by a parser that keeps
//! the first: two readers of one signed event must never disagree about what it says. Every JSON
//! the ledger parses from outside (events, batches, capture documents, export lines, CLI
//! inputs) goes through [`parse`]; the configuration is TOML, whose parser refuses duplicate
//! keys already.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::RefCell;
use std::fmt;

/// Why a text is not accepted JSON.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// `field` is the member's path, dotted with `[i]` for array items (`data.fractions[0].material`).
    #[error("The member `{field}` appears more than once in its object; duplicate member names are refused (I-JSON, RFC 7493 §2.3).")]
    Duplicate { field: String },
    #[error("{0}")]
    Syntax(String),
}

/// Parses one JSON value, refusing duplicate member names anywhere in it.
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    let found = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = Strict { found: &found }
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    value.map_err(|error| match found.into_inner() {
        Some(path) => JsonError::Duplicate {
            field: dotted(path),
        },
        None => JsonError::Syntax(error.to_string()),
    })
}

/// A step of the path to a duplicate, collected innermost first while the error unwinds.
enum Step {
    Member(String),
    Item(usize),
}

fn dotted(mut path: Vec<Step>) -> String {
    path.reverse();
    let mut out = String::new();
    for step in path {
        match step {
            Step::Member(name) if out.is_empty() => out.push_str(&name),
            Step::Member(name) => {
                out.push('.');
                out.push_str(&name);
            }
            Step::Item(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

/// Builds a [`Value`] as `serde_json` does, checking each object's names as they come; on a
/// duplicate it records where, and each enclosing level adds its step as the error unwinds
/// (no path is built for JSON that has no duplicate).
struct Strict<'a> {
    found: &'a RefCell<Option<Vec<Step>>>,
}

impl Strict<'_> {
    fn step(&self, step: Step) {
        if let Some(path) = self.found.borrow_mut().as_mut() {
            path.push(step);
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            match seq.next_element_seed(Strict { found: self.found }) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => return Ok(Value::Array(items)),
                Err(error) => {
                    self.step(Step::Item(items.len()));
                    return Err(error);
                }
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.contains_key(&name) {
                let message = format!("duplicate member `{name}`");
                *self.found.borrow_mut() = Some(vec![Step::Member(name)]);
                return Err(de::Error::custom(message));
            }
            match map.next_value_seed(Strict { found: self.found }) {
                Ok(value) => {
                    members.insert(name, value);
                }
                Err(error) => {
                    self.step(Step::Member(name));
                    return Err(error);
                }
            }
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn duplicates_are_refused_with_their_path() {
        for (text, field) in [
            (r#"{"a":1,"a":2}"#, "a"),
            (
                r#"{"event":{"data":{"mass_g":1,"mass_g":9000}}}"#,
                "event.data.mass_g",
            ),
            (r#"[{"x":[0,{"m":1,"m":1}]}]"#, "[0].x[1].m"),
            (r#"{"a":{},"b":{"c":null,"c":null}}"#, "b.c"),
        ] {
            assert_eq!(
                parse(text.as_bytes()),
                Err(JsonError::Duplicate {
                    field: field.into()
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn everything_else_is_what_serde_json_reads() {
        for text in [
            r#"{"a":1,"b":[1,-2,3.5,1e300,"x",true,null,{}],"c":{"a":1}}"#,
            r#"[18446744073709551615,-9223372036854775808]"#,
            r#""\u00e9""#,
        ] {
            let ours = parse(text.as_bytes()).expect("valid");
            let theirs: Value = serde_json::from_str(text).expect("valid");
            assert_eq!(ours, theirs, "{text}");
        }
        assert!(matches!(parse(b"{\"a\":1} x"), Err(JsonError::Syntax(_))));
        assert!(matches!(parse(b"{\"a\":"), Err(JsonError::Syntax(_))));
        assert_eq!(parse(b"{\"a\":{\"a\":1}}"), Ok(json!({"a": {"a": 1}})));
    }
}
