//! `event KIND --product ID-or-label-URI …`: record what happened to a product.

use super::client::{now, receipt_line, Client};
use super::{CliError, ClientArgs};
use crate::domain::draft::Draft;
use crate::domain::identifiers::ProductRef;
use crate::domain::kinds::{Kind, SubjectKind};
use clap::Args;
use serde_json::{json, Map, Value};
use uuid::Uuid;

#[derive(Args, Debug)]
pub struct EventArgs {
    /// placed_on_market, resold, repaired, collected, handed_over, prepared_for_reuse,
    /// depolluted, recycled, disposed, exported, received, receipt_refused or error_declared.
    pub kind: String,
    #[command(flatten)]
    pub client: ClientArgs,
    /// The product: its UUID, or the URI on its label (Digital Link or /p/UUID).
    #[arg(long)]
    pub product: String,
    /// Where it happened (UN/LOCODE).
    #[arg(long)]
    pub city: String,
    /// When it happened (RFC 3339 UTC); default now.
    #[arg(long)]
    pub at: Option<String>,
    /// Extra `data` members as a JSON object (merged with the flags below).
    #[arg(long)]
    pub data: Option<String>,
    /// Measured or prepared weight in grams (on `received`: measured on arrival).
    #[arg(long)]
    pub weight_g: Option<u64>,
    /// Collection channel: municipal, retail_take_back, producer_take_back, informal, other.
    #[arg(long)]
    pub channel: Option<String>,
    /// Receiving actor of a hand-over.
    #[arg(long)]
    pub to: Option<Uuid>,
    /// Transport document of a hand-over.
    #[arg(long)]
    pub document: Option<String>,
    /// What differs from the hand-over, on `received`.
    #[arg(long)]
    pub discrepancy: Option<String>,
    /// Why: a refused receipt (`receipt_refused`) or a declared error (`error_declared`).
    #[arg(long)]
    pub reason: Option<String>,
    /// The erroneous entry's seq, on `error_declared`.
    #[arg(long)]
    pub seq: Option<u64>,
    /// Grade after preparation for re-use.
    #[arg(long)]
    pub grade: Option<String>,
    /// The component prepared for re-use, when not the whole unit.
    #[arg(long)]
    pub component: Option<String>,
    /// Depollution: `component=grams`, repeatable.
    #[arg(long = "removed", value_name = "COMPONENT=GRAMS")]
    pub removed: Vec<String>,
    /// Recycling output: `material=grams`, repeatable.
    #[arg(long = "fraction", value_name = "MATERIAL=GRAMS")]
    pub fractions: Vec<String>,
    /// Basel Annex IV code: R1–R13 or D1–D15.
    #[arg(long)]
    pub operation: Option<String>,
    /// Export destination (ISO 3166-1 alpha-2).
    #[arg(long)]
    pub country: Option<String>,
    /// Basel entry of an export: A1181 or Y49.
    #[arg(long)]
    pub basel_entry: Option<String>,
    /// Prior informed consent notification number of an export.
    #[arg(long)]
    pub notification: Option<String>,
    /// What was repaired.
    #[arg(long)]
    pub description: Option<String>,
    /// A part replaced in a repair, repeatable.
    #[arg(long = "part")]
    pub parts: Vec<String>,
    /// Print the receipt as one JSON object (seq, leaf_hash, checkpoint, event_id) instead.
    #[arg(long)]
    pub json: bool,
}

fn masses(items: &[String], name_key: &str) -> anyhow::Result<Vec<Value>> {
    items
        .iter()
        .map(|item| {
            let (name, grams) = item
                .rsplit_once('=')
                .ok_or_else(|| CliError::Usage(format!("`{item}` is not NAME=GRAMS")))?;
            let grams: u64 = grams.parse().map_err(|_| {
                CliError::Usage(format!(
                    "`{grams}` in `{item}` is not a whole number of grams"
                ))
            })?;
            Ok(json!({ name_key: name, "mass_g": grams }))
        })
        .collect()
}

impl EventArgs {
    fn data(&self) -> anyhow::Result<Value> {
        let mut data = match &self.data {
            Some(text) => match crate::domain::json::parse(text.as_bytes()) {
                Ok(Value::Object(map)) => map,
                Err(e @ crate::domain::json::JsonError::Duplicate { .. }) => {
                    return Err(CliError::Usage(format!("--data: {e}")).into())
                }
                _ => return Err(CliError::Usage("--data must be a JSON object".into()).into()),
            },
            None => Map::new(),
        };
        let mut set = |name: &str, value: Option<Value>| {
            if let Some(value) = value {
                data.insert(name.to_string(), value);
            }
        };
        set("weight_g", self.weight_g.map(|v| json!(v)));
        set("channel", self.channel.as_ref().map(|v| json!(v)));
        set("to", self.to.map(|v| json!(v)));
        set("document", self.document.as_ref().map(|v| json!(v)));
        set("discrepancy", self.discrepancy.as_ref().map(|v| json!(v)));
        set("reason", self.reason.as_ref().map(|v| json!(v)));
        set("seq", self.seq.map(|v| json!(v)));
        set("grade", self.grade.as_ref().map(|v| json!(v)));
        set("component", self.component.as_ref().map(|v| json!(v)));
        set("operation", self.operation.as_ref().map(|v| json!(v)));
        set("country", self.country.as_ref().map(|v| json!(v)));
        set("basel_entry", self.basel_entry.as_ref().map(|v| json!(v)));
        set("notification", self.notification.as_ref().map(|v| json!(v)));
        set("description", self.description.as_ref().map(|v| json!(v)));
        set(
            "parts_replaced",
            (!self.parts.is_empty()).then(|| json!(self.parts)),
        );
        set(
            "components",
            (!self.removed.is_empty())
                .then(|| masses(&self.removed, "component"))
                .transpose()?
                .map(Value::Array),
        );
        set(
            "fractions",
            (!self.fractions.is_empty())
                .then(|| masses(&self.fractions, "material"))
                .transpose()?
                .map(Value::Array),
        );
        Ok(Value::Object(data))
    }
}

/// The kinds `event` records: every kind about a product but `registered` (`product
/// register`); lots and containers have their own commands (`lot`, `container`).
fn event_kinds() -> Vec<Kind> {
    Kind::ALL
        .iter()
        .copied()
        .filter(|k| k.subject_kinds().contains(&SubjectKind::Product) && *k != Kind::Registered)
        .collect()
}

/// The kind `typed` names, or a usage error that names the nearest kind and lists them all.
fn event_kind(typed: &str) -> Result<Kind, CliError> {
    let kinds = event_kinds();
    if let Some(kind) = Kind::parse(typed).filter(|k| kinds.contains(k)) {
        return Ok(kind);
    }
    let listed = crate::domain::wording::or_list(&kinds);
    Err(CliError::Usage(match Kind::parse(typed) {
        Some(Kind::Registered) => {
            "`registered` is recorded with `product register`, not `event`".to_string()
        }
        Some(kind) => format!("`{kind}` is not a product event; kinds: {listed}"),
        None => {
            let names = kinds.iter().map(|k| k.as_str());
            let hint = crate::domain::wording::nearest(typed, names)
                .map_or(String::new(), |near| format!("did you mean `{near}`? "));
            format!("unknown kind `{typed}`; {hint}kinds: {listed}")
        }
    }))
}

pub fn event(args: EventArgs) -> anyhow::Result<()> {
    let kind = event_kind(&args.kind)?;
    let product = ProductRef::parse(&args.product)
        .map_err(|e| CliError::Usage(format!("--product: {e}")))?
        .product_id();
    let client = Client::new(&args.client)?;
    let actor = client.whoami()?;
    let data = args.data()?;
    let occurred_at = args.at.clone().unwrap_or_else(now);
    let mut draft = Draft {
        id: Uuid::new_v4(),
        kind,
        actor,
        occurred_at,
        city: Some(args.city.clone()),
        product: Some(product),
        prev: Some(client.product_head(&product)?),
        data,
    };
    let receipt = match client.submit(&draft) {
        // Someone recorded first: re-read the head and try once more with a new event id.
        Err(error)
            if error
                .downcast_ref::<CliError>()
                .is_some_and(|e| e.is_problem("stale-prev")) =>
        {
            draft.prev = Some(client.product_head(&product)?);
            draft.id = Uuid::new_v4();
            client.submit(&draft)?
        }
        other => other?,
    };
    print_receipt(&draft, receipt, args.json)
}

/// The event id on stdout, so that `EVENT_ID=$(ewaste-ledger event …)` keeps it, and what a
/// person needs on stderr: the kind, the entry's seq and the start of its leaf hash.
fn print_receipt(draft: &Draft, mut receipt: Value, json: bool) -> anyhow::Result<()> {
    if json {
        receipt["event_id"] = json!(draft.id);
        println!("{receipt}");
        return Ok(());
    }
    eprintln!(
        "recorded {} as {}",
        draft.kind.as_str(),
        receipt_line(&receipt)
    );
    println!("{}", draft.id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{event_kind, EventArgs};
    use clap::Parser;
    use serde_json::json;

    #[derive(Parser)]
    struct Command {
        #[command(flatten)]
        args: EventArgs,
    }

    fn data_of(flags: &[&str]) -> serde_json::Value {
        let mut argv = vec!["event", "--product", "x", "--city", "DEBER"];
        argv.extend_from_slice(flags);
        Command::parse_from(argv).args.data().expect("data")
    }

    /// The answers to a hand-over and a correction are recorded with the generic command.
    #[test]
    fn the_answers_to_a_hand_over_and_a_correction_have_their_data() {
        assert_eq!(
            data_of(&[
                "received",
                "--weight-g",
                "180",
                "--discrepancy",
                "scratched"
            ]),
            json!({"weight_g": 180, "discrepancy": "scratched"})
        );
        assert_eq!(
            data_of(&["receipt_refused", "--reason", "not announced"]),
            json!({"reason": "not announced"})
        );
        assert_eq!(
            data_of(&["error_declared", "--seq", "12", "--reason", "wrong item"]),
            json!({"seq": 12, "reason": "wrong item"})
        );
    }

    #[test]
    fn a_kind_typo_names_the_nearest_kind() {
        let message = event_kind("colected").unwrap_err().to_string();
        assert!(
            message.starts_with(
                "unknown kind `colected`; did you mean `collected`? kinds: `placed_on_market`, "
            ),
            "{message}"
        );
        for kind in ["`exported`", "`received`", "`receipt_refused`"] {
            assert!(message.contains(kind), "{message}");
        }
        assert!(message.ends_with(" or `error_declared`"), "{message}");
        let message = event_kind("banana").unwrap_err().to_string();
        assert!(!message.contains("did you mean"), "{message}");
        assert!(event_kind("registered")
            .unwrap_err()
            .to_string()
            .contains("product register"));
        assert!(event_kind("city_registered").is_err());
        assert!(event_kind("collected").is_ok());
        assert!(event_kind("received").is_ok());
        assert!(event_kind("lot_collected").is_err());
    }
}
