//! The statistics answer as CSV: one row per figure, `scope,group,kpi,value`, with nested maps
//! flattened as `kpi.key` (`fractions_kg.copper`). Spreadsheet-friendly and lossless; written
//! by the ledger's one CSV writer (`domain::csv`), so hostile fraction names stay text.

use crate::domain::csv::{self, Cell};
use serde_json::Value;

/// CSV of a `city_statistics` answer.
pub fn statistics_csv(stats: &Value) -> String {
    let header = ["city", "year", "scope", "group", "kpi", "value"].map(Cell::text);
    let mut rows: Vec<Vec<Cell>> = vec![header.to_vec()];
    let city = Cell::json(&stats["city"]);
    let year = Cell::json(&stats["year"]);
    let mut row = |scope: &str, group: &str, kpi: String, value: &Value| {
        rows.push(vec![
            city.clone(),
            year.clone(),
            Cell::text(scope),
            Cell::text(group),
            Cell::text(kpi),
            Cell::json(value),
        ]);
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
                        row(scope, &group, format!("{kpi}.{key}"), inner);
                    }
                }
                Value::Object(_) => {}
                other => row(scope, &group, kpi.clone(), other),
            }
        }
    }
    csv::write(rows.iter().map(Vec::as_slice))
}
