//! `ewaste-ledger demo`: records the planned demo history (`crate::demo`) through the public
//! API. Registry events are signed by the admin key; every product event by its actor's own
//! key. Products and lots advance in rounds (the k-th event of every one in one set of
//! batches), because each event's `prev` is the leaf hash its subject's previous event
//! received; then the containers, which pack products as they are by then. What only the
//! receipts tell is filled in as the events are signed: the `prev` of every child a container
//! packs or unpacks, and the seq of the entry an `error_declared` corrects. Event ids derive
//! from the seed, so running the same demo again records nothing twice.

use super::client::Client;
use super::{CliError, ClientArgs};
use crate::demo::plan::{plan, Plan, ProductPlan, Settings};
use crate::domain::draft::Draft;
use crate::domain::event::format_timestamp;
use crate::domain::hash::Hash32;
use crate::domain::kinds::{Kind, SubjectKind};
use anyhow::Context;
use clap::Args;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Instant;
use uuid::Uuid;

/// Events per batch request.
const BATCH: usize = 5_000;

#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(flatten)]
    pub settings: DemoSettings,
}

#[derive(Args, Debug, Clone)]
pub struct DemoSettings {
    /// The seed: the same seed gives the same history.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Units sold per city and year.
    #[arg(long, default_value_t = 300)]
    pub units: usize,
    /// Years of documented sales, ending now.
    #[arg(long, default_value_t = 8)]
    pub years: i32,
}

impl Default for DemoSettings {
    fn default() -> DemoSettings {
        DemoSettings {
            seed: 2026,
            units: 300,
            years: 8,
        }
    }
}

/// What a demo run recorded.
pub struct DemoReport {
    pub events: usize,
    pub products: usize,
    pub seconds: f64,
}

pub fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let client = Client::new(&args.client)?;
    let report = run(&client, &args.settings)?;
    println!(
        "demo recorded {} events for {} products in {:.1} s ({:.0} events/s); open {}/cities",
        report.events,
        report.products,
        report.seconds,
        report.events as f64 / report.seconds,
        client.base()
    );
    Ok(())
}

/// Plans and records the demo with `client` (an admin's key).
pub fn run(client: &Client, args: &DemoSettings) -> anyhow::Result<DemoReport> {
    let started = Instant::now();
    let plan = plan(&Settings {
        seed: args.seed,
        units_per_city_year: args.units,
        years: args.years,
        // A minute ago: the ledger refuses events from the future.
        until: chrono::Utc::now() - chrono::Duration::minutes(1),
    });
    let events = registry(client, &plan, args.seed)? + products(client, &plan, args.seed)?;
    Ok(DemoReport {
        events,
        products: plan.products.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn event_id(seed: u64, what: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("ewaste-ledger demo {seed} {what}").as_bytes(),
    )
}

/// Posts `envelopes` in batches; answers each receipt in order, or fails on the first refusal.
fn post_all(client: &Client, envelopes: &[Value]) -> anyhow::Result<Vec<Value>> {
    let mut receipts = Vec::with_capacity(envelopes.len());
    for chunk in envelopes.chunks(BATCH) {
        let answers = client.post("/v1/events/batch", &Value::Array(chunk.to_vec()))?;
        for (answer, envelope) in answers.as_array().into_iter().flatten().zip(chunk) {
            if answer.get("seq").is_none() {
                return Err(CliError::Refused(format!(
                    "the demo's {} event was refused: {}",
                    envelope["event"]["kind"],
                    super::http_client::describe(answer)
                ))
                .into());
            }
            receipts.push(answer.clone());
        }
    }
    Ok(receipts)
}

/// Cities, actors and the sales baseline, signed by the admin.
fn registry(client: &Client, plan: &Plan, seed: u64) -> anyhow::Result<usize> {
    let admin = client.whoami()?;
    let at = format_timestamp(plan.registry_at);
    let mut drafts = Vec::new();
    for city in &plan.cities {
        drafts.push((
            Kind::CityRegistered,
            format!("city {}", city.locode),
            json!({
            "locode": city.locode, "name": city.name, "country": city.country,
            "population": city.population, "population_year": city.population_year}),
        ));
    }
    for actor in &plan.actors {
        drafts.push((
            Kind::ActorRegistered,
            format!("actor {}", actor.id),
            json!({
            "actor": actor.id, "org": actor.org, "name": actor.name,
            "roles": actor.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "public_key": crate::key_files::public_key_base64(&actor.key), "city": actor.city}),
        ));
    }
    for (n, baseline) in plan.baselines.iter().enumerate() {
        drafts.push((Kind::PomBaseline, format!("baseline {n}"), baseline.clone()));
    }
    // A scanner that was lost: its key rotated once, then the device retired. It signs
    // nothing, but the log shows how the registry handles both.
    let retired = &plan.retired;
    drafts.push((
        Kind::ActorRegistered,
        "retired scanner".into(),
        json!({
        "actor": retired.id, "org": retired.org, "name": retired.name, "roles": ["collector"],
        "public_key": crate::key_files::public_key_base64(&retired.key), "city": retired.city}),
    ));
    drafts.push((
        Kind::ActorKeyRotated,
        "retired scanner key".into(),
        json!({
        "actor": retired.id, "public_key": crate::key_files::public_key_base64(&plan.retired_new_key)}),
    ));
    drafts.push((
        Kind::ActorRevoked,
        "retired scanner revoked".into(),
        json!({
        "actor": retired.id, "reason": "device lost"}),
    ));
    let envelopes = drafts
        .into_iter()
        .map(|(kind, what, data)| {
            Draft::registry(event_id(seed, &what), kind, admin, &at, data)
                .sign(&client.key)
                .context("a demo event cannot be canonicalised")
        })
        .collect::<anyhow::Result<Vec<Value>>>()?;
    Ok(post_all(client, &envelopes)?.len())
}

/// Every product's and lot's life, one round of events at a time, then every container's.
fn products(client: &Client, plan: &Plan, seed: u64) -> anyhow::Result<usize> {
    let mut chains = Chains::default();
    let recorded = in_rounds(client, plan, &plan.products, seed, &mut chains)?;
    Ok(recorded + in_rounds(client, plan, &plan.containers, seed, &mut chains)?)
}

/// What the receipts told: every subject's head, and the seq of its latest entry.
#[derive(Default)]
struct Chains {
    heads: HashMap<Uuid, Hash32>,
    seqs: HashMap<Uuid, i64>,
}

fn in_rounds(
    client: &Client,
    plan: &Plan,
    subjects: &[ProductPlan],
    seed: u64,
    chains: &mut Chains,
) -> anyhow::Result<usize> {
    let rounds = subjects.iter().map(|p| p.steps.len()).max().unwrap_or(0);
    let mut recorded = 0;
    for round in 0..rounds {
        let due: Vec<_> = subjects.iter().filter(|p| p.steps.len() > round).collect();
        let envelopes = due
            .par_iter()
            .map(|subject| signed_step(plan, subject, round, seed, chains))
            .collect::<anyhow::Result<Vec<Value>>>()?;
        let receipts = post_all(client, &envelopes)?;
        for (subject, receipt) in due.iter().zip(&receipts) {
            let leaf = receipt["leaf_hash"]
                .as_str()
                .and_then(Hash32::from_hex)
                .ok_or_else(|| CliError::Unavailable("a receipt has no leaf hash".into()))?;
            let seq = receipt["seq"]
                .as_i64()
                .ok_or_else(|| CliError::Unavailable("a receipt has no seq".into()))?;
            chains.heads.insert(subject.id, leaf);
            chains.seqs.insert(subject.id, seq);
            // Packing and unpacking are entries of every child's chain too.
            if matches!(subject.steps[round].kind, Kind::Packed | Kind::Unpacked) {
                for child in &subject.children {
                    chains.heads.insert(*child, leaf);
                }
            }
        }
        recorded += receipts.len();
    }
    Ok(recorded)
}

/// The `round`-th event of `subject`, completed from the receipts so far and signed.
fn signed_step(
    plan: &Plan,
    subject: &ProductPlan,
    round: usize,
    seed: u64,
    chains: &Chains,
) -> anyhow::Result<Value> {
    let step = &subject.steps[round];
    let actor = &plan.actors[step.actor];
    let mut data = step.data.clone();
    match step.kind {
        Kind::ErrorDeclared => {
            data["seq"] = json!(chains.seqs.get(&subject.id).copied().unwrap_or(0));
        }
        Kind::Packed | Kind::Unpacked => {
            let children: Vec<Value> = subject
                .children
                .iter()
                .map(|child| {
                    let prev = chains.heads.get(child).map(Hash32::to_hex);
                    json!({"product": child, "prev": prev.unwrap_or_default()})
                })
                .collect();
            data["children"] = json!(children);
        }
        _ => {}
    }
    let mut draft = Draft::registry(
        event_id(seed, &format!("{} {round}", subject.id)),
        step.kind,
        actor.id,
        &format_timestamp(step.at),
        data,
    );
    draft.city = Some(step.city.to_string());
    draft.product = Some(subject.id);
    draft.prev = chains.heads.get(&subject.id).copied();
    let mut event = draft.to_json();
    // A lot or a container is named by its own member (docs/lifecycle.md §8).
    if subject.subject != SubjectKind::Product {
        if let Some(object) = event.as_object_mut() {
            if let Some(id) = object.remove("product") {
                object.insert(subject.subject.as_str().to_string(), id);
            }
        }
    }
    crate::domain::signing::sign_envelope(event, &actor.key)
        .context("a demo event cannot be canonicalised")
}
