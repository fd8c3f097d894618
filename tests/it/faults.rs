//! Database faults under load: PostgreSQL stopped (cleanly and by a crash) and started again,
//! and SQLite on a disk that fills up and is freed. Meanwhile the service answers 503 with the
//! `unavailable` problem (never a 500, never a half-done write), and it recovers by itself when
//! the database returns: nothing acknowledged is lost, the chain verifies.
//!
//! Both tests need root (a tmpfs mount; PostgreSQL's server binaries run as `postgres`), as CI
//! runs; elsewhere they print a skip, and in CI a missing prerequisite is a failure.

use crate::crash::audit_verify;
use crate::ingest::{check_nothing_lost, Ingestion, UNAVAILABLE};
use crate::process::{agent, setup, start};
use ewaste_ledger::storage::DatabaseTarget;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn skip(why: &str) {
    assert!(std::env::var_os("CI").is_none(), "cannot run in CI: {why}");
    println!("skipped: {why}");
}

fn run(command: &mut Command) -> Result<(), String> {
    let out = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A read that needs the database: 503 with the `unavailable` problem while it is gone.
fn assert_reads_unavailable(url: &str) {
    let mut response = agent()
        .get(&format!("{url}/v1/log/entries/0"))
        .call()
        .expect("answered");
    let status = response.status().as_u16();
    let body: Value = response.body_mut().read_json().expect("a problem");
    assert_eq!(
        (status, body["type"].as_str()),
        (503, Some(UNAVAILABLE)),
        "{body}"
    );
}

/// A small tmpfs, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path, size: &str) -> Result<SmallDisk, String> {
        std::fs::create_dir_all(at).map_err(|e| e.to_string())?;
        run(Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at))?;
        Ok(SmallDisk(at.to_path_buf()))
    }

    /// Writes a file until the disk is full.
    fn fill(&self, name: &str) {
        let mut file = std::fs::File::create(self.0.join(name)).expect("filler");
        let chunk = vec![0u8; 16 * 1024];
        while file.write_all(&chunk).and_then(|()| file.flush()).is_ok() {}
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn sqlite_on_a_full_disk_answers_503_and_recovers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let disk = match SmallDisk::mount(&dir.path().join("disk"), "24m") {
        Ok(disk) => disk,
        Err(why) => return skip(&format!("no tmpfs mount ({why})")),
    };
    let data = disk.0.join("data");
    let target = DatabaseTarget::Sqlite(data.join("ledger.sqlite"));
    std::fs::create_dir_all(&data).expect("data dir");
    let server = start(
        &data,
        &DatabaseTarget::sqlite_url(&data.join("ledger.sqlite")),
    );
    let (maker, maker_id) = setup(&server);

    let ingestion = Ingestion::start(&server.url, &maker, maker_id, "FULL");
    ingestion.wait_for(100);
    disk.fill("filler");
    ingestion.wait_for_unavailable(5);
    // Reads go on: the log is still there.
    let status = agent()
        .get(&format!("{}/v1/log/checkpoint", server.url))
        .call()
        .expect("answered")
        .status();
    assert_eq!(status.as_u16(), 200);

    std::fs::remove_file(disk.0.join("filler")).expect("free the disk");
    let before = ingestion.acknowledged();
    ingestion.wait_for(before + 100);
    let outcomes = ingestion.finish();
    assert!(outcomes.unavailable >= 5, "the full disk was noticed");
    check_nothing_lost(&target, &server.url, &outcomes);
    audit_verify(&server);
}

/// A PostgreSQL server of the test's own (the shared one must keep running for the other
/// tests), stopped when dropped.
struct PrivatePostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
}

impl PrivatePostgres {
    fn create(dir: &Path) -> Result<PrivatePostgres, String> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|e| format!("no /usr/lib/postgresql: {e}"))?
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists())
            .max_by_key(|bin| {
                bin.parent()
                    .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
            })
            .ok_or("no PostgreSQL server binaries")?;
        // The server refuses to run as root: its directory belongs to `postgres`.
        let data = dir.join("pg");
        std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
        run(Command::new("chmod").arg("755").arg(dir))?;
        run(Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&data))?;
        let cluster = PrivatePostgres {
            bin,
            data,
            port: crate::process::free_port(),
        };
        run(cluster
            .as_postgres("initdb")
            .args(["-U", "postgres", "-A", "trust", "--no-sync", "-D"])
            .arg(&cluster.data))?;
        cluster.start()?;
        Ok(cluster)
    }

    fn as_postgres(&self, program: &str) -> Command {
        let mut command = Command::new("runuser");
        command
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(program));
        command
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn start(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={}",
            self.port,
            self.data.display()
        );
        run(self
            .as_postgres("pg_ctl")
            .args(["-w", "-o", &options, "-l"])
            .arg(self.data.join("log"))
            .arg("-D")
            .arg(&self.data)
            .arg("start"))
    }

    /// `fast` disconnects clients and shuts down cleanly; `immediate` is a crash.
    fn stop(&self, mode: &str) -> Result<(), String> {
        run(self
            .as_postgres("pg_ctl")
            .args(["-w", "-m", mode, "-D"])
            .arg(&self.data)
            .arg("stop"))
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.stop("immediate");
    }
}

#[test]
fn postgres_stopped_mid_load_answers_503_and_recovers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = match PrivatePostgres::create(dir.path()) {
        Ok(cluster) => cluster,
        Err(why) => return skip(&format!("no private PostgreSQL server ({why})")),
    };
    let target = DatabaseTarget::Postgres(cluster.url());
    let server = start(&dir.path().join("data"), &cluster.url());
    let (maker, maker_id) = setup(&server);

    let ingestion = Ingestion::start(&server.url, &maker, maker_id, "PG");
    for mode in ["fast", "immediate"] {
        ingestion.wait_for(ingestion.acknowledged() + 100);
        cluster.stop(mode).expect("PostgreSQL stops");
        let (seen, refused) = (ingestion.acknowledged(), ingestion.unavailable());
        ingestion.wait_for_unavailable(refused + 1);
        assert_reads_unavailable(&server.url);
        cluster.start().expect("PostgreSQL starts again");
        // Recovery by itself: no restart of `serve`, no operator.
        ingestion.wait_for(seen + 100);
    }
    let outcomes = ingestion.finish();
    check_nothing_lost(&target, &server.url, &outcomes);
    audit_verify(&server);
}
