//! The JSON shapes of the API (docs/api.md), built from ledger records.

use crate::domain::identifiers;
use crate::domain::records::{ActorRecord, CityRecord, ProductRecord, SubjectRecord};
use crate::domain::reference;
use crate::domain::serial::Serial;
use crate::domain::sscc::Sscc;
use crate::ledger::read::LoggedEvent;
use crate::ledger::Receipt;
use base64::Engine;
use serde_json::{json, Map, Value};

pub fn receipt(receipt: &Receipt) -> Value {
    json!({
        "seq": receipt.seq,
        "leaf_hash": receipt.leaf_hash.to_hex(),
        "checkpoint": &*receipt.checkpoint,
    })
}

pub fn actor(actor: &ActorRecord) -> Value {
    let base64 = |key: &[u8; 32]| base64::engine::general_purpose::STANDARD.encode(key);
    let keys: Vec<Value> = actor
        .key_history
        .iter()
        .map(
            |period| json!({"from_seq": period.from_seq, "public_key": base64(&period.public_key)}),
        )
        .collect();
    let mut view = json!({
        "id": actor.id,
        "org": actor.org,
        "name": actor.name,
        "roles": actor.roles,
        "public_key": base64(&actor.public_key),
        "revoked": actor.revoked,
        "key_history": keys,
    });
    if let Some(city) = &actor.city {
        view["city"] = json!(city);
    }
    if !actor.gs1_prefixes.is_empty() {
        view["gs1_company_prefixes"] = json!(actor.gs1_prefixes);
    }
    view
}

pub fn city(city: &CityRecord) -> Value {
    json!({
        "locode": city.locode,
        "name": city.name,
        "country": city.country,
        "population": city.population,
        "population_year": city.population_year,
    })
}

/// The label URI of a product: its GS1 Digital Link when labelled, else `/p/{uuid}`.
pub fn product_uri(public_url: &str, product: &ProductRecord) -> String {
    format!("{public_url}{}", product_path(product))
}

/// The path of a product's passport on this server: its label URI without the base.
pub fn product_path(product: &ProductRecord) -> String {
    let labelled = product
        .gtin
        .as_deref()
        .zip(product.serial.as_deref())
        .and_then(|(gtin, serial)| {
            let gtin = crate::domain::gtin::Gtin14::parse(gtin).ok()?;
            let serial = Serial::parse(serial).ok()?;
            Some(identifiers::digital_link_path(&gtin, &serial))
        });
    labelled.unwrap_or_else(|| format!("/p/{}", product.id))
}

/// The label URI of a lot: `{base}/l/{uuid}` (PRODUCT.md §8).
pub fn lot_uri(public_url: &str, id: &uuid::Uuid) -> String {
    format!("{public_url}{}", identifiers::lot_path(id))
}

/// The label URI of a container: its GS1 Digital Link `{base}/00/{sscc}` when it carries an
/// SSCC, else `{base}/c/{uuid}` (PRODUCT.md §8).
pub fn container_uri(public_url: &str, id: &uuid::Uuid, sscc: Option<&Sscc>) -> String {
    match sscc {
        Some(sscc) => format!("{public_url}{}", sscc.path()),
        None => format!("{public_url}{}", identifiers::container_uuid_path(id)),
    }
}

pub fn product(public_url: &str, product: &ProductRecord) -> Value {
    let mut view = Map::new();
    view.insert("id".into(), json!(product.id));
    view.insert("state".into(), json!(product.state));
    view.insert("uri".into(), json!(product_uri(public_url, product)));
    view.insert("unu_key".into(), json!(product.unu_key));
    if let Some(key) = reference::unu_key(&product.unu_key) {
        view.insert("eu6_category".into(), json!(key.eu6_category));
    }
    view.insert("weight_g".into(), json!(product.weight_g));
    view.insert("removed_g".into(), json!(product.removed_g));
    view.insert("hazards".into(), json!(product.hazards));
    view.insert(
        "head".into(),
        json!({ "seq": product.head_seq(), "leaf_hash": product.head.to_hex() }),
    );
    let optional = [
        ("custodian", product.custodian.map(|c| json!(c))),
        ("gtin", product.gtin.as_ref().map(|v| json!(v))),
        ("serial", product.serial.as_ref().map(|v| json!(v))),
        (
            "measured_weight_g",
            product.measured_weight_g.map(|v| json!(v)),
        ),
        ("brand", product.brand.as_ref().map(|v| json!(v))),
        ("model", product.model.as_ref().map(|v| json!(v))),
        (
            "manufactured_on",
            product.manufactured_on.as_ref().map(|v| json!(v)),
        ),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            view.insert(name.into(), value);
        }
    }
    if let Some(transit) = &product.transit {
        view.insert("transit".into(), json!(transit));
    }
    if let Some(container) = product.inside {
        view.insert("inside".into(), json!(container));
    }
    Value::Object(view)
}

/// The URI of any subject: a product's label URI, `/l/{uuid}` for a lot, `/00/{sscc}` or
/// `/c/{uuid}` for a container (docs/lifecycle.md §8).
pub fn subject_uri(public_url: &str, subject: &SubjectRecord) -> String {
    match subject {
        SubjectRecord::Product(product) => product_uri(public_url, product),
        SubjectRecord::Lot(lot) => lot_uri(public_url, &lot.id),
        SubjectRecord::Container(container) => {
            // Recorded SSCCs passed their check digit, so they parse again.
            let sscc = container.sscc.as_deref().and_then(|s| Sscc::parse(s).ok());
            container_uri(public_url, &container.id, sscc.as_ref())
        }
    }
}

/// Any subject as JSON: a product as [`product`]; a lot or container with the members they
/// share (id, state, custodian, head, transit, inside) and their own.
pub fn subject(public_url: &str, subject: &SubjectRecord) -> Value {
    let mut view = match subject {
        SubjectRecord::Product(product) => return self::product(public_url, product),
        SubjectRecord::Lot(lot) => {
            let mut view = json!({
                "category": lot.category,
                "mass_g": lot.mass_g,
                "channel": lot.channel,
                "collected": {"city": lot.collected.city, "on": lot.collected.on.to_string()},
            });
            if let Some(units) = lot.units {
                view["units"] = json!(units);
            }
            if let Some(aggregator) = &lot.aggregator {
                view["aggregator"] = json!(aggregator);
            }
            view
        }
        SubjectRecord::Container(container) => {
            let mut view = json!({ "children": container.children });
            if let Some(sscc) = &container.sscc {
                view["sscc"] = json!(sscc);
            }
            view
        }
    };
    view["id"] = json!(subject.id());
    view["kind"] = json!(subject.kind());
    view["state"] = json!(subject.state());
    view["uri"] = json!(subject_uri(public_url, subject));
    view["head"] = json!({ "seq": subject.head_seq(), "leaf_hash": subject.head().to_hex() });
    shared_members(&mut view, subject);
    view
}

/// Custody members every subject may have: custodian, transit and the container it is in.
fn shared_members(view: &mut Value, subject: &SubjectRecord) {
    if let Some(custodian) = subject.custodian() {
        view["custodian"] = json!(custodian);
    }
    if let Some(transit) = subject.transit() {
        view["transit"] = json!(transit);
    }
    if let Some(container) = subject.inside() {
        view["inside"] = json!(container);
    }
}

pub fn logged_event(entry: &LoggedEvent) -> Value {
    json!({
        "seq": entry.seq,
        "leaf_hash": entry.leaf_hash.to_hex(),
        "recorded_at": entry.recorded_at,
        "event": entry.event,
        "sig": entry.sig,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lot_and_container_uris() {
        let id = uuid::uuid!("01234567-89ab-4def-8123-456789abcdef");
        let base = "https://ledger.example.org";
        assert_eq!(
            lot_uri(base, &id),
            "https://ledger.example.org/l/01234567-89ab-4def-8123-456789abcdef"
        );
        assert_eq!(
            container_uri(base, &id, None),
            "https://ledger.example.org/c/01234567-89ab-4def-8123-456789abcdef"
        );
        let sscc = Sscc::parse("106141411234567897").unwrap();
        assert_eq!(
            container_uri(base, &sscc.container_id(), Some(&sscc)),
            "https://ledger.example.org/00/106141411234567897"
        );
    }
}
