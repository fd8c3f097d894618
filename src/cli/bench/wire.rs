//! The benches' load generator on the wire: raw HTTP/1.1 on keep-alive TCP connections, with
//! requests formatted before the clock starts and answers parsed only as far as the status
//! line, `Content-Length` and the body. It is raw on purpose, and not the CLI's HTTP client
//! (`cli/http_client.rs`): on a 2-core machine the load generator runs beside the server it
//! measures and competes with it for the CPU, so it must cost almost nothing per request. A
//! general-purpose client costs several times more per request, and the ratios the benches
//! report ((b)/(a), (c)/(d), the mixed load's ingestion over (a)) would then measure the
//! client as much as the ledger. Used by (b) and (c) ([`super::ingest`]) and by `bench load`
//! ([`super::load`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// One persistent connection.
pub struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

/// A request ready to be written as is.
pub fn post_request(path: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// A GET request ready to be written as is, with an `Accept` header when one is given.
pub fn get_request(path: &str, accept: Option<&str>) -> Vec<u8> {
    let accept = accept
        .map(|a| format!("Accept: {a}\r\n"))
        .unwrap_or_default();
    format!("GET {path} HTTP/1.1\r\nHost: bench\r\n{accept}\r\n").into_bytes()
}

impl Connection {
    pub fn open(address: SocketAddr) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(address)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(300)))?;
        Ok(Connection {
            reader: BufReader::with_capacity(64 * 1024, stream.try_clone()?),
            writer: stream,
        })
    }

    /// Sends a prepared request and returns the status code and body of the answer.
    pub fn exchange(&mut self, request: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
        self.writer.write_all(request)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("not an HTTP status line: {line:?}"))?;
        let mut length = None;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse::<usize>().ok();
                }
            }
        }
        let length = length.ok_or_else(|| anyhow::anyhow!("an answer without Content-Length"))?;
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, body))
    }
}
