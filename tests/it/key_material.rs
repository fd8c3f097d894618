//! No error, log line or page contains key material (issue 13 item 6). Every CLI flag that
//! takes a key or key text is given the log's private key as a PEM file, as PEM text, as the
//! raw PKCS#8 text inside the PEM (as a file and as text) and garbage; each run must fail with
//! a message that says what it was given, and neither stdout nor stderr may hold any part of
//! the key's base64 body. Then the HTTP API is given the same texts where it takes a public key
//! or a signed note, and its problem details must not echo them either.

use crate::process::cli;
use crate::support::{db_test, setup, Actor, TestDb};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::domain::note::{KeyType, VerifierKey};
use serde_json::json;
use std::path::Path;
use std::process::Output;

/// A private key as a PEM file, and the base64 body inside it.
struct Secret {
    pem: String,
    body: String,
}

fn secret(dir: &Path, name: &str) -> Secret {
    let path = dir.join(name);
    ewaste_ledger::key_files::write_pem(&path, &ewaste_ledger::key_files::generate()).expect("key");
    let pem = std::fs::read_to_string(&path).expect("pem");
    let body = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    Secret { pem, body }
}

/// Fails if `text` holds any 12 characters of the key body past the 16 that every Ed25519
/// PKCS#8 key starts with (`MC4CAQAwBQYDK2Vw`, the algorithm identifier).
fn assert_no_key_material(what: &str, text: &str, secret: &Secret) {
    let secret_part = &secret.body[16..];
    for start in 0..=secret_part.len() - 12 {
        let window = &secret_part[start..start + 12];
        assert!(
            !text.contains(window),
            "{what}: the output holds key material ({window}):\n{text}"
        );
    }
    assert!(
        !text.contains(&secret.pem[..40]),
        "{what}: the PEM is echoed:\n{text}"
    );
}

/// The command line of one flag's run, given the value to pass.
type Args<'a> = Box<dyn Fn(&str) -> Vec<String> + 'a>;

fn output(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn no_cli_key_flag_echoes_a_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    let log = secret(dir.path(), "log-key.pem");
    let (admin, _) = (path("admin-key.pem"), secret(dir.path(), "admin-key.pem"));
    std::fs::write(path("raw-body.txt"), &log.body).expect("write");
    std::fs::write(path("garbage.txt"), "this is not a key at all\n").expect("write");
    let verifier = VerifierKey::new(
        "ledger.test/log",
        KeyType::Ed25519,
        ewaste_ledger::key_files::generate().verifying_key(),
    )
    .expect("key")
    .to_text();
    std::fs::write(path("log.vkey"), &verifier).expect("write");
    std::fs::write(path("bundle.json"), "{}").expect("write");

    // What a confused regulator or operator passes, and what the message must call it.
    let given: [(&str, String, &str); 6] = [
        ("the PEM file", path("log-key.pem"), "private key"),
        ("the PEM text", log.pem.clone(), "private key"),
        ("the raw PKCS#8 text", log.body.clone(), "private key"),
        (
            "a file of the raw PKCS#8 text",
            path("raw-body.txt"),
            "private key",
        ),
        ("garbage text", "no key here".into(), "not"),
        ("a garbage file", path("garbage.txt"), "not"),
    ];
    let server = ["--server", "http://127.0.0.1:9"];
    let flags: Vec<(&str, Args)> = vec![
        (
            "audit verify --log-key",
            Box::new(|k: &str| {
                vec!["audit", "verify", "--export", "none.ndjson", "--log-key", k]
                    .into_iter()
                    .map(String::from)
                    .collect()
            }),
        ),
        (
            "audit verify --witness-key",
            Box::new(|k: &str| {
                [
                    "audit",
                    "verify",
                    "--export",
                    "none.ndjson",
                    "--log-key",
                    &verifier,
                    "--witness-key",
                    k,
                ]
                .map(String::from)
                .to_vec()
            }),
        ),
        (
            "audit verify-proof --log-key",
            Box::new(|k: &str| {
                [
                    "audit",
                    "verify-proof",
                    "--bundle",
                    &path("bundle.json"),
                    "--log-key",
                    k,
                ]
                .map(String::from)
                .to_vec()
            }),
        ),
        (
            "audit witness --log-key",
            Box::new(|k: &str| {
                [
                    &["audit", "witness"][..],
                    &server,
                    &["--key", &admin, "--state", &path("w1"), "--log-key", k],
                ]
                .concat()
                .into_iter()
                .map(String::from)
                .collect()
            }),
        ),
        (
            "actor add --public-key",
            Box::new(|k: &str| {
                [
                    &["actor", "add"][..],
                    &server,
                    &[
                        "--key",
                        &admin,
                        "--org",
                        "O",
                        "--name",
                        "N",
                        "--roles",
                        "regulator",
                        "--public-key",
                        k,
                    ],
                ]
                .concat()
                .into_iter()
                .map(String::from)
                .collect()
            }),
        ),
        (
            "actor rotate --public-key",
            Box::new(|k: &str| {
                [
                    &["actor", "rotate"][..],
                    &server,
                    &[
                        "--key",
                        &admin,
                        "--actor",
                        "6f9d1c3e-1e7a-4c8e-9a43-0b5b8f1e2a10",
                        "--public-key",
                        k,
                    ],
                ]
                .concat()
                .into_iter()
                .map(String::from)
                .collect()
            }),
        ),
    ];
    for (flag, args) in &flags {
        for (what, value, called) in &given {
            // A PEM file is a fine --public-key only through --key-file; as text it is refused.
            let out = cli(&args(value).iter().map(String::as_str).collect::<Vec<_>>());
            let text = output(&out);
            let case = format!("{flag} given {what}");
            assert_eq!(out.status.code(), Some(2), "{case}: a usage error\n{text}");
            assert!(
                text.contains(called),
                "{case}: says it is {called:?}\n{text}"
            );
            assert_no_key_material(&case, &text, &log);
        }
    }

    // Flags that take a private key file: given key text instead of a path, or a file of
    // the raw text, or garbage, they say so without echoing what they read.
    let key_files: Vec<(&str, Args)> = vec![
        (
            "--key (client)",
            Box::new(|k: &str| {
                [
                    &["actor", "revoke"][..],
                    &server,
                    &[
                        "--key",
                        k,
                        "--actor",
                        "6f9d1c3e-1e7a-4c8e-9a43-0b5b8f1e2a10",
                    ],
                ]
                .concat()
                .into_iter()
                .map(String::from)
                .collect()
            }),
        ),
        (
            "actor add --key-file",
            Box::new(|k: &str| {
                [
                    &["actor", "add"][..],
                    &server,
                    &[
                        "--key",
                        &admin,
                        "--org",
                        "O",
                        "--name",
                        "N",
                        "--roles",
                        "regulator",
                        "--key-file",
                        k,
                    ],
                ]
                .concat()
                .into_iter()
                .map(String::from)
                .collect()
            }),
        ),
        (
            "audit witness --key",
            Box::new(|k: &str| {
                [
                    &["audit", "witness"][..],
                    &server,
                    &["--key", k, "--state", &path("w2"), "--log-key", &verifier],
                ]
                .concat()
                .into_iter()
                .map(String::from)
                .collect()
            }),
        ),
    ];
    for (flag, args) in &key_files {
        for (what, value, _) in given.iter().skip(1) {
            let out = cli(&args(value).iter().map(String::as_str).collect::<Vec<_>>());
            let text = output(&out);
            let case = format!("{flag} given {what}");
            assert!(!out.status.success(), "{case}: refused\n{text}");
            assert_no_key_material(&case, &text, &log);
        }
    }
    // The same through the environment variable of `--key`.
    let out = std::process::Command::new(crate::process::BIN)
        .args([
            "actor",
            "revoke",
            "--server",
            "http://127.0.0.1:9",
            "--actor",
            "6f9d1c3e-1e7a-4c8e-9a43-0b5b8f1e2a10",
        ])
        .env("EWASTE_KEY", &log.pem)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert_no_key_material("EWASTE_KEY given the PEM text", &output(&out), &log);

    // A witness whose pinned key file was overwritten with the private key.
    std::fs::create_dir_all(path("w3")).expect("dir");
    std::fs::write(dir.path().join("w3/log-key"), &log.pem).expect("write");
    let out = cli(&[
        &["audit", "witness"][..],
        &server,
        &["--key", &admin, "--state", &path("w3")],
    ]
    .concat());
    let text = output(&out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("private key"), "{text}");
    assert_no_key_material("the pinned log key", &text, &log);
}

db_test!(
    async fn problem_details_never_echo_key_text(db: TestDb) {
        let env = setup(db).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let key = secret(dir.path(), "k.pem");
        let newcomer = Actor::new(92, Role::Regulator);
        for (what, text) in [
            ("PEM", key.pem.clone()),
            ("raw PKCS#8 text", key.body.clone()),
            ("garbage", "no key here".to_string()),
        ] {
            for (kind, data) in [
                (
                    Kind::ActorRegistered,
                    json!({"actor": newcomer.id, "org": "O", "name": "N",
                    "roles": ["regulator"], "public_key": text}),
                ),
                (
                    Kind::ActorKeyRotated,
                    json!({"actor": env.actor(Role::Regulator).id, "public_key": text}),
                ),
            ] {
                let (status, body) = env.submit(&env.admin, kind, None, data).await;
                assert_eq!(
                    status,
                    StatusCode::BAD_REQUEST,
                    "{kind:?} with {what}: {body}"
                );
                assert_no_key_material(&format!("{kind:?} with a {what}"), &body.to_string(), &key);
                if what != "garbage" {
                    let detail = body["detail"].as_str().unwrap_or_default();
                    assert!(
                        detail.contains("private key"),
                        "{kind} with a {what}: {detail}"
                    );
                }
            }
            // The scan station's enrolment QR code of a public key.
            let (status, body, _) = env
                .call(TestRequest::get().uri(&format!(
                    "/scan/key.svg?public_key={}",
                    ewaste_ledger::domain::percent::encode(&text)
                )))
                .await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "station key with a {what}: {body}"
            );
            assert_no_key_material(
                &format!("station key with a {what}"),
                &body.to_string(),
                &key,
            );
            if what != "garbage" {
                let detail = body["detail"].as_str().unwrap_or_default();
                assert!(
                    detail.contains("private key"),
                    "station key with a {what}: {detail}"
                );
            }
            // A key pasted where the signature goes.
            let mut envelope = env.signed_registration("KEY-1").await;
            envelope["sig"] = json!(text);
            let (status, body) = env.post(&envelope).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "sig with a {what}: {body}");
            assert_no_key_material(&format!("sig with a {what}"), &body.to_string(), &key);
            // A key pasted into a cosignature.
            let note = format!("ledger.test/log\n1\nAAAA\n\n{text}\n");
            let (status, body, _) = env
                .call(
                    TestRequest::post()
                        .uri("/v1/log/cosignature")
                        .insert_header(("content-type", "text/plain"))
                        .set_payload(note),
                )
                .await;
            assert!(
                status.is_client_error(),
                "cosignature with a {what}: {status} {body}"
            );
            assert_no_key_material(
                &format!("cosignature with a {what}"),
                &body.to_string(),
                &key,
            );
        }
    }
);
