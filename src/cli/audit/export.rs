//! `audit export`: the whole log downloaded into one file, either the export `audit verify`
//! checks (`--format ledger`, streamed as the server writes it) or one EPCIS 2.0
//! `EPCISDocument` (`--format epcis`), read page by page from the query interface (following
//! its `Link: rel="next"`) and written as it comes, so memory stays flat however long the log.
//! Only a complete download gets the requested name.

use crate::cli::http_client::{agent, fetch};
use crate::cli::CliError;
use crate::domain::epcis::document_context;
use crate::domain::event::format_timestamp;
use anyhow::Context;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ExportFormat {
    Ledger,
    Epcis,
}

/// Runs `audit export`.
pub fn run(server: &str, out: &Path, format: ExportFormat) -> anyhow::Result<()> {
    match format {
        ExportFormat::Ledger => {
            let bytes = export_ledger(server, out)?;
            eprintln!("export written to {} ({bytes} bytes)", out.display());
        }
        ExportFormat::Epcis => {
            let events = export_epcis(server, out)?;
            eprintln!(
                "EPCIS document with {events} events written to {}",
                out.display()
            );
        }
    }
    Ok(())
}

/// Downloads the server's export to `out`; returns its size in bytes.
pub fn export_ledger(server: &str, out: &Path) -> anyhow::Result<u64> {
    let mut body = fetch(server, "/v1/log/export")?;
    let partial = out.with_extension("partial");
    let mut file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let bytes = std::io::copy(&mut body.with_config().limit(u64::MAX).reader(), &mut file)
        .context("the export download stopped")?;
    file.sync_all()?;
    // Only a complete download gets the requested name.
    std::fs::rename(&partial, out)?;
    Ok(bytes)
}

/// Writes the EPCIS document to `out`; answers the number of events.
fn export_epcis(server: &str, out: &Path) -> anyhow::Result<u64> {
    let base = server.trim_end_matches('/');
    let partial = out.with_extension("partial");
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(&partial)
            .with_context(|| format!("cannot create {}", partial.display()))?,
    );
    // The envelope without its body, then the body's event list, left open.
    let head = json!({
        "@context": document_context(base),
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": format_timestamp(chrono::Utc::now()),
    })
    .to_string();
    let open = head
        .strip_suffix('}')
        .context("the document envelope is not an object")?;
    file.write_all(open.as_bytes())?;
    file.write_all(b",\"epcisBody\":{\"eventList\":[")?;
    let mut url = format!("{base}/epcis/events?perPage=1000");
    let mut count = 0u64;
    loop {
        let mut response = agent()
            .get(&url)
            .call()
            .map_err(|e| CliError::Unavailable(format!("GET {url}: {e}")))?;
        if !response.status().is_success() {
            return Err(CliError::Unavailable(format!("GET {url}: {}", response.status())).into());
        }
        let next = response
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(|link| link.strip_prefix('<'))
            .and_then(|link| link.split_once('>'))
            .map(|(next, _)| next.to_string());
        let page: Value = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_json()?;
        let events = page["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            .as_array()
            .context("a query page without an event list")?;
        for event in events {
            if count > 0 {
                file.write_all(b",")?;
            }
            serde_json::to_writer(&mut file, event)?;
            count += 1;
        }
        match next {
            Some(next) => url = next,
            None => break,
        }
    }
    file.write_all(b"]}}")?;
    file.flush()?;
    file.get_ref().sync_all()?;
    std::fs::rename(&partial, out)?;
    Ok(count)
}
