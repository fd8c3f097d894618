//! The CLI's one HTTP client: the ureq agents and the requests the commands make of a
//! ledger's HTTP API. JSON calls ([`Api`]) turn an RFC 9457 problem into
//! [`CliError::Problem`]; downloads and text ([`fetch`], [`fetch_text`], [`fetch_json`],
//! [`post_text`]) fail with the status and the server's words. A refusal (4xx) is
//! [`CliError::Refused`] or [`CliError::Problem`], no answer or a server failure (5xx)
//! [`CliError::Unavailable`]. Signing is not here: the signing [`super::client::Client`] sends
//! its events through an [`Api`]. The benches' load generator is raw TCP on purpose
//! (`bench/wire.rs`).

use super::CliError;
use serde_json::Value;
use std::time::Duration;

/// How long one JSON API call may take (a large batch of events).
const API_TIMEOUT: Duration = Duration::from_secs(300);

/// How long a download may take (the export of a whole log).
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(3600);

/// An agent for which every status is an answer (the callers read problems themselves).
fn agent_with(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// A plain agent for downloads, pages and text (no signing key involved).
pub fn agent() -> ureq::Agent {
    agent_with(DOWNLOAD_TIMEOUT)
}

/// GETs `path`, failing with the server's problem when it is not a success.
pub fn fetch(server: &str, path: &str) -> anyhow::Result<ureq::Body> {
    let url = format!("{}{path}", server.trim_end_matches('/'));
    let response = agent()
        .get(&url)
        .call()
        .map_err(|e| CliError::Unavailable(format!("GET {url}: {e}")))?;
    let status = response.status();
    let mut body = response.into_body();
    if status.is_success() {
        return Ok(body);
    }
    let text = body.read_to_string().unwrap_or_default();
    Err(if status.is_server_error() {
        CliError::Unavailable(format!("GET {url}: {status} {text}"))
    } else {
        CliError::Refused(format!("GET {url}: {status} {text}"))
    }
    .into())
}

pub fn fetch_text(server: &str, path: &str) -> anyhow::Result<String> {
    let mut body = fetch(server, path)?;
    Ok(body.with_config().limit(1 << 20).read_to_string()?)
}

pub fn fetch_json(server: &str, path: &str) -> anyhow::Result<Value> {
    Ok(serde_json::from_str(&fetch_text(server, path)?)?)
}

/// POSTs `text` as `text/plain` to `path`; a refusal (4xx) says `refused` and the server's
/// words.
pub fn post_text(server: &str, path: &str, text: &str, refused: &str) -> anyhow::Result<()> {
    let url = format!("{}{path}", server.trim_end_matches('/'));
    let response = agent()
        .post(&url)
        .header("content-type", "text/plain; charset=utf-8")
        .send(text)
        .map_err(|e| CliError::Unavailable(format!("POST {url}: {e}")))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let text = response.into_body().read_to_string().unwrap_or_default();
    Err(if status.is_server_error() {
        CliError::Unavailable(format!("POST {url}: {status} {text}"))
    } else {
        CliError::Refused(format!("{refused}: {text}"))
    }
    .into())
}

/// JSON in and out with one ledger's API.
pub struct Api {
    base: String,
    agent: ureq::Agent,
}

impl Api {
    pub fn new(server: &str) -> Api {
        Api {
            base: server.trim_end_matches('/').to_string(),
            agent: agent_with(API_TIMEOUT),
        }
    }

    /// The server's base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        answer(self.agent.get(&url).call(), &format!("GET {url}"))
    }

    pub fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        answer(
            self.agent.post(&url).send_json(body),
            &format!("POST {url}"),
        )
    }
}

/// The JSON answer of a success, or the error its status and problem say.
fn answer(
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    what: &str,
) -> anyhow::Result<Value> {
    let mut response = result.map_err(|e| CliError::Unavailable(format!("{what}: {e}")))?;
    let status = response.status();
    let body: Value = response
        .body_mut()
        .with_config()
        .limit(256 * 1024 * 1024)
        .read_json()
        .map_err(|e| CliError::Unavailable(format!("{what}: unreadable answer ({e})")))?;
    if status.is_success() {
        Ok(body)
    } else if status.is_server_error() {
        Err(CliError::Unavailable(describe(&body)).into())
    } else if let (Some(problem_type), Some(detail)) =
        (body["type"].as_str(), body["detail"].as_str())
    {
        Err(CliError::Problem {
            problem_type: problem_type.into(),
            detail: detail.into(),
        }
        .into())
    } else {
        Err(CliError::Refused(body.to_string()).into())
    }
}

/// A problem's detail (or the whole body when it is not a problem).
pub fn describe(body: &Value) -> String {
    match (body["detail"].as_str(), body["type"].as_str()) {
        (Some(detail), Some(kind)) => format!("{detail} ({kind})"),
        _ => body.to_string(),
    }
}
