//! RFC 8785 JSON Canonicalization Scheme (JCS) restricted to the product's JSON profile.
//!
//! Signed events and log entries are signed/hashed over their JCS bytes (docs/ledger-format.md §1,
//! §4.2), so outsiders must be able to reproduce these bytes with any RFC 8785
//! implementation. The product forbids floating point and `null` (§4.1: "absent optional
//! members are omitted, never null", "No floating-point numbers anywhere"), so those are
//! rejected here instead of being serialised; this also means we never need the ECMAScript
//! double-to-string algorithm of RFC 8785 §3.2.2.3.

use serde_json::Value;
use std::fmt::Write as _;

/// Largest integer magnitude allowed: 2^53 - 1, the I-JSON safe range (RFC 7493 §2.2),
/// so every number survives a round trip through an IEEE 754 double in other languages.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why a JSON value cannot be canonicalised; `path` is an RFC 6901 JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JcsError {
    /// A number with a fraction or exponent part (the product forbids floating point, §4.1).
    #[error("The number at JSON pointer \"{path}\" is not an integer; floating-point numbers are not allowed.")]
    NotAnInteger {
        /// JSON pointer of the offending number.
        path: String,
    },
    /// An integer outside -(2^53-1) ..= 2^53-1 (I-JSON safe range, RFC 8785 §3.2.2.3).
    #[error(
        "The integer at JSON pointer \"{path}\" is outside the safe range -(2^53-1) to 2^53-1."
    )]
    IntegerOutOfRange {
        /// JSON pointer of the offending number.
        path: String,
    },
    /// A `null`; the product omits absent members instead (§4.1).
    #[error(
        "The value at JSON pointer \"{path}\" is null; absent members must be omitted, never null."
    )]
    Null {
        /// JSON pointer of the offending null.
        path: String,
    },
}

/// Returns the RFC 8785 canonical UTF-8 bytes of `value`.
///
/// Integers too large even for `u64` are parsed by serde_json as floats and are therefore
/// reported as [`JcsError::NotAnInteger`].
///
/// Errors name the first offending value in canonical (sorted) order, so the same input
/// always reports the same path.
pub fn canonicalize(value: &Value) -> Result<Vec<u8>, JcsError> {
    let mut out = String::new();
    let mut path = String::new();
    write_value(value, &mut path, &mut out)?;
    Ok(out.into_bytes())
}

/// Serialises one value; `path` is the JSON pointer of `value` and is restored on return.
fn write_value(value: &Value, path: &mut String, out: &mut String) -> Result<(), JcsError> {
    match value {
        Value::Null => Err(JcsError::Null { path: path.clone() }),
        Value::Bool(b) => {
            out.push_str(if *b { "true" } else { "false" });
            Ok(())
        }
        Value::Number(n) => write_integer(n, path, out),
        Value::String(s) => {
            write_string(s, out);
            Ok(())
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let len = path.len();
                // Writing to a String cannot fail.
                let _ = write!(path, "/{i}");
                write_value(item, path, out)?;
                path.truncate(len);
            }
            out.push(']');
            Ok(())
        }
        Value::Object(map) => {
            // RFC 8785 §3.2.3: sort member names by their UTF-16 code units, not by
            // UTF-8 bytes or code points (they differ above U+FFFF, e.g. emoji vs U+FB33).
            let mut members: Vec<(Vec<u16>, &String, &Value)> = map
                .iter()
                .map(|(k, v)| (k.encode_utf16().collect(), k, v))
                .collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (i, (_, key, member)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                let len = path.len();
                push_pointer_token(key, path);
                write_value(member, path, out)?;
                path.truncate(len);
            }
            out.push('}');
            Ok(())
        }
    }
}

/// Writes an integer in the safe range; for such integers the ECMAScript number
/// serialisation (RFC 8785 §3.2.2.3) is plain decimal digits with an optional minus.
fn write_integer(n: &serde_json::Number, path: &str, out: &mut String) -> Result<(), JcsError> {
    if let Some(i) = n.as_i64() {
        if i.unsigned_abs() <= MAX_SAFE_INTEGER {
            // Writing to a String cannot fail.
            let _ = write!(out, "{i}");
            return Ok(());
        }
        return Err(JcsError::IntegerOutOfRange {
            path: path.to_owned(),
        });
    }
    // Not an i64: either a u64 above i64::MAX, a huge integer kept as text (serde_json's
    // `arbitrary_precision` feature), or a number with a fraction or exponent.
    let text = n.to_string();
    let digits = text.strip_prefix('-').unwrap_or(&text);
    if n.as_u64().is_some() || (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())) {
        Err(JcsError::IntegerOutOfRange {
            path: path.to_owned(),
        })
    } else {
        Err(JcsError::NotAnInteger {
            path: path.to_owned(),
        })
    }
}

/// Writes a JSON string exactly as ECMAScript `JSON.stringify` does (RFC 8785 §3.2.2.2).
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `/token` with RFC 6901 §3 escaping (`~` as `~0`, `/` as `~1`).
fn push_pointer_token(token: &str, path: &mut String) {
    path.push('/');
    for c in token.chars() {
        match c {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            c => path.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(v: &Value) -> String {
        String::from_utf8(canonicalize(v).unwrap()).unwrap()
    }

    /// RFC 8785 §3.2.3 sorting example (values replaced by the RFC's descriptive strings).
    #[test]
    fn rfc8785_sorting_example() {
        let input = r#"{
            "\u20ac": "Euro Sign",
            "\r": "Carriage Return",
            "\ufb33": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\ud83d\ude00": "Emoji: Grinning Face",
            "\u0080": "Control",
            "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        let v: Value = serde_json::from_str(input).unwrap();
        let expected = concat!(
            "{\"\\r\":\"Carriage Return\",",
            "\"1\":\"One\",",
            "\"\u{80}\":\"Control\",",
            "\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",",
            "\"\u{20ac}\":\"Euro Sign\",",
            "\"\u{1f600}\":\"Emoji: Grinning Face\",",
            "\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        );
        assert_eq!(canon(&v), expected);
    }

    /// RFC 8785 §3.2.2.2 / §3.2.4 string example.
    #[test]
    fn rfc8785_string_example() {
        let v: Value =
            serde_json::from_str(r#""\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/""#).unwrap();
        assert_eq!(canon(&v), "\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"");
    }

    /// RFC 8785 §3.2.4 complete example: rejected because of its null and its floats.
    #[test]
    fn rfc8785_complete_example_is_outside_the_profile() {
        let input = r#"{
            "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
            "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
            "literals": [null, true, false]
        }"#;
        let mut v: Value = serde_json::from_str(input).unwrap();
        // "literals" sorts first, so its null is reported first.
        assert_eq!(
            canonicalize(&v),
            Err(JcsError::Null {
                path: "/literals/0".into()
            })
        );
        v["literals"] = json!([true, false]);
        assert_eq!(
            canonicalize(&v),
            Err(JcsError::NotAnInteger {
                path: "/numbers/0".into()
            })
        );
        v.as_object_mut().unwrap().remove("numbers");
        assert_eq!(
            canon(&v),
            "{\"literals\":[true,false],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"
        );
    }

    #[test]
    fn escapes_every_control_character() {
        let s: String = (0u32..0x20).filter_map(char::from_u32).collect();
        let expected = concat!(
            "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007",
            "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f",
            "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017",
            "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\""
        );
        assert_eq!(canon(&Value::String(s)), expected);
        // DEL, '/', non-ASCII and astral characters stay literal.
        assert_eq!(
            canon(&json!("\u{7f}/é\u{1f600}<>&'")),
            "\"\u{7f}/é\u{1f600}<>&'\""
        );
    }

    #[test]
    fn nested_objects_and_arrays() {
        let v = json!({"b": [1, {"z": true, "a": [[], {}]}, "x"], "a": {"d": -5, "c": 0}});
        assert_eq!(
            canon(&v),
            r#"{"a":{"c":0,"d":-5},"b":[1,{"a":[[],{}],"z":true},"x"]}"#
        );
    }

    #[test]
    fn integer_bounds() {
        let max = MAX_SAFE_INTEGER as i64;
        assert_eq!(
            canon(&json!([max, -max, 0])),
            "[9007199254740991,-9007199254740991,0]"
        );
        for bad in [
            json!(max + 1),
            json!(-max - 1),
            json!(u64::MAX),
            json!(i64::MIN),
        ] {
            assert_eq!(
                canonicalize(&json!({ "m": bad })),
                Err(JcsError::IntegerOutOfRange { path: "/m".into() })
            );
        }
    }

    #[test]
    fn rejections_name_the_path() {
        let v = json!({"data": {"a/b": [1, {"~x": 1.5}]}});
        assert_eq!(
            canonicalize(&v),
            Err(JcsError::NotAnInteger {
                path: "/data/a~1b/1/~0x".into()
            })
        );
        assert_eq!(
            canonicalize(&Value::Null),
            Err(JcsError::Null { path: "".into() })
        );
        assert_eq!(
            canonicalize(&json!({"a": [true, null]})),
            Err(JcsError::Null {
                path: "/a/1".into()
            })
        );
        let e = canonicalize(&json!({"x": 2.0})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "The number at JSON pointer \"/x\" is not an integer; floating-point numbers are not allowed."
        );
    }

    #[test]
    fn reparsing_canonical_output_is_a_fixpoint() {
        let v = json!({
            "id": "5f0c8a2e-0000-4000-8000-000000000000",
            "data": {"mass_g": 1234, "parts": ["battery", "screen"], "\u{1f600}": "\u{1}\"\\"},
            "kind": "registered", "ok": false, "\u{e9}": {"": []}
        });
        let first = canonicalize(&v).unwrap();
        let reparsed: Value = serde_json::from_slice(&first).unwrap();
        assert_eq!(reparsed, v);
        assert_eq!(canonicalize(&reparsed).unwrap(), first);
    }
}
