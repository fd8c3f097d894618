//! The last check of `audit verify` (PRODUCT.md §4.4): the server's statistics equal those
//! recomputed from the entries. The audit replays every entry through the same rules and facts
//! as the writer; here each city's KPIs for every year with facts are computed from those
//! facts and compared, member by member, with the server's answer.

use super::audit::fetch_json;
use super::CliError;
use crate::domain::stats::facts::Facts;
use crate::domain::stats::kpis::city_statistics;
use crate::ledger::audit::AuditReport;
use crate::ledger::stats::info;
use serde_json::Value;
use std::collections::BTreeSet;

/// Compares; `Ok` says what was compared (or why nothing could be), a difference is a
/// verification failure that names the city, the year and the first member that differs.
pub fn compare(server: &str, report: &AuditReport) -> anyhow::Result<String> {
    let size = |server: &str| -> anyhow::Result<u64> {
        Ok(fetch_json(server, "/healthz")?["log_size"]
            .as_u64()
            .unwrap_or(0))
    };
    let grew = |now: u64| {
        format!(
            "statistics not compared: the server's log has {now} entries, the audited one {}; run the audit again when it is quiet",
            report.size
        )
    };
    let before = size(server)?;
    if before != report.size {
        return Ok(grew(before));
    }
    let mut compared = 0;
    for city in &report.cities {
        let facts: Facts = report
            .statistics
            .iter()
            .filter(|(key, _)| key.locode == city.locode)
            .map(|(key, amount)| (key.clone(), *amount))
            .collect();
        let years: BTreeSet<i32> = facts.keys().map(|key| key.year).collect();
        for year in years {
            let ours = city_statistics(&info(city), year, &facts);
            let theirs = fetch_json(server, &format!("/v1/stats/{}?year={year}", city.locode))?;
            if let Some(difference) = first_difference(&ours, &theirs, "") {
                return Err(CliError::Verification(format!(
                    "verification failed: the server's statistics for {} in {year} differ from those recomputed from the entries: {difference}",
                    city.locode
                ))
                .into());
            }
            compared += 1;
        }
    }
    let after = size(server)?;
    if after != report.size {
        return Ok(grew(after));
    }
    Ok(format!(
        "statistics: {compared} city-years on the server equal those recomputed from the entries"
    ))
}

/// The first member where `ours` and `theirs` differ, as `path: recomputed X, server Y`.
fn first_difference(ours: &Value, theirs: &Value, at: &str) -> Option<String> {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            names.into_iter().find_map(|name| {
                let path = if at.is_empty() {
                    name.clone()
                } else {
                    format!("{at}.{name}")
                };
                first_difference(
                    a.get(name).unwrap_or(&Value::Null),
                    b.get(name).unwrap_or(&Value::Null),
                    &path,
                )
            })
        }
        (a, b) if a == b => None,
        (a, b) => Some(format!("{at}: recomputed {a}, server {b}")),
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
