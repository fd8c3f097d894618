//! `ewaste-ledger label` with the real binary: one label from the server, and A4 sheets for a
//! CSV import as PDF and SVG.

use crate::db::{db_test, TestDb};
use crate::labels::decode_png;
use crate::process::{cli, database_url, post, registered, setup, start};

db_test! {
    async fn label_command_writes_labels_and_sheets(db: TestDb) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
        let server = start(&dir.path().join("data"), &database_url(&db.target));
        let (maker, maker_id) = setup(&server);
        let envelope = registered(&maker, maker_id, "CLI-LBL-1");
        assert_eq!(post(&format!("{}/v1/events", server.url), &envelope).0, 201);
        let product = envelope["event"]["product"].as_str().expect("id").to_string();

        let out = cli(&["label", "--server", &server.url, "--product", &product, "--out", &path("one.png")]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let uri = decode_png(&std::fs::read(path("one.png")).expect("png"));
        assert_eq!(uri, format!("{}/01/09506000134352/21/CLI-LBL-1", server.url));

        let mut csv = String::from("gtin,serial,unu_key,weight_g,brand,model\n");
        for n in 0..23 {
            csv.push_str(&format!("09506000134352,SHEET{n:03},0303,1160,Acme,Book {n}\n"));
        }
        std::fs::write(path("units.csv"), &csv).expect("csv");
        let base = "https://id.example.org";
        let out = cli(&["label", "--import", &path("units.csv"), "--base", base, "--out", &path("sheet.pdf")]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let pdf = std::fs::read(path("sheet.pdf")).expect("pdf");
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(String::from_utf8_lossy(&pdf).contains("/Count 2"));
        assert!(String::from_utf8_lossy(&pdf).contains("(S/N SHEET022) Tj"));

        let out = cli(&["label", "--import", &path("units.csv"), "--base", base, "--out", &path("sheet.svg")]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let second = std::fs::read_to_string(path("sheet-2.svg")).expect("second page");
        assert!(second.contains("S/N SHEET022"));

        std::fs::write(path("bad.csv"), "gtin,serial,unu_key,weight_g\n09506000134352,,0303,1160\n").expect("csv");
        let out = cli(&["label", "--import", &path("bad.csv"), "--out", &path("bad.pdf")]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));
    }
}

/// `label --lot` and `--container` take a UUID or a label URI of their own kind; a URI of
/// another kind, or a container list naming something else, is a usage error before any
/// request.
#[test]
fn label_command_knows_lots_and_containers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    let id = uuid::Uuid::new_v4();
    let out = cli(&[
        "label",
        "--server",
        "http://127.0.0.1:9",
        "--lot",
        &format!("https://x.example/c/{id}"),
        "--out",
        &path("l.png"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("names a container, not a lot"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(path("cages.txt"), format!("# cages\n/c/{id}\n/l/{id}\n")).expect("list");
    let out = cli(&[
        "label",
        "--server",
        "http://127.0.0.1:9",
        "--containers",
        &path("cages.txt"),
        "--out",
        &path("cages.pdf"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 3"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli(&[
        "label",
        "--server",
        "http://127.0.0.1:9",
        "--lot",
        "x",
        "--container",
        "y",
        "--out",
        &path("two.png"),
    ]);
    assert_eq!(out.status.code(), Some(2), "one subject at a time");
}
