//! Building events to sign (CLI, bootstrap, benchmarks, tests): a draft becomes the event
//! object of docs/ledger-format.md §1, absent members omitted, then a signed submission.

use super::hash::Hash32;
use super::kinds::Kind;
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use uuid::Uuid;

/// An event before signing. Time and ids come in as values (the domain has no clock and no
/// randomness).
#[derive(Clone, Debug)]
pub struct Draft {
    pub id: Uuid,
    pub kind: Kind,
    pub actor: Uuid,
    /// RFC 3339 UTC with `Z`.
    pub occurred_at: String,
    pub city: Option<String>,
    pub product: Option<Uuid>,
    pub prev: Option<Hash32>,
    pub data: Value,
}

impl Draft {
    /// A registry event (no city, product or prev).
    pub fn registry(id: Uuid, kind: Kind, actor: Uuid, occurred_at: &str, data: Value) -> Draft {
        Draft {
            id,
            kind,
            actor,
            occurred_at: occurred_at.to_string(),
            city: None,
            product: None,
            prev: None,
            data,
        }
    }

    /// The event object.
    pub fn to_json(&self) -> Value {
        let mut event = json!({
            "id": self.id,
            "kind": self.kind,
            "actor": self.actor,
            "occurred_at": self.occurred_at,
            "data": self.data,
        });
        if let Some(city) = &self.city {
            event["city"] = json!(city);
        }
        if let Some(product) = self.product {
            event["product"] = json!(product);
        }
        if let Some(prev) = self.prev {
            event["prev"] = json!(prev.to_hex());
        }
        event
    }

    /// The signed submission `{"event", "sig"}`.
    pub fn sign(&self, key: &SigningKey) -> Result<Value, super::jcs::JcsError> {
        super::signing::sign_envelope(self.to_json(), key)
    }
}
