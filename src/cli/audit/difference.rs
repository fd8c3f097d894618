//! How `audit verify` names a difference between what the entries give and what the server
//! serves: the members, by their paths, where two JSON values differ (served.rs reports all of
//! them for an actor, city or product, served_stats.rs the first for statistics).

use serde_json::Value;
use std::collections::BTreeSet;

/// The first member where `ours` and `theirs` differ, as `path: recomputed X, server Y`.
pub(super) fn first_difference(ours: &Value, theirs: &Value, at: &str) -> Option<String> {
    let mut found = Vec::new();
    differences(ours, theirs, at, &mut found);
    found.into_iter().next()
}

/// Every member where `ours` and `theirs` differ, in order of their paths.
pub(super) fn differences(ours: &Value, theirs: &Value, at: &str, found: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for name in names {
                let path = if at.is_empty() {
                    name.clone()
                } else {
                    format!("{at}.{name}")
                };
                differences(
                    a.get(name).unwrap_or(&Value::Null),
                    b.get(name).unwrap_or(&Value::Null),
                    &path,
                    found,
                );
            }
        }
        (a, b) if a == b => {}
        (a, b) => found.push(format!("{at}: recomputed {a}, server {b}")),
    }
}

#[cfg(test)]
mod tests {
    use super::first_difference;
    use serde_json::json;

    #[test]
    fn names_the_first_differing_member() {
        let ours = json!({"total": {"a": 1, "b": {"x": 2.5}}, "year": 2025});
        assert_eq!(first_difference(&ours, &ours.clone(), ""), None);
        let theirs = json!({"total": {"a": 1, "b": {"x": 2.6}}, "year": 2025});
        assert_eq!(
            first_difference(&ours, &theirs, "").as_deref(),
            Some("total.b.x: recomputed 2.5, server 2.6")
        );
        let missing = json!({"total": {"a": 1}, "year": 2025});
        assert_eq!(
            first_difference(&ours, &missing, "").as_deref(),
            Some("total.b: recomputed {\"x\":2.5}, server null")
        );
    }
}
