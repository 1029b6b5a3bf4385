//! Path-preserving parsing of `serde_json::Value`s into model types (crate-internal).
//!
//! Every parse goes through [`serde_path_to_error`], so a failure names the offending field
//! (`current.messages[0].sender.type`). Inputs are first checked against [`MAX_DEPTH`] so that
//! no input, however deeply nested, can exhaust the stack.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::ModelError;

/// The deepest nesting accepted anywhere in a payload (the model itself needs about ten levels;
/// the rest is headroom for custom attributes).
pub const MAX_DEPTH: usize = 64;

/// Parses `value` as a `T`; error paths are prefixed with `prefix` (`""` for the document).
pub(crate) fn parse<T: DeserializeOwned>(value: Value, prefix: &str) -> Result<T, ModelError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let message = e.inner().to_string();
        let mut path = join(prefix, &e.path().to_string());
        // serde reports a missing field at its parent: name the field itself.
        if let Some(field) = missing_field(&message) {
            path = join(&path, field);
        }
        ModelError::new(path, message)
    })
}

/// Checks the nesting depth of `value`; on failure the value is taken apart without recursion.
pub(crate) fn check_depth(value: Value, prefix: &str) -> Result<Value, ModelError> {
    match too_deep(&value, 0) {
        None => Ok(value),
        Some(mut segments) => {
            segments.reverse();
            let mut path = prefix.to_string();
            for s in segments {
                path = join(&path, &s);
            }
            dismantle(value);
            Err(ModelError::new(
                path,
                format!("nested more than {MAX_DEPTH} levels deep"),
            ))
        }
    }
}

/// Takes `value` apart as an object, or fails naming `path`.
pub(crate) fn into_object(value: Value, path: &str) -> Result<Map<String, Value>, ModelError> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(ModelError::new(
            path,
            format!("invalid type: {}, expected an object", kind(&other)),
        )),
    }
}

/// Removes the required key `key` from `map` (its path is `prefix.key`).
pub(crate) fn take(
    map: &mut Map<String, Value>,
    key: &str,
    prefix: &str,
) -> Result<Value, ModelError> {
    map.shift_remove(key)
        .ok_or_else(|| ModelError::new(join(prefix, key), format!("missing field `{key}`")))
}

/// Joins a path prefix and a (possibly root `.`) sub-path.
pub(crate) fn join(prefix: &str, sub: &str) -> String {
    if sub.is_empty() || sub == "." {
        prefix.to_string()
    } else if prefix.is_empty() || prefix == "." {
        sub.to_string()
    } else if sub.starts_with('[') {
        format!("{prefix}{sub}")
    } else {
        format!("{prefix}.{sub}")
    }
}

/// A short description of a value's JSON type, for error messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

/// Returns the reversed path of the first node deeper than [`MAX_DEPTH`]; recursion is bounded
/// by [`MAX_DEPTH`] itself.
fn too_deep(v: &Value, depth: usize) -> Option<Vec<String>> {
    let children: Box<dyn Iterator<Item = (String, &Value)>> = match v {
        Value::Array(a) => Box::new(a.iter().enumerate().map(|(i, c)| (format!("[{i}]"), c))),
        Value::Object(m) => Box::new(m.iter().map(|(k, c)| (k.clone(), c))),
        _ => return None,
    };
    for (segment, child) in children {
        if !matches!(child, Value::Array(_) | Value::Object(_)) {
            continue;
        }
        if depth + 1 >= MAX_DEPTH {
            return Some(vec![segment]);
        }
        if let Some(mut path) = too_deep(child, depth + 1) {
            path.push(segment);
            return Some(path);
        }
    }
    None
}

/// Drops a value iteratively (serde_json's own drop recurses and could overflow the stack).
fn dismantle(value: Value) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a),
            Value::Object(m) => stack.extend(m.into_iter().map(|(_, c)| c)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_paths() {
        assert_eq!(join("", "."), "");
        assert_eq!(join("current", "."), "current");
        assert_eq!(join("current", "messages[0].id"), "current.messages[0].id");
        assert_eq!(join("changed_attributes", "[1]"), "changed_attributes[1]");
        assert_eq!(join("", "contact.id"), "contact.id");
    }

    #[test]
    fn depth_is_bounded_and_named() {
        let mut v = Value::Null;
        for _ in 0..100_000 {
            v = Value::Array(vec![v]);
        }
        // Built by hand: `json!` would serialize `v` recursively.
        let mut outer = Map::new();
        outer.insert("a".into(), v);
        let e = check_depth(Value::Object(outer), "x").unwrap_err();
        assert!(e.path.starts_with("x.a[0][0]"), "{}", e.path);
        assert!(check_depth(serde_json::json!({"a": [[{"b": 1}]]}), "").is_ok());
    }
}
