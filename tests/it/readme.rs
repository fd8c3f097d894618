//! The README is a test: its shell blocks run in order, as pasted, against a fresh server on a
//! fresh data directory, and every output the README shows must be what the commands print.
//!
//! How the README marks its blocks (HTML comments, invisible on GitHub):
//! - `<!-- readme-test: serve -->` before the set-up block: its first command starts the
//!   server (run in the background until /healthz answers); the rest is `cargo test`, which
//!   is what is running this.
//! - `<!-- readme-test: serve-postgres -->` before the PostgreSQL block: the same, on
//!   PostgreSQL; the commands before its `serve` (`createdb`) run first.
//! - `<!-- readme-test: skip (why) -->`: not run; the reason is said in the comment.
//!
//! Every other ```sh block is run, one bash script for all, so that the shell functions and
//! variables of one block reach the next. After a command, lines `#> text` are its expected
//! output (stdout and stderr together, in order): each line must match, `…` standing for any
//! text within a line and a line `#> …` for any lines; `#> (exit code N)` is its exit status.
//! A command without `#> (exit code N)` must succeed.
//!
//! Substitutions, the only ones: the address `127.0.0.1:8080` becomes a free port; in the
//! PostgreSQL run the database `ewaste` becomes a fresh database of the test server;
//! `cargo run --release --` runs the binary under test, which is also
//! `./target/release/ewaste-ledger` in the scratch directory the blocks run in, beside a link to
//! the repository's `examples/`.

use crate::db::PG_URL_VAR;
use crate::process::{agent, free_port, BIN};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const README: &str = include_str!("../../README.md");
const REPO: &str = env!("CARGO_MANIFEST_DIR");
/// The address the README talks to.
const README_ADDRESS: &str = "127.0.0.1:8080";
/// The PostgreSQL database the README creates, as it appears in its commands.
const README_DATABASE: &str = "ewaste";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Run,
    Serve,
    ServePostgres,
    Skip,
}

#[derive(Debug)]
struct Block {
    role: Role,
    /// The README line of the opening fence, for messages.
    line: usize,
    text: String,
}

/// The ```sh blocks of `markdown`, each with the role its preceding marker gives.
fn blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut role = Role::Run;
    let mut open: Option<Block> = None;
    for (index, line) in markdown.lines().enumerate() {
        if let Some(block) = open.as_mut() {
            if line.trim_start().starts_with("```") {
                blocks.push(open.take().expect("open block"));
            } else {
                block.text.push_str(line);
                block.text.push('\n');
            }
        } else if let Some(marker) = line.trim().strip_prefix("<!-- readme-test:") {
            let marker = marker.trim_end_matches("-->").trim();
            role = match marker.split_whitespace().next() {
                Some("serve") => Role::Serve,
                Some("serve-postgres") => Role::ServePostgres,
                Some("skip") => Role::Skip,
                _ => panic!(
                    "README line {}: unknown readme-test marker `{marker}`",
                    index + 1
                ),
            };
        } else if line.trim_start().starts_with("```") {
            if line.trim() == "```sh" {
                open = Some(Block {
                    role,
                    line: index + 1,
                    text: String::new(),
                });
            }
            role = Role::Run;
        }
    }
    assert!(open.is_none(), "README: a ```sh block is not closed");
    blocks
}

/// One command of a block and what the README says it prints.
#[derive(Debug, Default)]
struct Step {
    line: usize,
    command: String,
    expected: Vec<String>,
    exit_code: i32,
}

/// Splits a block into commands (a line, with its `\` continuations and heredoc bodies) and
/// the `#>` lines after each.
fn steps(block: &Block) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut lines = block.text.lines().enumerate().peekable();
    while let Some((offset, line)) = lines.next() {
        let trimmed = line.trim();
        if let Some(expected) = trimmed.strip_prefix("#>") {
            let step = steps.last_mut().unwrap_or_else(|| {
                panic!(
                    "README line {}: `#>` before any command",
                    block.line + 1 + offset
                )
            });
            let expected = expected.trim();
            match expected
                .strip_prefix("(exit code ")
                .and_then(|rest| rest.strip_suffix(')'))
            {
                Some(code) => step.exit_code = code.parse().expect("an exit code"),
                None => step.expected.push(expected.to_string()),
            }
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut command = line.to_string();
        let heredoc_end = heredoc_terminator(line);
        let mut continued = line.ends_with('\\');
        while continued {
            let (_, next) = lines.next().expect("a continued line");
            command.push('\n');
            command.push_str(next);
            continued = next.ends_with('\\');
        }
        if let Some(end) = heredoc_end {
            for (_, next) in lines.by_ref() {
                command.push('\n');
                command.push_str(next);
                if next.trim() == end {
                    break;
                }
            }
        }
        steps.push(Step {
            line: block.line + 1 + offset,
            command,
            ..Step::default()
        });
    }
    steps
}

/// `EOF` for a line with `<<'EOF'` or `<<EOF`.
fn heredoc_terminator(line: &str) -> Option<String> {
    let (_, rest) = line.split_once("<<")?;
    let word = rest.trim_start_matches('-').trim_start();
    let word: String = word
        .trim_matches(|c| c == '\'' || c == '"')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// Whether `actual` matches `pattern`, where `…` stands for any text.
fn line_matches(pattern: &str, actual: &str) -> bool {
    let mut parts = pattern.split('…');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (index, part) in parts.iter().enumerate() {
        if index == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Whether the output lines match the expected ones; a line `…` stands for any lines.
fn output_matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "…" => {
            (0..=actual.len()).any(|skip| output_matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, more)| line_matches(first, line) && output_matches(rest, more)),
    }
}

/// The scratch directory the README's commands run in, as the repository root would be.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a scratch directory");
    std::fs::create_dir_all(dir.path().join("target/release")).expect("target/release");
    std::os::unix::fs::symlink(BIN, dir.path().join("target/release/ewaste-ledger"))
        .expect("link the binary");
    std::os::unix::fs::symlink(
        Path::new(REPO).join("examples"),
        dir.path().join("examples"),
    )
    .expect("link the examples");
    dir
}

/// Puts the test's address (and database) in place of the README's.
struct Substitutions {
    address: String,
    database: Option<String>,
}

impl Substitutions {
    fn apply(&self, text: &str) -> String {
        // A final newline so that the database name is matched as a whole word at the end.
        let mut text = format!("{text}\n").replace(README_ADDRESS, &self.address);
        if let Some(database) = &self.database {
            text = text
                .replace(
                    &format!("127.0.0.1/{README_DATABASE}"),
                    &format!("127.0.0.1/{database}"),
                )
                .replace(
                    &format!("-U postgres {README_DATABASE}\n"),
                    &format!("-U postgres {database}\n"),
                );
        }
        text.pop();
        text
    }
}

/// What every script begins with: `cargo run --release --` is the binary under test.
fn prelude() -> String {
    format!(
        "set -u\nexec 2>&1\ncargo() {{ [ \"$1 $2 $3\" = 'run --release --' ] || {{ echo \"readme test: unexpected cargo $*\"; return 99; }}; shift 3; exec {BIN:?} \"$@\"; }}\n"
    )
}

/// bash in `dir`, with the address of the test's server as the default of `--bind` and
/// `--server` (the README's commands name no address: they use those defaults), and nothing
/// else of this process's ledger settings.
fn bash(dir: &Path, script: &str, address: &str) -> Command {
    let mut command = Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-c", script])
        .current_dir(dir);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("EWASTE_") || name == "DATABASE_URL" {
            command.env_remove(name);
        }
    }
    command
        .env("EWASTE_BIND", address)
        .env("EWASTE_SERVER", format!("http://{address}"));
    command
}

/// A background `serve`, killed when dropped.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the setup commands of a serve block, then starts its `serve` in the background and
/// checks that it runs on `backend`.
fn serve(block: &Block, backend: &str, dir: &Path, substitutions: &Substitutions) -> Served {
    let steps = steps(block);
    let serve_at = steps
        .iter()
        .position(|step| step.command.contains(" serve"))
        .unwrap_or_else(|| panic!("README line {}: no serve command", block.line));
    for step in &steps[..serve_at] {
        let output = bash(
            dir,
            &(prelude() + &substitutions.apply(&step.command)),
            &substitutions.address,
        )
        .output()
        .expect("bash runs");
        assert!(
            output.status.success(),
            "README line {}: `{}` failed: {}",
            step.line,
            step.command,
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let command = substitutions.apply(&steps[serve_at].command);
    let child = bash(
        dir,
        &format!("{}{command}", prelude()),
        &substitutions.address,
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("serve starts");
    let served = Served(child);
    let health = format!("http://{}/healthz", substitutions.address);
    for _ in 0..600 {
        if let Ok(mut response) = agent().get(&health).call() {
            if response.status().is_success() {
                let health: serde_json::Value = response.body_mut().read_json().expect("JSON");
                assert_eq!(
                    health["backend"], backend,
                    "README line {}: the server runs on the wrong backend",
                    block.line
                );
                return served;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "README line {}: `{command}` did not become healthy",
        steps[serve_at].line
    );
}

/// Runs the walk-through blocks as one script and checks every step.
fn walk_through(blocks: &[&Block], dir: &Path, substitutions: &Substitutions) -> usize {
    let steps: Vec<Step> = blocks.iter().flat_map(|block| steps(block)).collect();
    let mut script = prelude();
    for (index, step) in steps.iter().enumerate() {
        script.push_str(&format!(
            "printf '\\n@@step {index}@@\\n'\n{}\nprintf '\\n@@exit %d@@\\n' $?\n",
            substitutions.apply(&step.command)
        ));
    }
    let output = bash(dir, &script, &substitutions.address)
        .output()
        .expect("bash runs");
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut checked = 0;
    for (index, step) in steps.iter().enumerate() {
        let start = format!("\n@@step {index}@@\n");
        let after = printed
            .split_once(&start)
            .unwrap_or_else(|| {
                panic!(
                    "README line {}: the script stopped before `{}`:\n{printed}",
                    step.line, step.command
                )
            })
            .1;
        let (out, exit) = after.split_once("\n@@exit ").expect("an exit marker");
        let exit: i32 = exit
            .split_once("@@")
            .and_then(|(code, _)| code.parse().ok())
            .expect("an exit code");
        let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
        let place = format!("README line {}: `{}`", step.line, step.command);
        assert_eq!(
            exit, step.exit_code,
            "{place} exited {exit}, the README says {}; it printed:\n{out}",
            step.exit_code
        );
        if !step.expected.is_empty() {
            let expected: Vec<String> = step
                .expected
                .iter()
                .map(|line| substitutions.apply(line))
                .collect();
            assert!(
                output_matches(&expected, &lines),
                "{place} printed\n{}\nwhere the README shows\n{}",
                lines.join("\n"),
                expected.join("\n")
            );
            checked += 1;
        }
    }
    checked
}

/// The whole README on one backend: its server block, then every runnable block in order.
fn run_readme(server_role: Role, database: Option<String>) {
    let blocks = blocks(README);
    let substitutions = Substitutions {
        address: format!("127.0.0.1:{}", free_port()),
        database,
    };
    let dir = scratch();
    let server_block = blocks
        .iter()
        .find(|block| block.role == server_role)
        .unwrap_or_else(|| panic!("README: no block marked {server_role:?}"));
    let backend = match server_role {
        Role::ServePostgres => "postgres",
        _ => "sqlite",
    };
    let _served = serve(server_block, backend, dir.path(), &substitutions);
    let runnable: Vec<&Block> = blocks.iter().filter(|b| b.role == Role::Run).collect();
    let checked = walk_through(&runnable, dir.path(), &substitutions);
    // The README shows outputs; a harness that compared none would prove nothing.
    assert!(checked >= 5, "only {checked} README outputs were compared");
}

#[test]
fn readme_on_sqlite() {
    run_readme(Role::Serve, None);
}

#[test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "set EWASTE_TEST_DATABASE_URL to run it on PostgreSQL"
)]
fn readme_on_postgres() {
    let Ok(base) = std::env::var(PG_URL_VAR) else {
        if std::env::var_os("CI").is_some() {
            panic!("{PG_URL_VAR} is not set: PostgreSQL tests cannot be skipped in CI");
        }
        eprintln!("skipped readme_on_postgres: set {PG_URL_VAR} to run it on PostgreSQL");
        return;
    };
    let database = format!("ewaste_readme_{}", uuid::Uuid::new_v4().simple());
    let _dropped = DropDatabase {
        base: base.clone(),
        name: database.clone(),
    };
    run_readme(Role::ServePostgres, Some(database));
}

/// Drops the README's PostgreSQL database at the end of the test, whatever happened.
struct DropDatabase {
    base: String,
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.base) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

#[test]
fn the_matcher_can_fail() {
    assert!(line_matches(
        "OK: … entries, root …",
        "OK: 9 entries, root 5b0c"
    ));
    assert!(!line_matches("OK: … entries", "FAILED: 9 entries"));
    assert!(!line_matches("seq 8", "seq 80"));
    let lines = ["a", "b", "c"];
    assert!(output_matches(&["a".into(), "…".into()], &lines));
    assert!(!output_matches(&["a".into(), "c".into()], &lines));
    assert!(output_matches(&["…".into(), "c".into()], &lines));
}

#[test]
fn every_block_has_a_known_role_and_the_walk_through_shows_outputs() {
    let blocks = blocks(README);
    assert!(blocks.iter().any(|b| b.role == Role::Serve));
    assert!(blocks.iter().any(|b| b.role == Role::ServePostgres));
    let expectations: usize = blocks
        .iter()
        .filter(|b| b.role == Role::Run)
        .flat_map(steps)
        .filter(|s| !s.expected.is_empty())
        .count();
    assert!(expectations >= 5, "{expectations}");
}
