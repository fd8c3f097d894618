//! The signing API client of the commands that record (`actor`, `city`, `product`, `event`,
//! `stats import-baseline`, `demo`, the benches): one ledger's JSON API ([`Api`]) and one
//! signing key, whose actor it looks up, and the events it signs and submits.

use super::http_client::Api;
use super::{CliError, ClientArgs};
use crate::domain::draft::Draft;
use crate::domain::event::format_timestamp;
use crate::domain::hash::Hash32;
use crate::domain::kinds::{Kind, SubjectKind};
use crate::domain::records::SubjectRef;
use anyhow::Context;
use ed25519_dalek::SigningKey;
use serde_json::Value;
use uuid::Uuid;

/// A connection to one ledger with one signing key.
pub struct Client {
    api: Api,
    pub key: SigningKey,
}

impl Client {
    pub fn new(args: &ClientArgs) -> anyhow::Result<Client> {
        let key = crate::key_files::read_pem(&args.key)?;
        Ok(Client::with_key(&args.server, key))
    }

    pub fn with_key(server: &str, key: SigningKey) -> Client {
        Client {
            api: Api::new(server),
            key,
        }
    }

    /// The server's base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        self.api.base()
    }

    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.api.get(path)
    }

    pub fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.api.post(path, body)
    }

    /// The actor whose active key is ours.
    pub fn whoami(&self) -> anyhow::Result<Uuid> {
        let ours = crate::key_files::public_key_base64(&self.key);
        let actors = self.get("/v1/actors")?;
        actors
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["public_key"] == ours.as_str() && a["revoked"] == false)
            .and_then(|a| a["id"].as_str())
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "no active actor has the public key {ours} of this --key; an admin registers it with `ewaste-ledger actor add`"
                ))
                .into()
            })
    }

    /// Signs and submits a registry event; returns the receipt.
    pub fn registry_event(&self, kind: Kind, data: Value) -> anyhow::Result<Value> {
        self.registry_event_at(kind, data, &now())
    }

    /// A registry event dated `occurred_at`: admins may date them in the past (docs/ledger-format.md §1).
    pub fn registry_event_at(
        &self,
        kind: Kind,
        data: Value,
        occurred_at: &str,
    ) -> anyhow::Result<Value> {
        let actor = self.whoami()?;
        let draft = Draft::registry(Uuid::new_v4(), kind, actor, occurred_at, data);
        self.submit(&draft)
    }

    pub fn submit(&self, draft: &Draft) -> anyhow::Result<Value> {
        let envelope = draft
            .sign(&self.key)
            .context("the event cannot be canonicalised")?;
        self.post("/v1/events", &envelope)
    }

    /// Signs and submits an event object (one about a lot or container, which [`Draft`]
    /// does not build).
    pub fn submit_event(&self, event: Value) -> anyhow::Result<Value> {
        let envelope = crate::domain::signing::sign_envelope(event, &self.key)
            .context("the event cannot be canonicalised")?;
        self.post("/v1/events", &envelope)
    }

    /// The current head of any subject, or `None` when the ledger does not know it.
    pub fn subject_head(&self, subject: &SubjectRef) -> anyhow::Result<Option<Hash32>> {
        let path = match subject.kind {
            SubjectKind::Product => format!("/v1/products/{}", subject.id),
            SubjectKind::Lot => format!("/v1/lots/{}", subject.id),
            SubjectKind::Container => format!("/v1/containers/{}", subject.id),
        };
        match self.get(&path) {
            Ok(view) => Ok(view["head"]["leaf_hash"]
                .as_str()
                .and_then(Hash32::from_hex)),
            Err(error)
                if error
                    .downcast_ref::<CliError>()
                    .is_some_and(|e| e.is_problem("not-found")) =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// The current head of a product (what the next event's `prev` must be).
    pub fn product_head(&self, product: &Uuid) -> anyhow::Result<Hash32> {
        let view = self.get(&format!("/v1/products/{product}"))?;
        view["head"]["leaf_hash"]
            .as_str()
            .and_then(Hash32::from_hex)
            .ok_or_else(|| CliError::Unavailable("the product answer has no head".into()).into())
    }
}

/// What a person needs of a receipt: the entry's seq and the start of its leaf hash (the
/// whole receipt, with its checkpoint, is what `--json` and the API give).
pub fn receipt_line(receipt: &Value) -> String {
    let leaf = receipt["leaf_hash"].as_str().unwrap_or_default();
    format!(
        "entry {}, leaf {}…",
        receipt["seq"],
        leaf.get(..16).unwrap_or(leaf)
    )
}

/// Now, as the events' `occurred_at`.
pub fn now() -> String {
    format_timestamp(chrono::Utc::now())
}
