//! The single writer (docs/architecture.md). Requests hand it events whose signatures were
//! already checked; it takes whatever has queued up as one batch, decides every event against
//! the current state, writes the accepted ones in ONE transaction and only then answers each
//! waiter. One fsync covers the whole batch (group commit).

use super::batch_state::{BatchState, RecordedEvent, RegistryCache};
use super::keys::KeyCache;
use super::record::{aborted, Atomicity, Outcome};
use super::tree::{self, LogIdentity};
use super::{LedgerError, Receipt, SignatureCheck, VerifiedEvent};
use crate::domain::data::EventData;
use crate::domain::entry::{Entry, EntryHeader};
use crate::domain::event::format_timestamp;
use crate::domain::kinds::SubjectKind;
use crate::domain::merkle::Frontier;
use crate::domain::records::SubjectRecord;
use crate::domain::records::{EntryRecord, LogHead};
use crate::domain::rejection::Rejection;
use crate::domain::rules::{decide, Change, Clock};
use crate::domain::signing;
use crate::domain::stats::facts::{add_all, facts_of_change};
use crate::domain::subject_rules::{also_touched, may_touch_more};
use crate::domain::wording::Named;
use crate::metrics::Metrics;
use crate::storage::append::{self, BatchWrite};
use crate::storage::rows::{ActorRow, CityRow, EntryRow, ProductRow, SubjectRow};
use crate::storage::{DatabaseTarget, DbConnection, StorageError};
use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// One request's events and where to send their outcomes: one per event, in order, or the
/// error that kept the whole batch from being committed.
pub struct Job {
    pub events: Vec<VerifiedEvent>,
    pub atomicity: Atomicity,
    pub reply: oneshot::Sender<Result<Vec<Outcome>, LedgerError>>,
}

/// Tuning of the writer.
#[derive(Clone, Copy, Debug)]
pub struct AppenderSettings {
    /// The most events one transaction takes.
    pub max_batch_events: usize,
    pub clock_skew: Duration,
}

/// Starts the writer thread. It runs until every [`mpsc::Sender`] is dropped.
pub fn spawn(
    target: DatabaseTarget,
    settings: AppenderSettings,
    log: LogIdentity,
    keys: Arc<KeyCache>,
    metrics: Arc<Metrics>,
    queue_depth: usize,
) -> Result<mpsc::Sender<Job>, StorageError> {
    let conn = crate::storage::connection::connect_writer(&target)?;
    // The checkpointer lives as long as the writer.
    let running = Arc::new(AtomicBool::new(true));
    crate::storage::connection::spawn_wal_checkpointer(&target, running.clone())?;
    let (sender, receiver) = mpsc::channel(queue_depth);
    std::thread::Builder::new()
        .name("ledger-writer".into())
        .spawn(move || {
            writer_loop(conn, target, receiver, settings, &log, keys, &metrics);
            running.store(false, Ordering::Relaxed);
        })
        .map_err(|e| StorageError::Unavailable(format!("cannot start the writer thread: {e}")))?;
    Ok(sender)
}

fn writer_loop(
    conn: DbConnection,
    target: DatabaseTarget,
    mut receiver: mpsc::Receiver<Job>,
    settings: AppenderSettings,
    log: &LogIdentity,
    keys: Arc<KeyCache>,
    metrics: &Metrics,
) {
    // `None` while the database is unreachable: each batch first tries to reconnect, so the
    // writer recovers by itself when the database returns, and answers 503 until then.
    let mut conn = Some(conn);
    let mut cache = RegistryCache::default();
    // The tree's frontier after the last batch, valid while no other process appended.
    let mut frontier: Option<Frontier> = None;
    while let Some(first) = receiver.blocking_recv() {
        let mut jobs = vec![first];
        let mut events = jobs[0].events.len();
        while events < settings.max_batch_events {
            match receiver.try_recv() {
                Ok(job) => {
                    events += job.events.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let started = std::time::Instant::now();
        let result = connected(&mut conn, &target).and_then(|c| {
            append_batch(
                c,
                &jobs,
                settings,
                log,
                Utc::now(),
                &mut cache,
                &mut frontier,
            )
        });
        let outcomes = match result {
            Ok((outcomes, state)) => {
                cache.remember(&state);
                tracing::debug!(
                    jobs = jobs.len(),
                    events,
                    micros = started.elapsed().as_micros() as u64,
                    "batch committed"
                );
                keys.update(
                    state
                        .changed_actors
                        .keys()
                        .filter_map(|id| state.actors.get(id)),
                );
                outcomes
            }
            Err(error) => {
                tracing::error!(%error, "append transaction failed; nothing of this batch was recorded");
                cache.forget();
                frontier = None;
                // A failed transaction can leave a connection unusable in ways a ping does not
                // show (a lost server; after SQLite's own rollback on a full disk, the ORM's
                // transaction bookkeeping no longer matches): start the next batch afresh.
                conn = None;
                jobs.iter()
                    .map(|_| Err(LedgerError::from(&error)))
                    .collect()
            }
        };
        metrics.append(events, started.elapsed().as_secs_f64());
        for (job, outcome) in jobs.into_iter().zip(outcomes) {
            for (index, event) in job.events.iter().enumerate() {
                let label = match outcome.as_ref().map(|results| &results[index]) {
                    Ok(Ok(receipt)) if receipt.replayed => "replayed",
                    Ok(Ok(_)) => "recorded",
                    Ok(Err(rejection)) => rejection.code(),
                    Err(_) => "failed",
                };
                metrics.event(event.signed.event.kind.as_str(), label);
            }
            // A waiter that gave up (client gone) is not an error: its events are committed.
            let _ = job.reply.send(outcome);
        }
    }
}

/// The writer's connection, opened again if the last one was lost.
fn connected<'a>(
    conn: &'a mut Option<DbConnection>,
    target: &DatabaseTarget,
) -> Result<&'a mut DbConnection, StorageError> {
    if conn.is_none() {
        *conn = Some(crate::storage::connection::connect_writer(target)?);
        tracing::info!("the writer reconnected to the database");
    }
    conn.as_mut()
        .ok_or_else(|| StorageError::Unavailable("no writer connection".into()))
}

/// Each job's outcomes, when the batch was committed.
type Outcomes = Vec<Result<Vec<Outcome>, LedgerError>>;

/// Decides and writes one batch in one transaction: entries, current state, the Merkle nodes
/// the batch completes and a signed checkpoint of the new tree. Returns each job's outcomes
/// and the final state. Rejections change nothing; on error nothing of the batch is written.
pub fn append_batch(
    conn: &mut DbConnection,
    jobs: &[Job],
    settings: AppenderSettings,
    log: &LogIdentity,
    now: DateTime<Utc>,
    cache: &mut RegistryCache,
    frontier: &mut Option<Frontier>,
) -> Result<(Outcomes, BatchState), StorageError> {
    append::in_transaction(conn, |conn| {
        let head = append::lock_head(conn)?;
        cache.validate(head.size);
        let head_size = head.size;
        let mut tree = match frontier.take() {
            Some(cached) if cached.size() == head.size as u64 => cached,
            _ => tree::load_frontier(conn, head.size)?,
        };
        let mut state = load_state(conn, jobs, head, cache)?;
        // recorded_at never goes backwards, even if the clock does.
        let now = state
            .head
            .last_recorded_at
            .map(|last| last.and_utc())
            .filter(|last| *last > now)
            .unwrap_or(now);
        let recorded_at = format_timestamp(now);
        let clock = Clock {
            now,
            skew: settings.clock_skew,
        };
        let mut outcomes = Vec::with_capacity(jobs.len());
        for job in jobs {
            outcomes.push(Ok(match job.atomicity {
                Atomicity::AllOrNothing => {
                    append_atomic(&mut state, &job.events, clock, &recorded_at)
                }
                Atomicity::EachOnItsOwn => job
                    .events
                    .iter()
                    .map(|event| append_one(&mut state, event, clock, &recorded_at))
                    .collect(),
            }));
        }
        state.head.last_recorded_at = Some(now.naive_utc());
        let checkpoint: Arc<str> = if state.entries.is_empty() {
            Arc::from("")
        } else {
            let write = take_batch_write(&mut state)?;
            tree::append_entries(conn, &mut tree, &write, &state.head)?;
            crate::storage::stats::add_facts(conn, &std::mem::take(&mut state.stat_facts))?;
            let row = log.checkpoint_row(tree.size(), tree.root(), now.naive_utc())?;
            crate::storage::tree::write_checkpoint(conn, &row)?;
            Arc::from(row.note)
        };
        for receipt in outcomes.iter_mut().flatten().flatten().flatten() {
            receipt.checkpoint = if receipt.seq < head_size {
                // A replay of an earlier batch's event: the checkpoint signed with that batch,
                // so that the replay's receipt is the original one.
                crate::storage::tree::first_checkpoint_covering(conn, receipt.seq)?
                    .map(|row| Arc::from(row.note))
                    .unwrap_or_default()
            } else {
                checkpoint.clone()
            };
        }
        *frontier = Some(tree);
        Ok((outcomes, state))
    })
}

/// Loads, in a handful of bulk queries, everything the batch's events may touch.
fn load_state(
    conn: &mut DbConnection,
    jobs: &[Job],
    head: LogHead,
    cache: &RegistryCache,
) -> Result<BatchState, StorageError> {
    let mut event_ids = Vec::new();
    let mut actor_ids = Vec::new();
    let mut product_ids = Vec::new();
    let mut other_ids = Vec::new();
    let mut locodes = Vec::new();
    let mut revokes = false;
    for verified in jobs.iter().flat_map(|job| &job.events) {
        let event = &verified.signed.event;
        event_ids.push(event.id.as_bytes().to_vec());
        actor_ids.push(event.actor.to_string());
        for subject in event
            .subject
            .iter()
            .chain(&event.data.listed_subject_refs())
        {
            match subject.kind {
                SubjectKind::Product => product_ids.push(subject.id.to_string()),
                SubjectKind::Lot | SubjectKind::Container => other_ids.push(subject.id.to_string()),
            }
        }
        if let Some(city) = &event.city {
            locodes.push(city.as_str().to_string());
        }
        actor_ids.extend(event.data.named_actor().map(String::from));
        locodes.extend(event.data.named_city().map(String::from));
        revokes |= matches!(event.data, EventData::ActorRevoked(_));
    }
    event_ids.sort_unstable();
    event_ids.dedup();
    for list in [
        &mut actor_ids,
        &mut product_ids,
        &mut other_ids,
        &mut locodes,
    ] {
        list.sort_unstable();
        list.dedup();
    }

    let mut state = BatchState::new(head);
    for row in append::entries_by_event_id(conn, &event_ids)? {
        let id = row.event_uuid()?;
        state.events.insert(
            id,
            RecordedEvent {
                event_hash: row.event_hash()?,
                seq: row.seq,
                leaf_hash: row.leaf()?,
            },
        );
    }
    // Actors and cities rarely change: take them from the cache and query only the rest.
    actor_ids.retain(|id| {
        let cached = Uuid::parse_str(id).ok().and_then(|id| cache.actor(&id));
        if let Some(actor) = cached {
            state.actors.insert(actor.id, actor.clone());
        }
        cached.is_none()
    });
    locodes.retain(|code| {
        let cached = cache.city(code);
        if let Some(city) = cached {
            state.cities.insert(city.locode.clone(), city.clone());
        }
        cached.is_none()
    });
    if !actor_ids.is_empty() {
        for actor in append::actors_by_id(conn, &actor_ids)? {
            state.actors.insert(actor.id, actor);
        }
    }
    if !locodes.is_empty() {
        for city in append::cities_by_locode(conn, &locodes)? {
            state.cities.insert(city.locode.clone(), city);
        }
    }
    load_subjects(conn, &mut state, &product_ids, &other_ids)?;
    // What a container's export or a correction also changes is named by the records just
    // loaded, not by the events: one more round for those.
    let (more_products, more_others) = subjects_named_by_records(&state, jobs);
    load_subjects(conn, &mut state, &more_products, &more_others)?;
    if revokes {
        state.active_admins = append::count_active_admins(conn)?;
    }
    state.prefixes = match cache.prefixes() {
        Some(cached) => cached.clone(),
        None => append::declared_prefixes(conn)?,
    };
    Ok(state)
}

fn load_subjects(
    conn: &mut DbConnection,
    state: &mut BatchState,
    product_ids: &[String],
    other_ids: &[String],
) -> Result<(), StorageError> {
    if !product_ids.is_empty() {
        for product in append::products_by_id(conn, product_ids)? {
            state
                .subjects
                .insert(product.id, SubjectRecord::Product(Box::new(product)));
        }
    }
    if !other_ids.is_empty() {
        for subject in append::subjects_by_id(conn, other_ids)? {
            state.subjects.insert(subject.id(), subject);
        }
    }
    Ok(())
}

/// The subjects the batch's events change beyond those they name (the contents of exported
/// containers, the other subjects of corrected entries) that are not loaded yet: (products,
/// lots and containers).
fn subjects_named_by_records(state: &BatchState, jobs: &[Job]) -> (Vec<String>, Vec<String>) {
    let mut products = Vec::new();
    let mut others = Vec::new();
    for verified in jobs.iter().flat_map(|job| &job.events) {
        let event = &verified.signed.event;
        if !may_touch_more(event) {
            continue;
        }
        let Some(record) = event.subject.and_then(|s| state.subjects.get(&s.id)) else {
            continue;
        };
        for subject in also_touched(event, record) {
            if state.subjects.contains_key(&subject.id) {
                continue;
            }
            match subject.kind {
                SubjectKind::Product => products.push(subject.id.to_string()),
                SubjectKind::Lot | SubjectKind::Container => others.push(subject.id.to_string()),
            }
        }
    }
    for list in [&mut products, &mut others] {
        list.sort_unstable();
        list.dedup();
    }
    (products, others)
}

/// All or nothing: on the first refusal the state is put back as it was before the job.
fn append_atomic(
    state: &mut BatchState,
    events: &[VerifiedEvent],
    clock: Clock,
    recorded_at: &str,
) -> Vec<Outcome> {
    let before = state.clone();
    let outcomes: Vec<Outcome> = events
        .iter()
        .map(|event| append_one(state, event, clock, recorded_at))
        .collect();
    if outcomes.iter().all(Result::is_ok) {
        return outcomes;
    }
    // The whole batch is decided before it is rolled back, so that every refused item answers
    // its own rejection (a re-imported file names each of its already registered rows at
    // once); the items that would have been accepted are aborted.
    *state = before;
    aborted(outcomes)
}

/// Decides one event and, when it is accepted, appends its entry to the batch.
fn append_one(
    state: &mut BatchState,
    verified: &VerifiedEvent,
    clock: Clock,
    recorded_at: &str,
) -> Result<Receipt, Rejection> {
    let signed = &verified.signed;
    let event = &signed.event;
    let event_hash = signed.event_hash();
    if let Some(recorded) = state.events.get(&event.id) {
        return if recorded.event_hash == event_hash {
            Ok(Receipt {
                seq: recorded.seq,
                leaf_hash: recorded.leaf_hash,
                replayed: true,
                checkpoint: Arc::from(""),
            })
        } else {
            Err(Rejection::DuplicateEventId {
                id: event.id,
                seq: recorded.seq,
            })
        };
    }

    let signer_key = signer_key(state, verified)?;
    let change = decide(&*state, event, &signer_key, clock)?;

    let seq = state.head.size;
    let entry = Entry::new(
        &signed.canonical,
        &EntryHeader {
            seq,
            prev: state.head.head,
            recorded_at,
            sig: &signed.signature_b64,
        },
    );
    add_all(&mut state.stat_facts, facts_of_change(event, &change));
    match change {
        Change::Actor(actor) => state.put_actor(actor, seq),
        Change::City(city) => state.put_city(city, seq),
        Change::Subjects { changed, .. } => {
            for mut subject in changed {
                subject.chain_entry(seq, entry.leaf_hash);
                state.put_subject(subject);
            }
        }
        Change::LogOnly => {}
    }
    state.events.insert(
        event.id,
        RecordedEvent {
            event_hash,
            seq,
            leaf_hash: entry.leaf_hash,
        },
    );
    state.entries.push(EntryRecord {
        seq,
        leaf_hash: entry.leaf_hash,
        event_id: event.id,
        event_hash,
        kind: event.kind,
        actor: event.actor,
        product: event.subject_id(),
        recorded_at: clock.now.naive_utc(),
        bytes: entry.bytes,
    });
    state.head.size = seq + 1;
    state.head.head = entry.leaf_hash;
    Ok(Receipt {
        seq,
        leaf_hash: entry.leaf_hash,
        replayed: false,
        // Filled in once the batch's checkpoint is signed.
        checkpoint: Arc::from(""),
    })
}

/// The key the rules should treat as the signer's. The request verified the signature with
/// the key it knew; if the actor's key in this batch's state differs (rotated meanwhile, or the
/// actor was registered earlier in this very batch), verify again here with the current key.
fn signer_key(state: &BatchState, verified: &VerifiedEvent) -> Result<[u8; 32], Rejection> {
    let event = &verified.signed.event;
    let signer = state.actors.get(&event.actor);
    let current = signer.map(|a| a.public_key);
    // Built only for a refusal: naming the actor formats its organisation and name, and this
    // runs for every event of every batch.
    let refused = || Rejection::BadSignature {
        actor: signer.map_or(event.actor.into(), Named::actor),
    };
    match (current, verified.signature) {
        (Some(current), SignatureCheck::Valid(used)) if current == used => Ok(current),
        (Some(current), SignatureCheck::InvalidReplay(used)) if current == used => Err(refused()),
        (Some(current), _) => {
            let key = signing::verifying_key(&current).ok_or_else(refused)?;
            if signing::verify_event(&key, &verified.signed.canonical, &verified.signed.signature) {
                Ok(current)
            } else {
                Err(refused())
            }
        }
        // Unknown actor: only the genesis can pass the rules, with the key it verified under.
        (None, SignatureCheck::Valid(used)) => Ok(used),
        (None, SignatureCheck::Unchecked) => Ok([0; 32]),
        (None, SignatureCheck::InvalidReplay(_)) => Err(refused()),
    }
}

/// The rows to write; the entries move out of the state (they are the bulk of the batch).
fn take_batch_write(state: &mut BatchState) -> Result<BatchWrite, StorageError> {
    let mut products = Vec::new();
    let mut subjects = Vec::new();
    let mut new_products = std::collections::BTreeSet::new();
    for id in &state.changed_subjects {
        match state.subjects.get(id) {
            Some(SubjectRecord::Product(product)) => {
                products.push(ProductRow::from_record(product));
                if state.new_subjects.contains(id) {
                    new_products.insert(id.to_string());
                }
            }
            Some(other) => subjects.push(SubjectRow::from_record(other)?),
            None => {}
        }
    }
    Ok(BatchWrite {
        entries: std::mem::take(&mut state.entries)
            .into_iter()
            .map(EntryRow::from)
            .collect(),
        actors: state
            .changed_actors
            .iter()
            .filter_map(|(id, seq)| state.actors.get(id).map(|a| ActorRow::from_record(a, *seq)))
            .collect(),
        cities: state
            .changed_cities
            .iter()
            .filter_map(|(code, seq)| {
                state
                    .cities
                    .get(code)
                    .map(|c| CityRow::from_record(c, *seq))
            })
            .collect(),
        products,
        new_products,
        subjects,
    })
}
