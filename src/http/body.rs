//! Reading request bodies with a size limit and a deadline, answering problems (not actix's
//! plain-text errors) when either is exceeded.

use super::problem::Problem;
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, BytesMut, Payload};
use futures_util::StreamExt;
use std::time::Duration;

/// Reads the whole body, refusing more than `limit` bytes or a sender slower than `deadline`.
pub async fn read_limited(
    mut payload: Payload,
    limit: usize,
    deadline: Duration,
) -> Result<Bytes, Problem> {
    let read = async {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                Problem::bad_request(
                    "invalid-body",
                    format!("The request body could not be read: {e}."),
                )
            })?;
            if body.len() + chunk.len() > limit {
                return Err(Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body-too-large",
                    "Request body too large",
                    format!(
                        "The request body exceeds the limit of {limit} bytes for this endpoint."
                    ),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    tokio::time::timeout(deadline, read)
        .await
        .unwrap_or_else(|_| {
            Err(Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "body-timeout",
                "Request body too slow",
                format!(
                    "The request body did not arrive within {} s.",
                    deadline.as_secs()
                ),
            ))
        })
}
