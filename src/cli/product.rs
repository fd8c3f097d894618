//! `product register` and `product import FILE.csv`. An import is checked completely before
//! anything is sent (every bad row reported by line number), then sent as all-or-nothing
//! batches, so a refused row leaves nothing of its batch recorded.

use super::client::{now, receipt_line, Client};
use super::{CliError, ClientArgs};
use crate::domain::draft::Draft;
use crate::domain::event::parse_signed_event;
use crate::domain::gtin::Gtin14;
use crate::domain::identifiers;
use crate::domain::kinds::Kind;
use crate::domain::serial::Serial;
use clap::{Args, Subcommand};
use indicatif::ProgressBar;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use uuid::Uuid;

/// Rows per all-or-nothing request: the server's batch limit.
const ROWS_PER_REQUEST: usize = 10_000;

#[derive(Args, Debug, Clone, Default)]
pub struct ProductFields {
    /// GTIN-8/12/13/14 (with its check digit).
    #[arg(long)]
    gtin: Option<String>,
    /// Serial number (GS1 AI 21), with --gtin.
    #[arg(long)]
    serial: Option<String>,
    /// UNU-KEY category, e.g. 0303 for laptops.
    #[arg(long)]
    unu_key: String,
    /// Declared weight in grams.
    #[arg(long)]
    weight_g: u64,
    #[arg(long)]
    brand: Option<String>,
    #[arg(long)]
    model: Option<String>,
    /// YYYY-MM-DD.
    #[arg(long)]
    manufactured_on: Option<String>,
    /// Hazardous component, e.g. battery:li-ion; repeatable.
    #[arg(long = "hazard")]
    hazards: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum ProductCommand {
    /// Register one product.
    Register {
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        fields: ProductFields,
        /// Where it was registered (UN/LOCODE).
        #[arg(long)]
        city: String,
        /// An unlabelled item registered at intake by a collector or recycler.
        #[arg(long)]
        intake: bool,
    },
    /// Register every product of a CSV file: columns gtin, serial, unu_key, weight_g and
    /// optionally brand, model, manufactured_on, hazards (separated by `;`), city.
    Import {
        #[command(flatten)]
        client: ClientArgs,
        file: PathBuf,
        /// City for rows without a `city` column.
        #[arg(long)]
        city: Option<String>,
    },
}

impl ProductFields {
    /// The label of a labelled product under the resolver `base`; the id is derived from GTIN
    /// and serial, so labels can be printed before the products are registered.
    ///
    /// Public (with [`row_fields`]) so that the CSV fuzz target can call it.
    pub fn label(&self, base: &str) -> Result<crate::labels::Label, String> {
        let (Some(gtin), Some(serial)) = (&self.gtin, &self.serial) else {
            return Err(
                "a label needs gtin and serial (an unlabelled item gets its label \
                        from the server once registered)"
                    .into(),
            );
        };
        let gtin = Gtin14::parse(gtin).map_err(|e| e.to_string())?;
        let serial_value = Serial::parse(serial).map_err(|e| e.to_string())?;
        let id = identifiers::product_id(&gtin, &serial_value);
        Ok(crate::labels::Label::product(
            format!(
                "{base}{}",
                identifiers::digital_link_path(&gtin, &serial_value)
            ),
            self.brand.as_deref(),
            self.model.as_deref(),
            Some(serial),
            &id,
        ))
    }

    /// Every hazard is in the vocabulary (`reference/hazards.csv`); a typo names the nearest.
    pub fn check_hazards(&self) -> Result<(), String> {
        for hazard in &self.hazards {
            crate::domain::data_fields::hazard("hazards", hazard).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The product id (derived from GTIN and serial when labelled) and the `registered` data.
    fn to_data(&self, intake: bool) -> Result<(Uuid, Value), String> {
        self.check_hazards()?;
        let mut data = json!({ "unu_key": self.unu_key, "weight_g": self.weight_g });
        let id = match (&self.gtin, &self.serial) {
            (Some(gtin), Some(serial)) => {
                let gtin14 = Gtin14::parse(gtin).map_err(|e| e.to_string())?;
                let serial_value = Serial::parse(serial).map_err(|e| e.to_string())?;
                data["gtin"] = json!(gtin);
                data["serial"] = json!(serial);
                identifiers::product_id(&gtin14, &serial_value)
            }
            (None, None) => Uuid::new_v4(),
            _ => return Err("give both gtin and serial, or neither".into()),
        };
        for (name, value) in [
            ("brand", &self.brand),
            ("model", &self.model),
            ("manufactured_on", &self.manufactured_on),
        ] {
            if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
                data[name] = json!(value);
            }
        }
        if !self.hazards.is_empty() {
            data["hazards"] = json!(self.hazards);
        }
        if intake {
            data["intake"] = json!(true);
        }
        Ok((id, data))
    }
}

fn registered_draft(
    actor: Uuid,
    city: &str,
    fields: &ProductFields,
    intake: bool,
) -> Result<Draft, String> {
    let (product, data) = fields.to_data(intake)?;
    Ok(Draft {
        id: Uuid::new_v4(),
        kind: Kind::Registered,
        actor,
        occurred_at: now(),
        city: Some(city.to_string()),
        product: Some(product),
        prev: None,
        data,
    })
}

pub fn product(command: ProductCommand) -> anyhow::Result<()> {
    match command {
        ProductCommand::Register {
            client,
            fields,
            city,
            intake,
        } => {
            // Checked before the server is asked: a typo is a usage error wherever it is made.
            fields.check_hazards().map_err(CliError::Usage)?;
            let client = Client::new(&client)?;
            let draft = registered_draft(client.whoami()?, &city, &fields, intake)
                .map_err(CliError::Usage)?;
            let receipt = client.submit(&draft)?;
            let id = draft.product.unwrap_or_default();
            let view = client.get(&format!("/v1/products/{id}"))?;
            eprintln!("registered as {}", receipt_line(&receipt));
            println!("{id} {}", view["uri"].as_str().unwrap_or_default());
            Ok(())
        }
        ProductCommand::Import { client, file, city } => import(&client, &file, city.as_deref()),
    }
}

/// One CSV row, by header name: the pure part of reading a product CSV (`product import`,
/// `label --import`). The caller adds the row's line number to an error. Public so that the
/// CSV fuzz target (`fuzz/fuzz_targets/csv_import.rs`) can call it.
pub fn row_fields(
    headers: &csv::StringRecord,
    record: &csv::StringRecord,
) -> Result<(ProductFields, Option<String>), String> {
    let mut fields = ProductFields::default();
    let mut city = None;
    for (name, value) in headers.iter().zip(record.iter()) {
        let value = value.trim();
        let text = || (!value.is_empty()).then(|| value.to_string());
        match name.trim() {
            "gtin" => fields.gtin = text(),
            "serial" => fields.serial = text(),
            "unu_key" => fields.unu_key = value.to_string(),
            "weight_g" => {
                fields.weight_g = value
                    .parse()
                    .map_err(|_| format!("weight_g `{value}` is not a whole number of grams"))?
            }
            "brand" => fields.brand = text(),
            "model" => fields.model = text(),
            "manufactured_on" => fields.manufactured_on = text(),
            "hazards" => {
                fields.hazards = value
                    .split(';')
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                    .map(String::from)
                    .collect()
            }
            "city" => city = text(),
            other => return Err(format!("unknown column `{other}`")),
        }
    }
    Ok((fields, city))
}

fn import(
    args: &ClientArgs,
    file: &std::path::Path,
    default_city: Option<&str>,
) -> anyhow::Result<()> {
    // The file first: a file that cannot be read is a usage error whether or not the server
    // answers.
    let mut reader = super::open_csv(file)?;
    let headers = reader
        .headers()
        .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?
        .clone();
    for required in ["unu_key", "weight_g"] {
        if !headers.iter().any(|h| h.trim() == required) {
            return Err(CliError::Usage(format!(
                "{}: the header has no `{required}` column",
                file.display()
            ))
            .into());
        }
    }

    let client = Client::new(args)?;
    let actor = client.whoami()?;

    // 1. Check and sign every row locally; report all bad rows by line number.
    let mut envelopes = Vec::new();
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<Uuid, u64> = HashMap::new();
    // A malformed CSV (unbalanced quotes, ragged rows) stops here, with csv's line number.
    let records = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
    let progress = bar(records.len() as u64, "checking and signing");
    for record in records {
        let line = record.position().map_or(0, |p| p.line());
        let outcome = row_fields(&headers, &record).and_then(|(fields, city)| {
            let city = city
                .or(default_city.map(String::from))
                .ok_or("no city: add a `city` column or --city")?;
            let draft = registered_draft(actor, &city, &fields, false)?;
            let envelope = draft.sign(&client.key).map_err(|e| e.to_string())?;
            parse_signed_event(&envelope).map_err(|e| e.to_string())?;
            let product = draft.product.unwrap_or_default();
            if let Some(first) = seen.insert(product, line) {
                return Err(format!("the same product as line {first}"));
            }
            Ok(envelope)
        });
        match outcome {
            Ok(envelope) => {
                envelopes.push(envelope);
                lines.push(line);
            }
            Err(reason) => errors.push(format!("line {line}: {reason}")),
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    if !errors.is_empty() {
        for error in &errors {
            eprintln!("{}: {error}", file.display());
        }
        let rows = if errors.len() == 1 { "row" } else { "rows" };
        return Err(
            CliError::Usage(format!("{} bad {rows}; nothing was sent", errors.len())).into(),
        );
    }
    if envelopes.is_empty() {
        return Err(CliError::Usage(format!("{} has no rows", file.display())).into());
    }

    // 2. Send all-or-nothing batches.
    let progress = bar(envelopes.len() as u64, "registering");
    let mut recorded = 0usize;
    for (chunk, chunk_lines) in envelopes
        .chunks(ROWS_PER_REQUEST)
        .zip(lines.chunks(ROWS_PER_REQUEST))
    {
        let answers = client.post(
            "/v1/events/batch?atomic=true",
            &Value::Array(chunk.to_vec()),
        )?;
        let refused: Vec<String> = answers
            .as_array()
            .into_iter()
            .flatten()
            .zip(chunk_lines)
            .filter(|(answer, _)| answer.get("type").is_some() && !super::stats::is_aborted(answer))
            .map(|(answer, line)| {
                format!(
                    "line {line}: {}",
                    answer["detail"].as_str().unwrap_or("refused")
                )
            })
            .collect();
        if !refused.is_empty() {
            progress.abandon();
            for reason in &refused {
                eprintln!("{}: {reason}", file.display());
            }
            let note = if recorded == 0 {
                "nothing of the file was recorded".to_string()
            } else {
                format!("the first {recorded} rows were recorded in earlier all-or-nothing batches; fix the file and import the rest")
            };
            let rows = if refused.len() == 1 { "row" } else { "rows" };
            return Err(
                CliError::Refused(format!("{} {rows} refused; {note}", refused.len())).into(),
            );
        }
        recorded += chunk.len();
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    println!("{recorded} products registered from {}", file.display());
    Ok(())
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
fn bar(len: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(super::progress::style(
        "{msg} {bar:40} {pos}/{len} ({rate})",
    ));
    bar.set_message(message);
    bar
}
