//! `actor add|rotate|revoke`: registry events of actors and their keys, signed by an admin.

use super::client::{receipt_line, Client};
use super::{CliError, ClientArgs};
use crate::domain::kinds::Kind;
use clap::{Args, Subcommand};
use serde_json::json;
use std::path::PathBuf;
use uuid::Uuid;

/// The new key of an actor: base64 text or a PEM private key file.
#[derive(Args, Debug)]
pub struct PublicKeyArg {
    /// Public key, base64 of the 32 raw bytes.
    #[arg(
        long,
        allow_hyphen_values = true,
        conflicts_with = "key_file",
        required_unless_present = "key_file"
    )]
    public_key: Option<String>,
    /// Take the public key from this PKCS#8 PEM private key (e.g. one made by `keygen`).
    #[arg(long, allow_hyphen_values = true)]
    key_file: Option<PathBuf>,
}

impl PublicKeyArg {
    fn base64(&self) -> anyhow::Result<String> {
        match (&self.public_key, &self.key_file) {
            (Some(text), _) => super::key_args::public_key_base64("--public-key", text),
            (None, Some(path)) => Ok(crate::key_files::public_key_base64(
                &crate::key_files::read_pem(path)?,
            )),
            (None, None) => Err(CliError::Usage("give --public-key or --key-file".into()).into()),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum ActorCommand {
    /// Register an actor.
    Add {
        #[command(flatten)]
        client: ClientArgs,
        /// Organisation name.
        #[arg(long)]
        org: String,
        /// Name of the device, system or person.
        #[arg(long)]
        name: String,
        /// Comma-separated roles: admin, manufacturer, retailer, repairer, collector, recycler, regulator.
        #[arg(long, value_delimiter = ',', required = true)]
        roles: Vec<String>,
        #[command(flatten)]
        key: PublicKeyArg,
        /// Home city (UN/LOCODE).
        #[arg(long)]
        city: Option<String>,
        /// The new actor's id (default: a random UUID).
        #[arg(long)]
        id: Option<Uuid>,
        /// A GS1 company prefix licensed to the organisation (6 to 12 digits); repeat for
        /// several. GTINs under it can then be registered by this actor only.
        #[arg(long = "gs1-prefix", value_name = "PREFIX")]
        gs1_prefixes: Vec<String>,
        /// When the actor joined (RFC 3339 UTC; default now). An organisation that brings its
        /// history is registered as of its first event: nothing it signs may be dated earlier.
        #[arg(long)]
        at: Option<String>,
    },
    /// Give an actor a new key; the old one stops working.
    Rotate {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long)]
        actor: Uuid,
        #[command(flatten)]
        key: PublicKeyArg,
    },
    /// Revoke an actor for good.
    Revoke {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long)]
        actor: Uuid,
        #[arg(long)]
        reason: Option<String>,
    },
}

pub fn actor(command: ActorCommand) -> anyhow::Result<()> {
    match command {
        ActorCommand::Add {
            client,
            org,
            name,
            roles,
            key,
            city,
            id,
            gs1_prefixes,
            at,
        } => {
            let public_key = key.base64()?;
            let client = Client::new(&client)?;
            let id = id.unwrap_or_else(Uuid::new_v4);
            let mut data = json!({
                "actor": id, "org": org, "name": name, "roles": roles, "public_key": public_key,
            });
            if let Some(city) = city {
                data["city"] = json!(city);
            }
            if !gs1_prefixes.is_empty() {
                data["gs1_company_prefixes"] = json!(gs1_prefixes);
            }
            let receipt = match at {
                Some(at) => client.registry_event_at(Kind::ActorRegistered, data, &at)?,
                None => client.registry_event(Kind::ActorRegistered, data)?,
            };
            eprintln!("actor {id} registered as {}", receipt_line(&receipt));
            println!("{id}");
            Ok(())
        }
        ActorCommand::Rotate { client, actor, key } => {
            let public_key = key.base64()?;
            let client = Client::new(&client)?;
            let data = json!({ "actor": actor, "public_key": public_key });
            let receipt = client.registry_event(Kind::ActorKeyRotated, data)?;
            eprintln!("key of actor {actor} rotated as {}", receipt_line(&receipt));
            Ok(())
        }
        ActorCommand::Revoke {
            client,
            actor,
            reason,
        } => {
            let client = Client::new(&client)?;
            let mut data = json!({ "actor": actor });
            if let Some(reason) = reason {
                data["reason"] = json!(reason);
            }
            let receipt = client.registry_event(Kind::ActorRevoked, data)?;
            eprintln!("actor {actor} revoked as {}", receipt_line(&receipt));
            Ok(())
        }
    }
}
