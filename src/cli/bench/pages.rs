//! The passport part of `bench`: (h) how long the resolver takes to render the passport page
//! of a product with 50 events (a laptop with a long life), over HTTP on loopback.

use crate::cli::client::Client;
use crate::domain::draft::Draft;
use crate::domain::gtin::Gtin14;
use crate::domain::hash::Hash32;
use crate::domain::identifiers;
use crate::domain::kinds::Kind;
use crate::domain::serial::Serial;
use serde_json::json;
use std::time::Instant;
use uuid::Uuid;

/// Events of the benchmarked product.
pub const PASSPORT_EVENTS: usize = 50;

/// Event `n` of a benchmark product's history, after `prev`: registered by `maker_id` (a
/// manufacturer and retailer), placed on the market, then resold again and again.
pub fn history_draft(
    n: usize,
    maker_id: Uuid,
    product: Uuid,
    gtin: &Gtin14,
    serial: &str,
    prev: Option<Hash32>,
    occurred_at: &str,
) -> Draft {
    let (kind, data) = match n {
        0 => (
            Kind::Registered,
            json!({"unu_key": "0303", "weight_g": 1_160, "gtin": gtin.as_str(), "serial": serial,
                   "brand": "Bench", "model": "Book 14", "hazards": ["battery:li-ion"]}),
        ),
        1 => (Kind::PlacedOnMarket, json!({})),
        _ => (Kind::Resold, json!({})),
    };
    Draft {
        id: Uuid::new_v4(),
        kind,
        actor: maker_id,
        occurred_at: occurred_at.to_string(),
        city: Some("DEBER".into()),
        product: Some(product),
        prev,
        data,
    }
}

/// Records a product with [`PASSPORT_EVENTS`] events signed by `maker` (a manufacturer and
/// retailer), then renders its passport `renders` times; mean milliseconds per page.
pub fn passport_render_ms(client: &Client, maker_id: Uuid, renders: usize) -> anyhow::Result<f64> {
    let gtin = Gtin14::parse("09506000134352")?;
    let serial_text = "PASSPORT-BENCH";
    let serial = Serial::parse(serial_text)?;
    let product = identifiers::product_id(&gtin, &serial);
    let now = crate::cli::client::now();
    let mut prev: Option<Hash32> = None;
    for n in 0..PASSPORT_EVENTS {
        let draft = history_draft(n, maker_id, product, &gtin, serial_text, prev, &now);
        let receipt = client.submit(&draft)?;
        prev = receipt["leaf_hash"].as_str().and_then(Hash32::from_hex);
    }
    let agent = crate::cli::http_client::agent();
    let url = format!(
        "{}{}",
        client.base(),
        identifiers::digital_link_path(&gtin, &serial)
    );
    let check = agent.get(&url).call()?.body_mut().read_to_string()?;
    anyhow::ensure!(
        check.contains(&format!("Chain verified: {PASSPORT_EVENTS} signed events")),
        "the bench passport did not verify"
    );
    let started = Instant::now();
    for _ in 0..renders {
        let page = agent.get(&url).call()?.body_mut().read_to_string()?;
        anyhow::ensure!(!page.is_empty(), "an empty passport page");
    }
    Ok(started.elapsed().as_secs_f64() * 1000.0 / renders.max(1) as f64)
}
