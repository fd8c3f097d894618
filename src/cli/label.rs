//! `label`: one product's, lot's or container's label from the server, or printable A4 sheets
//! for a CSV import or a list of containers.

use super::http_client::{fetch, fetch_json};
use super::product::row_fields;
use super::CliError;
use crate::domain::kinds::SubjectKind;
use crate::domain::sscc::Sscc;
use crate::domain::subject_uri::parse_subject;
use crate::domain::wording::count;
use crate::labels::{self, SheetLayout};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("what").required(true)
    .args(["product", "lot", "container", "import", "containers"])))]
pub struct LabelArgs {
    #[arg(long, env = "EWASTE_SERVER", default_value = "http://127.0.0.1:8080", value_parser = crate::cli::server_url)]
    server: String,
    /// The product (UUID or label URI) whose label to fetch.
    #[arg(long)]
    product: Option<String>,
    /// The lot (UUID or label URI `…/l/{id}`) whose label to fetch.
    #[arg(long)]
    lot: Option<String>,
    /// The container (UUID or label URI `…/c/{id}` or `…/00/{sscc}`) whose label to fetch.
    #[arg(long)]
    container: Option<String>,
    /// A text file with one container (UUID or label URI) per line: print a sheet of their
    /// labels, read from the server (blank lines and lines starting with `#` are skipped).
    #[arg(long)]
    containers: Option<PathBuf>,
    /// A product CSV (as for `product import`): print a sheet of all its labels.
    #[arg(long)]
    import: Option<PathBuf>,
    /// The resolver base of the label URIs, for sheets (default: --server).
    #[arg(long)]
    base: Option<String>,
    /// Where to write: .svg or .png for one label, .pdf or .svg for sheets.
    #[arg(long)]
    out: PathBuf,
}

fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

pub fn label(args: LabelArgs) -> anyhow::Result<()> {
    let format = extension(&args.out);
    if let Some(csv) = &args.import {
        return sheet(
            csv,
            args.base.as_deref().unwrap_or(&args.server),
            &args.out,
            &format,
        );
    }
    if let Some(list) = &args.containers {
        let labels = container_labels(&args.server, list)?;
        return write_sheet(&labels, &args.out, &format);
    }
    let path = match (&args.product, &args.lot, &args.container) {
        (Some(product), _, _) => {
            let id = crate::domain::identifiers::ProductRef::parse(product)
                .map_err(|e| CliError::Usage(format!("--product: {e}")))?
                .product_id();
            format!("/v1/products/{id}")
        }
        (None, Some(lot), _) => {
            let id = subject_id("--lot", lot, SubjectKind::Lot)?;
            format!("/v1/lots/{id}")
        }
        (None, None, Some(container)) => {
            let id = subject_id("--container", container, SubjectKind::Container)?;
            format!("/v1/containers/{id}")
        }
        (None, None, None) => {
            return Err(CliError::Usage(
                "give --product, --lot, --container, --import or --containers".into(),
            )
            .into())
        }
    };
    if format != "svg" && format != "png" {
        return Err(CliError::Usage("--out must end in .svg or .png".into()).into());
    }
    let mut body = fetch(&args.server, &format!("{path}/label.{format}"))?;
    let bytes = body.with_config().limit(16 << 20).read_to_vec()?;
    std::fs::write(&args.out, bytes)?;
    eprintln!("label written to {}", args.out.display());
    Ok(())
}

/// The id of a lot or a container given by UUID or label URI; another kind is a usage error.
fn subject_id(flag: &str, text: &str, kind: SubjectKind) -> anyhow::Result<uuid::Uuid> {
    let found = parse_subject(text, kind).map_err(|e| CliError::Usage(format!("{flag}: {e}")))?;
    if found.kind != kind {
        return Err(CliError::Usage(format!(
            "{flag}: `{text}` names a {}, not a {kind}",
            found.kind
        ))
        .into());
    }
    Ok(found.id)
}

/// The labels of the containers listed in `list`, one per line, as the server knows them.
fn container_labels(server: &str, list: &Path) -> anyhow::Result<Vec<labels::Label>> {
    let text = std::fs::read_to_string(list)
        .map_err(|e| CliError::Usage(format!("{}: {e}", list.display())))?;
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match subject_id("--containers", line, SubjectKind::Container) {
            Ok(id) => found.push(id),
            Err(e) => errors.push(format!("line {}: {e}", n + 1)),
        }
    }
    if !errors.is_empty() {
        return Err(CliError::Usage(format!("{}:\n{}", list.display(), errors.join("\n"))).into());
    }
    if found.is_empty() {
        return Err(CliError::Usage(format!("{} lists no container", list.display())).into());
    }
    found
        .iter()
        .map(|id| {
            let view = fetch_json(server, &format!("/v1/containers/{id}"))?;
            let uri = view["uri"].as_str().unwrap_or_default().to_string();
            let sscc = view["sscc"].as_str().and_then(|s| Sscc::parse(s).ok());
            Ok(labels::Label::container(uri, sscc.as_ref(), id))
        })
        .collect()
}

fn sheet(csv: &Path, base: &str, out: &Path, format: &str) -> anyhow::Result<()> {
    let base = base.trim_end_matches('/');
    let mut reader = super::open_csv(csv)?;
    let headers = reader
        .headers()
        .map_err(|e| CliError::Usage(format!("{}: {e}", csv.display())))?
        .clone();
    let mut labels = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| CliError::Usage(format!("{}: {e}", csv.display())))?;
        let line = record.position().map_or(0, |p| p.line());
        let label = row_fields(&headers, &record).and_then(|(fields, _)| {
            fields.check_hazards()?;
            fields.label(base)
        });
        match label {
            Ok(label) => labels.push(label),
            Err(reason) => errors.push(format!("line {line}: {reason}")),
        }
    }
    if !errors.is_empty() {
        return Err(CliError::Usage(format!("{}:\n{}", csv.display(), errors.join("\n"))).into());
    }
    write_sheet(&labels, out, format)
}

/// Writes `labels` as A4 sheets: one PDF, or one SVG per page.
fn write_sheet(labels: &[labels::Label], out: &Path, format: &str) -> anyhow::Result<()> {
    let layout = SheetLayout::A4;
    match format {
        "pdf" => std::fs::write(out, labels::sheet_pdf(labels, &layout)?)?,
        "svg" => {
            let pages = labels::sheet_svg(labels, &layout)?;
            let many = pages.len() > 1;
            for (n, page) in pages.iter().enumerate() {
                let path = if many {
                    let stem = out.file_stem().and_then(|s| s.to_str()).unwrap_or("sheet");
                    out.with_file_name(format!("{stem}-{}.svg", n + 1))
                } else {
                    out.to_path_buf()
                };
                std::fs::write(&path, page)?;
            }
        }
        _ => {
            return Err(CliError::Usage("--out must end in .pdf or .svg for sheets".into()).into())
        }
    }
    eprintln!(
        "{} on {} written to {}",
        count(labels.len() as u64, "label", "labels"),
        count(
            labels.len().div_ceil(layout.per_page()) as u64,
            "A4 page",
            "A4 pages"
        ),
        out.display()
    );
    Ok(())
}
