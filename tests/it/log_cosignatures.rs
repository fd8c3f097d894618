//! Witness cosignatures of the log's checkpoints: accepted, served, refused (helpers in
//! `log_api`).

use crate::log_api::*;
use crate::support::{assert_problem, db_test, log_signing_key, setup, Actor, TestDb, ORIGIN};
use actix_web::http::StatusCode;
use ed25519_dalek::SigningKey;
use ewaste_ledger::domain::checkpoint::{verify_checkpoint, Checkpoint};
use ewaste_ledger::domain::export::{self, classify, ExportHeader, ExportLine};
use ewaste_ledger::domain::hash::{leaf_hash, Hash32};
use ewaste_ledger::domain::kinds::{Kind, Role};
use ewaste_ledger::domain::merkle::{root_of_leaves, verify_consistency};
use ewaste_ledger::domain::note::{cosign, SignedNote, VerifierKey};
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Cosignatures

db_test!(
    /// Proves that an active regulator's cosignature is accepted (201 naming it) and served:
    /// `?witnessed=true` answers the checkpoint with the cosignature line appended, which the
    /// domain verifies for that witness; it stays the witnessed one as the log grows, a second
    /// cosignature by the same witness replaces the first (one line), two witnesses in one note
    /// are both kept, and cosigning an older checkpoint does not move `witnessed` back.
    async fn regulator_cosignatures_are_accepted_and_served(db: TestDb) {
        let env = setup(db).await;
        let regulator = env.actor(Role::Regulator);
        let key = witness_key(WITNESS, &regulator.key);
        assert_eq!(witnessed(&env).await, None);
        let note = get_text(&env, "/v1/log/checkpoint").await;
        assert_eq!(checkpoint_of(&note).size, 8);

        let first = cosigned(&note, &[(WITNESS, &regulator.key, 1_700_000_000)]);
        accepted(&env, &first, &[WITNESS]).await;
        let served = witnessed(&env).await.expect("a witnessed checkpoint");
        assert_eq!(served, first);
        assert!(
            served.starts_with(&note),
            "the log's note, then the cosignature"
        );
        let parsed = SignedNote::parse(&served).unwrap();
        assert_eq!(parsed.cosigned_at(&key), Some(1_700_000_000));
        assert_eq!(checkpoint_of(&served).size, 8);
        assert_eq!(get_text(&env, "/v1/log/checkpoint").await, first);

        // The log grows: the latest checkpoint is not cosigned, the witnessed one stays.
        let grown = single(&env, "WIT1").await;
        let latest = get_text(&env, "/v1/log/checkpoint").await;
        assert_eq!(latest, grown["checkpoint"].as_str().unwrap());
        assert_eq!(SignedNote::parse(&latest).unwrap().signatures.len(), 1);
        assert_eq!(witnessed(&env).await.as_deref(), Some(first.as_str()));

        // The same witness again: its line is replaced, not added.
        let again = cosigned(&note, &[(WITNESS, &regulator.key, 1_700_000_100)]);
        accepted(&env, &again, &[WITNESS]).await;
        let served = witnessed(&env).await.unwrap();
        assert_eq!(served, again);
        let parsed = SignedNote::parse(&served).unwrap();
        assert_eq!(parsed.signatures.len(), 2, "{served}");
        assert_eq!(served.matches(&format!("\u{2014} {WITNESS} ")).count(), 1);
        assert_eq!(parsed.cosigned_at(&key), Some(1_700_000_100));

        // A second regulator; both cosign the latest checkpoint in one note.
        let second = Actor::new(60, Role::Regulator);
        let second_name = "witness.test/second";
        env.ok(
            &env.admin,
            Kind::ActorRegistered,
            None,
            env.actor_data(&second, Role::Regulator),
        )
        .await;
        let latest = get_text(&env, "/v1/log/checkpoint").await;
        assert_eq!(checkpoint_of(&latest).size, 10);
        let both = cosigned(
            &latest,
            &[
                (WITNESS, &regulator.key, 1_700_000_200),
                (second_name, &second.key, 1_700_000_300),
            ],
        );
        accepted(&env, &both, &[WITNESS, second_name]).await;
        let served = witnessed(&env).await.unwrap();
        assert_eq!(served, both);
        let parsed = SignedNote::parse(&served).unwrap();
        assert_eq!(parsed.signatures.len(), 3);
        assert_eq!(parsed.cosigned_at(&key), Some(1_700_000_200));
        let second_key = witness_key(second_name, &second.key);
        assert_eq!(parsed.cosigned_at(&second_key), Some(1_700_000_300));

        // Cosigning an older checkpoint is accepted but does not move `witnessed` back.
        let older = cosigned(
            grown["checkpoint"].as_str().unwrap(),
            &[(second_name, &second.key, 1_700_000_400)],
        );
        accepted(&env, &older, &[second_name]).await;
        assert_eq!(witnessed(&env).await.as_deref(), Some(both.as_str()));
    }
);

db_test!(
    /// Proves that cosignatures that do not check out are refused, each with its problem, and
    /// store nothing: a note with no cosignature or a bad one (`invalid-cosignature`), by a key
    /// that is not an active regulator's (`unknown-witness`: another role, a stranger, a
    /// revoked regulator), on a note the log did not sign or whose text was altered, of
    /// another origin, or not a note at all (`invalid-checkpoint`), and on a size the log
    /// never signed (404).
    async fn cosignatures_that_do_not_check_out_are_refused(db: TestDb) {
        let env = setup(db).await;
        let regulator = env.actor(Role::Regulator);
        let note = get_text(&env, "/v1/log/checkpoint").await;
        let checkpoint = checkpoint_of(&note);
        let bad_request = StatusCode::BAD_REQUEST;
        let refused = |body: Vec<u8>, status: StatusCode, code: &'static str| {
            let env = &env;
            async move {
                let (got, problem) = post_cosignature(env, body).await;
                assert_problem(&problem, got, status, code);
                assert_eq!(
                    witnessed(env).await,
                    None,
                    "a refused cosignature was stored"
                );
            }
        };
        let by_regulator = |note: &str| cosigned(note, &[(WITNESS, &regulator.key, 1_700_000_000)]);

        refused(note.clone().into(), bad_request, "invalid-cosignature").await;
        let mut tampered = SignedNote::parse(&by_regulator(&note)).unwrap();
        tampered.signatures[1].payload[20] ^= 1;
        refused(tampered.render().into(), bad_request, "invalid-cosignature").await;
        let mut short = SignedNote::parse(&by_regulator(&note)).unwrap();
        short.signatures[1].payload.truncate(20);
        refused(short.render().into(), bad_request, "invalid-cosignature").await;
        // A cosignature of the previous checkpoint, appended to this one.
        let previous = SignedNote::parse(&stored_note(&env, 7)).unwrap();
        let mut moved = SignedNote::parse(&note).unwrap();
        moved
            .signatures
            .push(cosign(&previous.text, WITNESS, &regulator.key, 1_700_000_000).unwrap());
        refused(moved.render().into(), bad_request, "invalid-cosignature").await;

        let recycler = env.actor(Role::Recycler);
        let stranger = SigningKey::from_bytes(&[0x77; 32]);
        for key in [&recycler.key, &env.admin.key, &stranger] {
            let body = cosigned(&note, &[(WITNESS, key, 1_700_000_000)]);
            refused(body.into(), bad_request, "unknown-witness").await;
        }

        // The text altered after the log signed it (the cosignature is over the new text).
        let mut altered = SignedNote::parse(&note).unwrap();
        altered.text = Checkpoint {
            root: Hash32::sha256(b"another root"),
            ..checkpoint.clone()
        }
        .text();
        let altered = cosigned(
            &altered.render(),
            &[(WITNESS, &regulator.key, 1_700_000_000)],
        );
        refused(altered.into(), bad_request, "invalid-checkpoint").await;
        // Signed for our origin by another key; our size and root, signed for another origin.
        let impostor = checkpoint
            .sign(&SigningKey::from_bytes(&[0x66; 32]))
            .unwrap();
        let foreign = Checkpoint {
            origin: "other.test/log".into(),
            ..checkpoint.clone()
        }
        .sign(&log_signing_key())
        .unwrap();
        for forged in [impostor, foreign] {
            let body = by_regulator(&forged.render());
            refused(body.into(), bad_request, "invalid-checkpoint").await;
        }
        // Signed by the log's key but not what the log signed at that size (a split view).
        let split = Checkpoint {
            root: Hash32::sha256(b"split view"),
            ..checkpoint.clone()
        }
        .sign(&log_signing_key())
        .unwrap();
        refused(
            by_regulator(&split.render()).into(),
            bad_request,
            "invalid-checkpoint",
        )
        .await;
        for junk in [b"hello\n".to_vec(), b"\xff\xfe\n\n".to_vec(), Vec::new()] {
            refused(junk, bad_request, "invalid-checkpoint").await;
        }

        // Signed by the log's key, but for a size it never signed.
        let unsigned = Checkpoint {
            size: 99,
            ..checkpoint.clone()
        }
        .sign(&log_signing_key())
        .unwrap();
        let body = by_regulator(&unsigned.render());
        refused(body.into(), StatusCode::NOT_FOUND, "not-found").await;

        // A revoked regulator is no witness.
        env.ok(
            &env.admin,
            Kind::ActorRevoked,
            None,
            json!({"actor": regulator.id}),
        )
        .await;
        let latest = get_text(&env, "/v1/log/checkpoint").await;
        refused(by_regulator(&latest).into(), bad_request, "unknown-witness").await;
        refused(by_regulator(&note).into(), bad_request, "unknown-witness").await;
    }
);

db_test!(
    /// Proves that a note refused because one of its cosignatures is bad stores none of its
    /// cosignatures, not even a valid one that comes before the bad one: a 400 changes nothing.
    async fn a_refused_cosignature_note_stores_none_of_its_lines(db: TestDb) {
        let env = setup(db).await;
        let regulator = env.actor(Role::Regulator);
        let stranger = SigningKey::from_bytes(&[0x77; 32]);
        let note = get_text(&env, "/v1/log/checkpoint").await;
        let mixed = cosigned(
            &note,
            &[
                (WITNESS, &regulator.key, 1_700_000_000),
                ("witness.test/stranger", &stranger, 1_700_000_000),
            ],
        );
        let (status, body) = post_cosignature(&env, mixed).await;
        assert_problem(&body, status, StatusCode::BAD_REQUEST, "unknown-witness");
        assert_eq!(
            witnessed(&env).await,
            None,
            "the refused note's first line was stored"
        );
        assert_eq!(get_text(&env, "/v1/log/checkpoint").await, note);
    }
);

// ---------------------------------------------------------------------------------------------
// Export

db_test!(
    /// Proves the export of a 2,006-entry log (one checkpoint exactly at the 2,000-entry page
    /// boundary, two cosigned checkpoints): a header naming the log's key, origin and latest
    /// size; every entry's exact bytes in order; after the entry that completes each stored
    /// checkpoint's tree, that checkpoint (with its cosignatures), carrying a consistency proof
    /// from the previous one that verifies (none on the first); and the checkpoint of the
    /// header's size last.
    async fn the_export_holds_every_entry_and_checkpoint_with_consistency_steps(db: TestDb) {
        let env = setup(db).await;
        let regulator = env.actor(Role::Regulator);
        single(&env, "EXP1").await;
        let ten = single(&env, "EXP2").await;
        let cosigned_ten = cosigned(
            ten["checkpoint"].as_str().unwrap(),
            &[(WITNESS, &regulator.key, 1_700_000_000)],
        );
        accepted(&env, &cosigned_ten, &[WITNESS]).await;
        let (status, _) = env
            .batch(&registrations(&env, "EXPB", 1990).await, false)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(env.log_size().await, 2000);
        let cosigned_2000 = cosigned(
            &get_text(&env, "/v1/log/checkpoint").await,
            &[(WITNESS, &regulator.key, 1_700_000_100)],
        );
        accepted(&env, &cosigned_2000, &[WITNESS]).await;
        single(&env, "EXP3").await;
        env.batch(&registrations(&env, "EXPC", 5).await, false)
            .await;
        assert_eq!(env.log_size().await, 2006);

        let (status, body, content_type) = get_raw(&env, "/v1/log/export").await;
        assert_eq!(
            (status, content_type.as_str()),
            (StatusCode::OK, "application/x-ndjson")
        );
        let lines = ndjson_lines(&body);
        let header: ExportHeader = serde_json::from_slice(&lines[0]).expect("a header line");
        assert_eq!(
            header,
            ExportHeader {
                export: export::EXPORT_FORMAT.into(),
                log_key: log_key().to_text(),
                origin: ORIGIN.into(),
                size: 2006,
            }
        );
        let key = VerifierKey::parse(&header.log_key).expect("the header's key");

        let mut entries: Vec<Vec<u8>> = Vec::new();
        let mut leaves: Vec<Hash32> = Vec::new();
        let mut notes: Vec<(u64, String)> = Vec::new();
        let mut previous: Option<Checkpoint> = None;
        for (i, line) in lines.iter().enumerate().skip(1) {
            match classify(line).unwrap_or_else(|e| panic!("line {i}: {e}")) {
                ExportLine::Entry(bytes) => {
                    leaves.push(leaf_hash(bytes));
                    entries.push(bytes.to_vec());
                }
                ExportLine::Checkpoint(line) => {
                    let checkpoint = verify_checkpoint(&line.checkpoint, &key)
                        .expect("signed by the header's key")
                        .checkpoint;
                    let size = checkpoint.size;
                    assert_eq!(
                        size,
                        leaves.len() as u64,
                        "checkpoint {size} after entry {}",
                        size - 1
                    );
                    assert_eq!(checkpoint.root, root_of_leaves(&leaves), "root of {size}");
                    match (&previous, &line.consistency) {
                        (None, None) => {}
                        (Some(from), Some(step)) => {
                            assert_eq!(step.from, from.size, "step to {size}");
                            let path = export::parse_path(&step.path).expect("hex path");
                            assert!(
                                verify_consistency(
                                    from.size,
                                    size,
                                    &from.root,
                                    &checkpoint.root,
                                    &path
                                ),
                                "consistency {} → {size}",
                                from.size
                            );
                        }
                        (from, step) => panic!("checkpoint {size}: step {step:?} after {from:?}"),
                    }
                    notes.push((size, line.checkpoint));
                    previous = Some(checkpoint);
                }
            }
        }
        assert_eq!(entries.len() as u64, header.size);
        assert_eq!(entries, all_entries(&env).await);
        assert!(
            matches!(
                classify(lines.last().unwrap()),
                Ok(ExportLine::Checkpoint(_))
            ),
            "the export ends with a checkpoint"
        );
        assert_eq!(previous.map(|c| c.size), Some(header.size));

        // Every stored checkpoint, once, with its cosignatures.
        let stored = stored_checkpoints(&env);
        let sizes = |list: &[(u64, String)]| list.iter().map(|(s, _)| *s).collect::<Vec<_>>();
        assert_eq!(sizes(&notes), sizes(&stored));
        assert_eq!(
            sizes(&notes),
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2000, 2001, 2006]
        );
        for ((size, exported), (_, note)) in notes.iter().zip(&stored) {
            match size {
                10 => assert_eq!(exported, &cosigned_ten),
                2000 => assert_eq!(exported, &cosigned_2000),
                _ => assert_eq!(exported, note, "checkpoint {size}"),
            }
        }
        let witness = witness_key(WITNESS, &regulator.key);
        let cosigned_at = |size: u64| {
            let (_, note) = notes.iter().find(|(s, _)| *s == size).unwrap();
            SignedNote::parse(note).unwrap().cosigned_at(&witness)
        };
        assert_eq!(
            (cosigned_at(10), cosigned_at(2000), cosigned_at(2006)),
            (Some(1_700_000_000), Some(1_700_000_100), None)
        );
    }
);
