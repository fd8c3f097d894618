//! A subject's history as every page shows it (passports, lot and container pages): one row per
//! entry, with its receipt, and an entry declared an error struck through beside the reason and
//! a link to the correction (docs/lifecycle.md §8.4). Rendered by `templates/history.html`.

use super::forms::kind_label;
use super::pages::readable_time;
use super::passport::details;
use crate::domain::data::EventData;
use crate::domain::entry::ParsedEntry;
use crate::domain::records::{ActorRecord, CityRecord};
use std::collections::HashMap;
use uuid::Uuid;

pub struct EventRow {
    pub kind: String,
    pub when: String,
    pub place: String,
    pub who: String,
    pub details: Vec<String>,
    pub seq: i64,
    /// When a later entry declared this one an error: that entry's seq and its reason.
    pub struck: Option<(i64, String)>,
}

/// `org (name)` of an actor id, or the id when the registry does not know it.
pub fn actor_name(actors: &HashMap<Uuid, ActorRecord>, id: &str) -> String {
    Uuid::parse_str(id)
        .ok()
        .and_then(|id| actors.get(&id))
        .map(|a| format!("{} ({})", a.org, a.name))
        .unwrap_or_else(|| id.to_string())
}

/// `Berlin (DEBER)`, or the LOCODE alone when the city is not registered.
pub fn city_name(cities: &HashMap<String, CityRecord>, locode: &str) -> String {
    cities
        .get(locode)
        .map(|c| format!("{} ({})", c.name, c.locode))
        .unwrap_or_else(|| locode.to_string())
}

/// The rows of `entries` (one subject's, in log order).
pub fn rows(
    entries: &[ParsedEntry],
    actors: &HashMap<Uuid, ActorRecord>,
    cities: &HashMap<String, CityRecord>,
) -> Vec<EventRow> {
    // A correction names the seq it takes back; it changes the same subjects, so it is in
    // this subject's own entries.
    let corrections: HashMap<i64, (i64, String)> = entries
        .iter()
        .filter_map(|entry| match &entry.signed.event.data {
            EventData::ErrorDeclared(d) => Some((
                i64::try_from(d.seq).unwrap_or(i64::MAX),
                (entry.seq, d.reason.clone()),
            )),
            _ => None,
        })
        .collect();
    let name = |id: &str| actor_name(actors, id);
    entries
        .iter()
        .map(|entry| {
            let event = &entry.signed.event;
            EventRow {
                kind: kind_label(event.kind).into(),
                when: readable_time(event.occurred_at),
                place: event
                    .city
                    .as_ref()
                    .map_or_else(String::new, |city| city_name(cities, city.as_str())),
                who: name(&event.actor.to_string()),
                details: details(&event.data, &name),
                seq: entry.seq,
                struck: corrections.get(&entry.seq).cloned(),
            }
        })
        .collect()
}
