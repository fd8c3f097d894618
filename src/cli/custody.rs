//! What a yard records (docs/lifecycle.md §8): `lot collect` (weighed bulk intake),
//! `container pack|unpack`, `hand-over`, `receive`, `refuse`, `correct` and `transit` (what is
//! still on its way). Each signs with `--key` and names subjects by id or label URI.

use super::client::{now, receipt_line, Client};
use super::{CliError, ClientArgs};
use crate::domain::kinds::{Kind, SubjectKind};
use crate::domain::records::SubjectRef;
use crate::domain::subject_uri::parse_subject;
use clap::{Args, Subcommand};
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// Where and when, for every command that records.
#[derive(Args, Debug)]
pub struct Place {
    #[command(flatten)]
    pub client: ClientArgs,
    /// Where it happened (UN/LOCODE).
    #[arg(long)]
    pub city: String,
    /// When it happened (RFC 3339 UTC); default now.
    #[arg(long)]
    pub at: Option<String>,
    /// Print the receipt as one JSON object instead.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum LotCommand {
    /// Record a weighed bulk intake: a new lot in your custody; prints its id, and the address
    /// of the printable receipt for the person who brought it.
    Collect {
        #[command(flatten)]
        place: Place,
        /// The lot's UNU-KEY, when sorted by key.
        #[arg(long, conflicts_with = "eu6", required_unless_present = "eu6")]
        unu_key: Option<String>,
        /// The lot's EU-6 WEEE category, 1 to 6.
        #[arg(long)]
        eu6: Option<String>,
        /// The weighed mass in grams.
        #[arg(long)]
        mass_g: u64,
        /// municipal, retail_take_back, producer_take_back, informal or other.
        #[arg(long)]
        channel: String,
        /// Units counted, when they were.
        #[arg(long)]
        units: Option<u64>,
        /// The informal collector's pseudonymous id (never a name or a phone number).
        #[arg(long)]
        aggregator: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ContainerCommand {
    /// Pack products and lots into a container (a new one when it is not recorded yet);
    /// prints the container's id.
    Pack {
        #[command(flatten)]
        place: Place,
        /// The container: its id or label URI; a new random id when left out.
        #[arg(long)]
        container: Option<String>,
        /// The container's GS1 SSCC, on its first packing (its id is then derived from it).
        #[arg(long)]
        sscc: Option<String>,
        /// Products (id or label URI) and lots (`/l/…` URI) to put in.
        #[arg(required = true)]
        items: Vec<String>,
    },
    /// Take products and lots out of a container.
    Unpack {
        #[command(flatten)]
        place: Place,
        #[arg(long)]
        container: String,
        #[arg(required = true)]
        items: Vec<String>,
    },
}

pub fn lot(command: LotCommand) -> anyhow::Result<()> {
    let LotCommand::Collect {
        place,
        unu_key,
        eu6,
        mass_g,
        channel,
        units,
        aggregator,
    } = command;
    let mut data = Map::new();
    data.insert("mass_g".into(), json!(mass_g));
    data.insert("channel".into(), json!(channel));
    let optional = [
        ("unu_key", unu_key.map(Value::from)),
        ("eu6", eu6.map(Value::from)),
        ("units", units.map(Value::from)),
        ("aggregator", aggregator.map(Value::from)),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            data.insert(name.into(), value);
        }
    }
    let lot = SubjectRef {
        kind: SubjectKind::Lot,
        id: Uuid::new_v4(),
    };
    let client = Client::new(&place.client)?;
    let receipt = record(
        &client,
        &place,
        Kind::LotCollected,
        lot,
        None,
        Value::Object(data),
    )?;
    if !place.json {
        eprintln!("receipt to print: {}/r/{}", client.base(), receipt["seq"]);
    }
    Ok(())
}

pub fn container(command: ContainerCommand) -> anyhow::Result<()> {
    match command {
        ContainerCommand::Pack {
            place,
            container,
            sscc,
            items,
        } => {
            let client = Client::new(&place.client)?;
            let container = match (&container, &sscc) {
                (Some(text), _) => subject(text, SubjectKind::Container, "--container")?,
                (None, Some(sscc)) => {
                    subject(&format!("/00/{sscc}"), SubjectKind::Container, "--sscc")?
                }
                (None, None) => SubjectRef {
                    kind: SubjectKind::Container,
                    id: Uuid::new_v4(),
                },
            };
            let prev = client.subject_head(&container)?;
            let mut data = json!({ "children": children(&client, &items)? });
            if let Some(sscc) = sscc.filter(|_| prev.is_none()) {
                data["sscc"] = json!(sscc);
            }
            record(&client, &place, Kind::Packed, container, prev, data)?;
        }
        ContainerCommand::Unpack {
            place,
            container,
            items,
        } => {
            let client = Client::new(&place.client)?;
            let container = subject(&container, SubjectKind::Container, "--container")?;
            let prev = Some(head(&client, &container)?);
            let data = json!({ "children": children(&client, &items)? });
            record(&client, &place, Kind::Unpacked, container, prev, data)?;
        }
    }
    Ok(())
}

/// `hand-over`, `receive`, `refuse`, `correct`: one subject, by id or label URI.
#[derive(Args, Debug)]
pub struct SubjectArgs {
    /// The product, lot or container: its id or the URI on its label.
    pub subject: String,
    #[command(flatten)]
    pub place: Place,
}

/// Hands a subject over: it is in transit to `--to` until that actor receives or refuses it.
pub fn hand_over(args: SubjectArgs, to: Uuid, document: Option<String>) -> anyhow::Result<()> {
    let mut data = json!({ "to": to });
    if let Some(document) = document {
        data["document"] = json!(document);
    }
    answer(args, Kind::HandedOver, data)
}

pub fn receive(
    args: SubjectArgs,
    weight_g: Option<u64>,
    discrepancy: Option<String>,
) -> anyhow::Result<()> {
    let mut data = json!({});
    if let Some(grams) = weight_g {
        data["weight_g"] = json!(grams);
    }
    if let Some(text) = discrepancy {
        data["discrepancy"] = json!(text);
    }
    answer(args, Kind::Received, data)
}

pub fn refuse(args: SubjectArgs, reason: String) -> anyhow::Result<()> {
    answer(args, Kind::ReceiptRefused, json!({ "reason": reason }))
}

/// Declares entry `entry` an error. When it changed other subjects too (the children it
/// packed or unpacked), the correction lists each with its head, as every event does.
pub fn correct(args: SubjectArgs, entry: u64, reason: String) -> anyhow::Result<()> {
    let client = Client::new(&args.place.client)?;
    let erroneous = client.get(&format!("/v1/log/entries/{entry}"))?;
    let listed: Vec<String> = erroneous
        .pointer("/event/data/children")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|child| match (child.get("product"), child.get("lot")) {
            (Some(id), _) => id.as_str().map(String::from),
            (None, Some(id)) => id.as_str().map(|id| format!("/l/{id}")),
            (None, None) => None,
        })
        .collect();
    let mut data = json!({ "seq": entry, "reason": reason });
    if !listed.is_empty() {
        data["children"] = json!(children(&client, &listed)?);
    }
    answer(args, Kind::ErrorDeclared, data)
}

fn answer(args: SubjectArgs, kind: Kind, data: Value) -> anyhow::Result<()> {
    let client = Client::new(&args.place.client)?;
    let subject = subject(&args.subject, SubjectKind::Product, "SUBJECT")?;
    let prev = Some(head(&client, &subject)?);
    record(&client, &args.place, kind, subject, prev, data).map(|_| ())
}

/// `transit`: the hand-overs still waiting for their receiver, oldest first.
pub fn transit(server: &str, to: Option<Uuid>, older_than: Option<String>) -> anyhow::Result<()> {
    let mut query = Vec::new();
    if let Some(to) = to {
        query.push(format!("to={to}"));
    }
    if let Some(age) = older_than {
        query.push(format!("older_than={age}"));
    }
    let path = format!("/v1/transit?{}", query.join("&"));
    let listed = super::http_client::fetch_json(server, &path)?;
    for item in listed["in_transit"].as_array().into_iter().flatten() {
        println!(
            "{}\t{}\tsince {}\tto {}\tentry {}",
            item["subject"]["kind"].as_str().unwrap_or("product"),
            item["subject"]["uri"].as_str().unwrap_or_default(),
            item["transit"]["since"].as_str().unwrap_or_default(),
            item["transit"]["to"].as_str().unwrap_or_default(),
            item["transit"]["seq"],
        );
    }
    Ok(())
}

fn subject(text: &str, default: SubjectKind, flag: &str) -> anyhow::Result<SubjectRef> {
    parse_subject(text, default).map_err(|e| CliError::Usage(format!("{flag}: {e}")).into())
}

fn head(client: &Client, subject: &SubjectRef) -> anyhow::Result<crate::domain::hash::Hash32> {
    client.subject_head(subject)?.ok_or_else(|| {
        CliError::Usage(format!("the ledger has no {} {}", subject.kind, subject.id)).into()
    })
}

/// Each item with the head its chain has now.
fn children(client: &Client, items: &[String]) -> anyhow::Result<Vec<Value>> {
    items
        .iter()
        .map(|text| {
            let item = subject(text, SubjectKind::Product, "ITEM")?;
            if item.kind == SubjectKind::Container {
                return Err(CliError::Usage(format!(
                    "`{text}` is a container; containers hold products and lots, not other containers"
                ))
                .into());
            }
            let prev = head(client, &item)?;
            Ok(json!({ item.kind.as_str(): item.id, "prev": prev.to_hex() }))
        })
        .collect()
}

/// Signs and submits one event about `subject`; prints its subject's id on stdout and the
/// entry on stderr (or the whole receipt with `--json`).
fn record(
    client: &Client,
    place: &Place,
    kind: Kind,
    subject: SubjectRef,
    prev: Option<crate::domain::hash::Hash32>,
    data: Value,
) -> anyhow::Result<Value> {
    let id = Uuid::new_v4();
    let mut event = json!({
        "id": id,
        "kind": kind,
        "actor": client.whoami()?,
        "occurred_at": place.at.clone().unwrap_or_else(now),
        "city": place.city,
        subject.kind.as_str(): subject.id,
        "data": data,
    });
    if let Some(prev) = prev {
        event["prev"] = json!(prev.to_hex());
    }
    let mut receipt = client.submit_event(event)?;
    if place.json {
        receipt["event_id"] = json!(id);
        println!("{receipt}");
    } else {
        eprintln!("recorded {kind} as {}", receipt_line(&receipt));
        println!("{}", subject.id);
    }
    Ok(receipt)
}
