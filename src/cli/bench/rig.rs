//! The benches' rig: a ledger server started in this process on loopback (on a fresh SQLite
//! file in the bench's directory, or on the database given), and the city and manufacturer
//! that the benches register through its API before any clock starts.

use crate::cli::client::Client;
use crate::cli::http_client::fetch_text;
use crate::cli::serve::{run_server, ServeArgs};
use crate::domain::event::format_timestamp;
use crate::domain::kinds::Kind;
use ed25519_dalek::SigningKey;
use serde_json::json;
use std::net::SocketAddr;
use std::time::Duration;
use uuid::Uuid;

pub(super) struct Server {
    pub(super) url: String,
    pub(super) address: SocketAddr,
}

pub(super) fn start_server(
    dir: &std::path::Path,
    database_url: Option<String>,
) -> anyhow::Result<Server> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let args = ServeArgs {
        bind: Some(address),
        data_dir: Some(dir.join("data")),
        database_url,
        ..ServeArgs::default()
    };
    let config = args.config()?;
    std::thread::spawn(move || {
        if let Err(error) =
            actix_web::rt::System::new().block_on(run_server(config, listener, None))
        {
            eprintln!("bench server failed: {error:#}");
        }
    });
    let server = Server {
        url: format!("http://{address}"),
        address,
    };
    for _ in 0..200 {
        if fetch_text(&server.url, "/healthz").is_ok() {
            return Ok(server);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    anyhow::bail!("the bench server did not start")
}

/// A manufacturer and a city, registered through the API with the bootstrap admin key.
pub(super) struct Setup {
    pub(super) maker: SigningKey,
    pub(super) maker_id: Uuid,
}

impl Setup {
    pub(super) fn new(server: &Server, dir: &std::path::Path) -> anyhow::Result<Setup> {
        let admin = Client::with_key(
            &server.url,
            crate::key_files::read_pem(&dir.join("data/admin-key.pem"))?,
        );
        admin.registry_event(
            Kind::CityRegistered,
            json!({"locode": "DEBER", "name": "Berlin", "country": "DE", "population": 3_850_000, "population_year": 2024}),
        )?;
        let maker = SigningKey::from_bytes(&[9; 32]);
        let maker_id = Uuid::new_v4();
        // Registered a day back: its events, dated a minute before signing, may not precede it.
        admin.registry_event_at(
            Kind::ActorRegistered,
            json!({"actor": maker_id, "org": "Bench Devices", "name": "line 1", "roles": ["manufacturer", "retailer"],
                   "public_key": crate::key_files::public_key_base64(&maker)}),
            &format_timestamp(chrono::Utc::now() - chrono::Duration::days(1)),
        )?;
        Ok(Setup { maker, maker_id })
    }
}
