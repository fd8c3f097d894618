//! The statistics part of `audit verify`'s comparison with the server (served.rs,
//! docs/audit.md): the server reports exactly the cities and years the entries produce
//! (`/v1/stats/years`: a year or city no entry produces is a failure, not a skip, since pages
//! such as `/cities.csv` default to the latest year reported), and each of them equals what the
//! replayed facts give, city by city (`/v1/stats/{locode}?year=`) and side by side
//! (`/v1/stats?year=`), member by member.

use super::difference::first_difference;
use crate::cli::http_client::fetch_json;
use crate::cli::CliError;
use crate::domain::stats::facts::Facts;
use crate::domain::stats::kpis::city_statistics;
use crate::ledger::audit::AuditReport;
use crate::ledger::stats::{all_city_statistics, city_years_view, info};
use std::collections::BTreeSet;

fn failed(message: String) -> anyhow::Error {
    CliError::Verification(format!("verification failed: {message}")).into()
}

/// Compares; `Ok` says how many city-years were compared, a difference is a verification
/// failure that names the city, the year and the first member that differs.
pub fn compare(server: &str, report: &AuditReport) -> anyhow::Result<String> {
    let ours: BTreeSet<(String, i32)> = report
        .statistics
        .keys()
        .map(|key| (key.locode.clone(), key.year))
        .collect();
    let served = fetch_json(server, "/v1/stats/years")?;
    let mut theirs = BTreeSet::new();
    for city in served["cities"].as_array().into_iter().flatten() {
        let locode = city["locode"].as_str().unwrap_or_default();
        for year in city["years"].as_array().into_iter().flatten() {
            let year = year.as_i64().and_then(|y| i32::try_from(y).ok());
            theirs.insert((locode.to_string(), year.unwrap_or(i32::MIN)));
        }
    }
    if let Some((locode, year)) = theirs.difference(&ours).next() {
        return Err(failed(format!(
            "the server reports statistics for {locode} in {year}, which no entry produces"
        )));
    }
    if let Some((locode, year)) = ours.difference(&theirs).next() {
        return Err(failed(format!(
            "the server reports no statistics for {locode} in {year}, which the entries produce"
        )));
    }
    // The same sets: now the listing itself, member by member (its shape included).
    if let Some(difference) = first_difference(&city_years_view(ours.clone()), &served, "") {
        return Err(failed(format!(
            "the server's list of statistics years differs from the entries': {difference}"
        )));
    }
    let mut compared = 0;
    for city in &report.cities {
        let facts: Facts = report
            .statistics
            .iter()
            .filter(|(key, _)| key.locode == city.locode)
            .map(|(key, amount)| (key.clone(), *amount))
            .collect();
        let years = ours.iter().filter(|(locode, _)| *locode == city.locode);
        for (_, year) in years {
            let recomputed = city_statistics(&info(city), *year, &facts);
            let theirs = fetch_json(server, &format!("/v1/stats/{}?year={year}", city.locode))?;
            if let Some(difference) = first_difference(&recomputed, &theirs, "") {
                return Err(failed(format!(
                    "the server's statistics for {} in {year} differ from those recomputed from the entries: {difference}",
                    city.locode
                )));
            }
            compared += 1;
        }
    }
    let years: BTreeSet<i32> = ours.iter().map(|(_, year)| *year).collect();
    for year in years {
        let recomputed = all_city_statistics(&report.cities, year, &report.statistics);
        let theirs = fetch_json(server, &format!("/v1/stats?year={year}"))?;
        if let Some(difference) = first_difference(&recomputed, &theirs, "") {
            return Err(failed(format!(
                "the server's statistics of every city in {year} differ from those recomputed from the entries: {difference}"
            )));
        }
    }
    Ok(format!(
        "statistics: {compared} city-years on the server equal those recomputed from the entries"
    ))
}
