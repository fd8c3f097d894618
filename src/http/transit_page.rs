//! `GET /transit`: the hand-overs still waiting for their receiver (docs/lifecycle.md §8.3),
//! oldest first, with their age, sender, receiver and transport document, so that a yard sees
//! what it should have received and a regulator what is stuck between two parties.
//! `?to=ACTOR` keeps the hand-overs to one actor, `?older_than=48h` those older than that.
//! A city's dashboard shows the same list in short ([`summary`]).

use super::history::actor_name;
use super::pages::{html, readable_time};
use super::problem::Problem;
use super::subject_pages::{page_path, subject_name};
use super::subjects::{cutoff, TransitQuery};
use super::AppState;
use crate::domain::kinds::Role;
use crate::domain::records::{ActorRecord, SubjectRecord};
use crate::domain::wording::count;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Template)]
#[template(path = "transit.html")]
struct TransitPage {
    rows: Vec<TransitRow>,
    summary: String,
    /// The receivers a person can filter by: (id, name, chosen).
    receivers: Vec<(String, String, bool)>,
    older_than: String,
}

pub(super) struct TransitRow {
    pub link: String,
    pub name: String,
    pub age: String,
    pub since: String,
    pub from: String,
    pub to: String,
    pub document: String,
    pub seq: i64,
}

/// `3 d 4 h`, `5 h 12 min`, `7 min`: how long a hand-over has waited.
pub(super) fn age(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - since).num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins} min"),
        (0, _) => format!("{hours} h {mins} min"),
        _ => format!("{days} d {hours} h"),
    }
}

pub(super) fn rows(
    public_url: &str,
    found: &[SubjectRecord],
    actors: &HashMap<Uuid, ActorRecord>,
) -> Vec<TransitRow> {
    let now = Utc::now();
    found
        .iter()
        .filter_map(|subject| {
            let transit = subject.transit()?;
            Some(TransitRow {
                link: page_path(public_url, subject),
                name: subject_name(subject),
                age: age(transit.since, now),
                since: readable_time(transit.since),
                from: subject
                    .custodian()
                    .map(|c| actor_name(actors, &c.to_string()))
                    .unwrap_or_default(),
                to: actor_name(actors, &transit.to.to_string()),
                document: transit.document.clone().unwrap_or_default(),
                seq: transit.seq,
            })
        })
        .collect()
}

/// `GET /transit`.
pub async fn page(
    state: web::Data<AppState>,
    query: web::Query<TransitQuery>,
) -> Result<HttpResponse, Problem> {
    let (to, older_than) = query.parsed()?;
    let found = state.ledger.in_transit(to, older_than).await?;
    let actors: HashMap<Uuid, ActorRecord> = state
        .ledger
        .actors()
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut receivers: Vec<(String, String, bool)> = actors
        .values()
        .filter(|a| {
            !a.revoked
                && [Role::Collector, Role::Recycler]
                    .iter()
                    .any(|r| a.has_role(*r))
        })
        .map(|a| {
            (
                a.id.to_string(),
                actor_name(&actors, &a.id.to_string()),
                Some(a.id) == to,
            )
        })
        .collect();
    receivers.sort_by(|a, b| a.1.cmp(&b.1));
    let rows = rows(&state.public_url, &found, &actors);
    let summary = match rows.first() {
        None => "No hand-over is waiting for its receiver.".to_string(),
        Some(oldest) => format!(
            "{} waiting for the receiver; the oldest for {}.",
            count(rows.len() as u64, "hand-over", "hand-overs"),
            oldest.age
        ),
    };
    html(
        StatusCode::OK,
        &TransitPage {
            rows,
            summary,
            receivers,
            older_than: query.older_than_text().to_string(),
        },
    )
}

/// A dashboard's short "in transit" box: how many hand-overs from or to the city's actors are
/// waiting, and the oldest.
pub struct TransitSummary {
    pub text: String,
    pub oldest: Option<TransitRow>,
}

pub async fn summary(state: &AppState, locode: &str) -> Result<TransitSummary, Problem> {
    let actors: HashMap<Uuid, ActorRecord> = state
        .ledger
        .actors()
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let of_city = |id: Option<Uuid>| {
        id.and_then(|id| actors.get(&id))
            .is_some_and(|a| a.city.as_deref() == Some(locode))
    };
    let found: Vec<SubjectRecord> = state
        .ledger
        .in_transit(None, None)
        .await?
        .into_iter()
        .filter(|s| of_city(s.custodian()) || of_city(s.transit().map(|t| t.to)))
        .collect();
    let rows = rows(&state.public_url, &found, &actors);
    let text = if rows.is_empty() {
        "No hand-over from or to this city's actors is waiting for its receiver.".to_string()
    } else {
        format!(
            "{} from or to this city's actors waiting for the receiver.",
            count(rows.len() as u64, "hand-over", "hand-overs")
        )
    };
    Ok(TransitSummary {
        text,
        oldest: rows.into_iter().next(),
    })
}

impl TransitQuery {
    /// The `to` actor and the `older_than` time, checked.
    pub fn parsed(&self) -> Result<(Option<Uuid>, Option<DateTime<Utc>>), Problem> {
        let older_than = match self.older_than.as_deref().filter(|t| !t.is_empty()) {
            Some(text) => Some(cutoff(text)?),
            None => None,
        };
        let to = match self.to.as_deref().filter(|t| !t.is_empty()) {
            Some(text) => Some(Uuid::parse_str(text).map_err(|_| {
                Problem::bad_request(
                    "invalid-query",
                    format!("`to` must be an actor id (a UUID), not `{text}`."),
                )
            })?),
            None => None,
        };
        Ok((to, older_than))
    }

    pub fn older_than_text(&self) -> &str {
        self.older_than.as_deref().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_the_largest_units() {
        let now = Utc::now();
        assert_eq!(age(now - chrono::Duration::minutes(7), now), "7 min");
        assert_eq!(age(now - chrono::Duration::minutes(312), now), "5 h 12 min");
        assert_eq!(age(now - chrono::Duration::hours(76), now), "3 d 4 h");
        assert_eq!(
            age(now + chrono::Duration::minutes(3), now),
            "0 min",
            "a clock ahead"
        );
    }
}
