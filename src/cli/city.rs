//! `city add`: a city's registry event, signed by an admin.

use super::client::{receipt_line, Client};
use super::ClientArgs;
use crate::domain::kinds::Kind;
use clap::Subcommand;
use serde_json::json;

#[derive(Subcommand, Debug)]
pub enum CityCommand {
    /// Register a city.
    Add {
        #[command(flatten)]
        client: ClientArgs,
        /// UN/LOCODE without the space, e.g. DEBER.
        #[arg(long)]
        locode: String,
        #[arg(long)]
        name: String,
        /// ISO 3166-1 alpha-2 (default: the LOCODE's first two letters).
        #[arg(long)]
        country: Option<String>,
        #[arg(long)]
        population: u64,
        #[arg(long)]
        population_year: u16,
    },
}

pub fn city(command: CityCommand) -> anyhow::Result<()> {
    let CityCommand::Add {
        client,
        locode,
        name,
        country,
        population,
        population_year,
    } = command;
    let client = Client::new(&client)?;
    let country = country.unwrap_or_else(|| locode.chars().take(2).collect());
    let data = json!({
        "locode": locode, "name": name, "country": country,
        "population": population, "population_year": population_year,
    });
    let receipt = client.registry_event(Kind::CityRegistered, data)?;
    eprintln!("city {locode} registered as {}", receipt_line(&receipt));
    Ok(())
}
