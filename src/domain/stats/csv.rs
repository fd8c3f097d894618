//! The statistics answer as CSV: one row per figure, `scope,group,kpi,value`, with nested maps
//! flattened as `kpi.key` (`fractions_kg.copper`). Spreadsheet-friendly and lossless.

use serde_json::Value;
use std::fmt::Write;

/// CSV of a `city_statistics` answer.
pub fn statistics_csv(stats: &Value) -> String {
    let mut out = String::from("city,year,scope,group,kpi,value\n");
    let city = stats["city"].as_str().unwrap_or_default();
    let year = &stats["year"];
    let mut row = |scope: &str, group: &str, kpi: &str, value: &Value| {
        let value = match value {
            Value::Null => String::new(),
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let _ = writeln!(
            out,
            "{city},{year},{scope},{},{},{}",
            field(group),
            field(kpi),
            field(&value)
        );
    };
    let mut groups: Vec<(&str, String, &Value)> = vec![("total", String::new(), &stats["total"])];
    for scope in ["by_eu6", "by_unu_key"] {
        if let Some(map) = stats[scope].as_object() {
            groups.extend(map.iter().map(|(group, kpis)| (scope, group.clone(), kpis)));
        }
    }
    for (scope, group, kpis) in groups {
        let Some(kpis) = kpis.as_object() else {
            continue;
        };
        for (kpi, value) in kpis {
            match value {
                Value::Object(nested) if kpi != "targets" => {
                    for (key, inner) in nested {
                        row(scope, &group, &format!("{kpi}.{key}"), inner);
                    }
                }
                Value::Object(_) => {}
                other => row(scope, &group, kpi, other),
            }
        }
    }
    out
}

/// RFC 4180 quoting where needed.
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}
