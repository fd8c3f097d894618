//! Batch verification across requests. Each `POST /v1/events` carries one signature; verified
//! alone it costs about twice what it costs inside an Ed25519 batch. Under load many such
//! requests are in flight at once, so one thread gathers whatever signatures are waiting (up
//! to 64), checks them together and answers each request. Under light load a batch is a single
//! signature and nothing is lost but a thread hop.

use crate::domain::signing;
use ed25519_dalek::{Signature, VerifyingKey};
use std::sync::mpsc;
use tokio::sync::oneshot;

const MAX_BATCH: usize = 64;

struct Request {
    message: Vec<u8>,
    signature: Signature,
    key: VerifyingKey,
    reply: oneshot::Sender<bool>,
}

/// A handle to the verification thread.
#[derive(Clone)]
pub struct SignatureBatcher {
    sender: mpsc::Sender<Request>,
}

impl SignatureBatcher {
    /// Starts the thread; it ends when every handle is dropped.
    pub fn spawn() -> std::io::Result<SignatureBatcher> {
        let (sender, receiver) = mpsc::channel::<Request>();
        std::thread::Builder::new()
            .name("sig-batcher".into())
            .spawn(move || {
                while let Ok(first) = receiver.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match receiver.try_recv() {
                            Ok(request) => batch.push(request),
                            Err(_) => break,
                        }
                    }
                    answer(batch);
                }
            })?;
        Ok(SignatureBatcher { sender })
    }

    /// Whether `signature` over `message` verifies under `key`.
    pub async fn verify(&self, message: Vec<u8>, signature: Signature, key: VerifyingKey) -> bool {
        let (reply, answer) = oneshot::channel();
        let request = Request {
            message,
            signature,
            key,
            reply,
        };
        match self.sender.send(request) {
            Ok(()) => answer.await.unwrap_or(false),
            // The thread is gone (only at shutdown): verify here rather than refuse.
            Err(mpsc::SendError(request)) => verify_one(&request),
        }
    }
}

fn verify_one(request: &Request) -> bool {
    ed25519_dalek::Verifier::verify(&request.key, &request.message, &request.signature).is_ok()
}

/// Verifies a batch at once; only when that fails, one by one to find the bad ones.
fn answer(batch: Vec<Request>) {
    let all_valid = batch.len() > 1 && {
        let messages: Vec<&[u8]> = batch.iter().map(|r| r.message.as_slice()).collect();
        let signatures: Vec<Signature> = batch.iter().map(|r| r.signature).collect();
        let keys: Vec<VerifyingKey> = batch.iter().map(|r| r.key).collect();
        signing::verify_batch(&messages, &signatures, &keys)
    };
    for request in batch {
        let valid = all_valid || verify_one(&request);
        // A request that gave up waiting is no error.
        let _ = request.reply.send(valid);
    }
}
