//! `label`: one product's label from the server, or printable A4 sheets for a CSV import.

use super::http_client::fetch;
use super::product::row_fields;
use super::CliError;
use crate::domain::wording::count;
use crate::labels::{self, SheetLayout};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct LabelArgs {
    #[arg(long, env = "EWASTE_SERVER", default_value = "http://127.0.0.1:8080", value_parser = crate::cli::server_url)]
    server: String,
    /// The product (UUID or label URI) whose label to fetch.
    #[arg(long, conflicts_with = "import", required_unless_present = "import")]
    product: Option<String>,
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
    match (&args.product, &args.import) {
        (Some(product), _) => {
            if format != "svg" && format != "png" {
                return Err(CliError::Usage("--out must end in .svg or .png".into()).into());
            }
            let id = crate::domain::identifiers::ProductRef::parse(product)
                .map_err(|e| CliError::Usage(format!("--product: {e}")))?
                .product_id();
            let mut body = fetch(&args.server, &format!("/v1/products/{id}/label.{format}"))?;
            let bytes = body.with_config().limit(16 << 20).read_to_vec()?;
            std::fs::write(&args.out, bytes)?;
            eprintln!("label written to {}", args.out.display());
            Ok(())
        }
        (None, Some(csv)) => sheet(
            csv,
            args.base.as_deref().unwrap_or(&args.server),
            &args.out,
            &format,
        ),
        (None, None) => Err(CliError::Usage("give --product or --import".into()).into()),
    }
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
    let layout = SheetLayout::A4;
    match format {
        "pdf" => std::fs::write(out, labels::sheet_pdf(&labels, &layout)?)?,
        "svg" => {
            let pages = labels::sheet_svg(&labels, &layout)?;
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
