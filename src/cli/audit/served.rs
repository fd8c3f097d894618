//! The last check of `audit verify` (docs/audit.md): everything the server serves equals
//! what the entries give. The audit replays every entry with the writer's rules; here the
//! state it ends with is held against the server's answers, in this order: every actor
//! (`/v1/actors`), every city (`/v1/cities`), every product (`/v1/products`, paged), then the
//! statistics of every city and year (served_stats.rs). Something served that the entries do not
//! give, or something they give that is not served, is a failure naming it and the first member
//! that differs. Views are built with the server's own view functions, so that a difference is
//! one of state, never of formatting.

use super::difference::differences;
use crate::cli::http_client::fetch_json;
use crate::cli::CliError;
use crate::domain::kinds::SubjectKind;
use crate::domain::records::ProductRecord;
use crate::http::views;
use crate::ledger::audit::AuditReport;
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use uuid::Uuid;

/// Products read per request, from the server and from the replay.
const PAGE: usize = 1000;

/// Compares; `Ok` says what was compared (or why nothing could be: the server's log grew), a
/// difference is a verification failure.
pub fn compare(server: &str, report: &mut AuditReport) -> anyhow::Result<Vec<String>> {
    let size = |server: &str| -> anyhow::Result<u64> {
        Ok(fetch_json(server, "/healthz")?["log_size"]
            .as_u64()
            .unwrap_or(0))
    };
    let audited = report.size;
    let grew = |now: u64| {
        vec![format!(
            "served state and statistics not compared: the server's log has {now} entries, the audited one {audited}; run the audit again when it is quiet"
        )]
    };
    let before = size(server)?;
    if before != report.size {
        return Ok(grew(before));
    }
    let actors = actors(server, report)?;
    let cities = cities(server, report)?;
    let products = products(server, report)?;
    let subjects = lots_and_containers(server, report)?;
    let statistics = super::served_stats::compare(server, report)?;
    let after = size(server)?;
    if after != report.size {
        return Ok(grew(after));
    }
    Ok(vec![
        format!("served state: {actors} actors, {cities} cities, {products} products and {subjects} lots and containers on the server equal what the entries give"),
        statistics,
    ])
}

fn failed(message: String) -> anyhow::Error {
    CliError::Verification(format!("verification failed: {message}")).into()
}

/// Holds `served` (by key) against `ours` (by key): the first key only one side has, or the
/// first member that differs, fails. `what` names the thing (`actor`, `city`).
fn same_set(
    what: &str,
    ours: BTreeMap<String, Value>,
    served: BTreeMap<String, Value>,
) -> anyhow::Result<usize> {
    let keys: BTreeSet<&String> = ours.keys().chain(served.keys()).collect();
    for key in keys {
        match (ours.get(key), served.get(key)) {
            (Some(_), None) => {
                return Err(failed(format!(
                    "the server does not serve {what} {key}, which the entries register"
                )))
            }
            (None, Some(_)) => {
                return Err(failed(format!(
                    "the server serves {what} {key}, which no entry registers"
                )))
            }
            (Some(a), Some(b)) => differs(what, key, a, b)?,
            (None, None) => {}
        }
    }
    Ok(ours.len())
}

/// Fails naming every member of the served view that differs (a doctored row often changes
/// several at once: a state with a brand and a model).
fn differs(what: &str, key: &str, ours: &Value, served: &Value) -> anyhow::Result<()> {
    let mut found = Vec::new();
    differences(ours, served, "", &mut found);
    if found.is_empty() {
        return Ok(());
    }
    Err(failed(format!(
        "the server's {what} {key} differs from what its entries give: {}",
        found.join("; ")
    )))
}

/// A JSON array of objects, by the string member `key` (a member missing is a failure).
fn by(key: &str, what: &str, list: Value) -> anyhow::Result<BTreeMap<String, Value>> {
    let Value::Array(items) = list else {
        return Err(failed(format!(
            "the server's list of {what}s is not an array"
        )));
    };
    let mut map = BTreeMap::new();
    for item in items {
        let Some(id) = item[key].as_str().map(str::to_string) else {
            return Err(failed(format!("the server lists a {what} without `{key}`")));
        };
        if map.insert(id.clone(), item).is_some() {
            return Err(failed(format!("the server lists {what} {id} twice")));
        }
    }
    Ok(map)
}

fn actors(server: &str, report: &AuditReport) -> anyhow::Result<usize> {
    let ours = report
        .actors
        .iter()
        .map(|actor| (actor.id.to_string(), views::actor(actor)))
        .collect();
    same_set(
        "actor",
        ours,
        by("id", "actor", fetch_json(server, "/v1/actors")?)?,
    )
}

fn cities(server: &str, report: &AuditReport) -> anyhow::Result<usize> {
    let ours = report
        .cities
        .iter()
        .map(|city| (city.locode.clone(), views::city(city)))
        .collect();
    same_set(
        "city",
        ours,
        by("locode", "city", fetch_json(server, "/v1/cities")?)?,
    )
}

/// Every lot and container (`/v1/lots`, `/v1/containers`): few beside products, one list each.
fn lots_and_containers(server: &str, report: &AuditReport) -> anyhow::Result<usize> {
    let mut compared = 0;
    for (what, path, kind) in [
        ("lot", "/v1/lots", SubjectKind::Lot),
        ("container", "/v1/containers", SubjectKind::Container),
    ] {
        let served = by("id", what, fetch_json(server, path)?)?;
        let ours = report
            .subjects
            .iter()
            .filter(|subject| subject.kind() == kind)
            .map(|subject| {
                let mut view = views::subject("", subject);
                // The server's public URL is not ours to know: its URI must end with the path.
                let served_uri = served
                    .get(&subject.id().to_string())
                    .and_then(|theirs| theirs["uri"].as_str());
                if let (Some(path), Some(uri)) = (view["uri"].as_str(), served_uri) {
                    if uri.ends_with(path) {
                        view["uri"] = Value::String(uri.to_string());
                    }
                }
                (subject.id().to_string(), view)
            })
            .collect();
        compared += same_set(what, ours, served)?;
    }
    Ok(compared)
}

/// Every product, both sides read in id order a page at a time and merged, so that memory stays
/// constant however many products there are.
fn products(server: &str, report: &mut AuditReport) -> anyhow::Result<u64> {
    let mut ours = Replayed {
        report,
        buffer: VecDeque::new(),
        after: None,
        done: false,
    };
    let mut served = Served {
        server,
        buffer: VecDeque::new(),
        after: None,
        done: false,
    };
    let mut compared = 0;
    let not_served = |id: Uuid| {
        failed(format!(
            "the server does not serve product {id}, which the entries register"
        ))
    };
    let unregistered = |id: Uuid| {
        failed(format!(
            "the server serves product {id}, which no entry registers"
        ))
    };
    loop {
        let (record, (id, view)) = match (ours.peek()?, served.peek()?) {
            (None, None) => return Ok(compared),
            (Some(record), None) => return Err(not_served(record.id)),
            (None, Some((id, _))) => return Err(unregistered(id)),
            (Some(record), Some(theirs)) => (record, theirs),
        };
        match record.id.cmp(&id) {
            Ordering::Less => return Err(not_served(record.id)),
            Ordering::Greater => return Err(unregistered(id)),
            Ordering::Equal => {}
        }
        let mut expected = views::product("", &record);
        // The server's public URL is not ours to know: its label URI must end with the path
        // the entries give (the Digital Link, or /p/{id}).
        if let (Some(path), Some(uri)) = (expected["uri"].as_str(), view["uri"].as_str()) {
            if uri.ends_with(path) {
                expected["uri"] = Value::String(uri.to_string());
            }
        }
        differs("product", &id.to_string(), &expected, &view)?;
        ours.advance();
        served.advance();
        compared += 1;
    }
}

/// The replayed products, in id order.
struct Replayed<'a> {
    report: &'a mut AuditReport,
    buffer: VecDeque<ProductRecord>,
    after: Option<Uuid>,
    done: bool,
}

impl Replayed<'_> {
    fn peek(&mut self) -> anyhow::Result<Option<ProductRecord>> {
        if self.buffer.is_empty() && !self.done {
            let page = self
                .report
                .products
                .page(self.after.as_ref(), PAGE)
                .map_err(|e| CliError::Unavailable(format!("the audit's scratch store: {e}")))?;
            self.done = page.len() < PAGE;
            self.after = page.last().map(|p| p.id);
            self.buffer.extend(page);
        }
        Ok(self.buffer.front().cloned())
    }

    fn advance(&mut self) {
        self.buffer.pop_front();
    }
}

/// The server's products (`GET /v1/products`), in id order.
struct Served<'a> {
    server: &'a str,
    buffer: VecDeque<(Uuid, Value)>,
    after: Option<Uuid>,
    done: bool,
}

impl Served<'_> {
    fn peek(&mut self) -> anyhow::Result<Option<(Uuid, Value)>> {
        if self.buffer.is_empty() && !self.done {
            let path = match self.after {
                Some(after) => format!("/v1/products?limit={PAGE}&after={after}"),
                None => format!("/v1/products?limit={PAGE}"),
            };
            let mut page = fetch_json(self.server, &path)?;
            let Value::Array(items) = page["products"].take() else {
                return Err(failed("the server's page of products has no list".into()));
            };
            for item in items {
                let id = item["id"]
                    .as_str()
                    .and_then(|text| Uuid::parse_str(text).ok())
                    .ok_or_else(|| failed("the server lists a product without an id".into()))?;
                if self.after.is_some_and(|after| id <= after) {
                    return Err(failed(format!(
                        "the server lists product {id} out of order"
                    )));
                }
                self.after = Some(id);
                self.buffer.push_back((id, item));
            }
            self.done = page["next"].is_null();
        }
        Ok(self.buffer.front().cloned())
    }

    fn advance(&mut self) {
        self.buffer.pop_front();
    }
}
