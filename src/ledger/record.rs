//! Recording: the one way events enter the ledger, whether one event, a batch, an atomic
//! batch or an EPCIS capture. It verifies signatures off the writer, hands what passed to the
//! writer, keeps every outcome in its submission's place, applies all-or-nothing, and answers
//! the whole request with an error when the database kept the writer from committing.

use super::appender::Job;
use super::{Ledger, LedgerError, Receipt, VerifiedEvent};
use crate::domain::event::SignedEvent;
use crate::domain::rejection::Rejection;
use std::future::Future;
use tokio::sync::oneshot;

/// How the events of one request stand together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Atomicity {
    /// Each event is recorded or refused by itself.
    EachOnItsOwn,
    /// When any event is refused, none is recorded.
    AllOrNothing,
}

/// One event of a request, or why it could not even be read.
pub type Submission = Result<SignedEvent, Rejection>;

/// What became of one submission.
pub type Outcome = Result<Receipt, Rejection>;

impl Ledger {
    /// Records a request's submissions and answers one outcome per submission, in order.
    /// An `Err` is for the whole request: nothing of it was recorded (the database is
    /// unavailable, or the ledger failed), and it can be sent again as it is.
    pub async fn record(
        &self,
        submissions: Vec<Submission>,
        atomicity: Atomicity,
    ) -> Result<Vec<Outcome>, LedgerError> {
        let verified = passing_through(submissions, |signed| self.verify_all(signed)).await?;
        if atomicity == Atomicity::AllOrNothing && verified.iter().any(Result::is_err) {
            return Ok(aborted(verified));
        }
        passing_through(verified, |events| self.write(events, atomicity)).await
    }

    /// Records one event: its receipt, or its refusal as [`LedgerError::Rejected`].
    pub async fn record_one(&self, signed: SignedEvent) -> Result<Receipt, LedgerError> {
        let outcome = self
            .record(vec![Ok(signed)], Atomicity::EachOnItsOwn)
            .await?
            .pop()
            .ok_or_else(|| LedgerError::Internal("recording answered nothing".into()))?;
        outcome.map_err(LedgerError::Rejected)
    }

    /// Hands verified events to the writer and waits until they are committed (or refused).
    async fn write(
        &self,
        events: Vec<VerifiedEvent>,
        atomicity: Atomicity,
    ) -> Result<Vec<Outcome>, LedgerError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let stopped = || LedgerError::Unavailable("the writer has stopped".into());
        let (reply, answer) = oneshot::channel();
        let job = Job {
            events,
            atomicity,
            reply,
        };
        self.writer.send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The outcomes of an all-or-nothing request that failed: each refused item keeps its own
/// rejection, and every other item is refused as aborted by the first refusal.
pub(super) fn aborted<T>(items: Vec<Result<T, Rejection>>) -> Vec<Outcome> {
    let failed_index = items.iter().position(Result::is_err).unwrap_or_default();
    items
        .into_iter()
        .map(|item| match item {
            Ok(_) => Err(Rejection::BatchAborted { failed_index }),
            Err(rejection) => Err(rejection),
        })
        .collect()
}

/// Runs `stage` once on the items still passing, and puts its results back in their places;
/// refused items keep their rejections.
async fn passing_through<T, U, Stage, Done>(
    items: Vec<Result<T, Rejection>>,
    stage: Stage,
) -> Result<Vec<Result<U, Rejection>>, LedgerError>
where
    Stage: FnOnce(Vec<T>) -> Done,
    Done: Future<Output = Result<Vec<Result<U, Rejection>>, LedgerError>>,
{
    let mut passing = Vec::with_capacity(items.len());
    let places: Vec<Result<(), Rejection>> = items
        .into_iter()
        .map(|item| item.map(|value| passing.push(value)))
        .collect();
    let count = passing.len();
    let results = stage(passing).await?;
    if results.len() != count {
        return Err(LedgerError::Internal(format!(
            "{count} events went in and {} outcomes came out",
            results.len()
        )));
    }
    let mut results = results.into_iter();
    Ok(places
        .into_iter()
        .map(|place| place.and_then(|()| results.next().expect("one result per passing item")))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn outcomes_keep_their_places_around_refused_items() {
        let refused = Rejection::invalid("event.kind", "not a kind");
        let items = vec![Ok(1), Err(refused.clone()), Ok(3)];
        let out = passing_through(items, |passing: Vec<i32>| async move {
            Ok(passing.into_iter().map(|n| Ok(n * 10)).collect())
        })
        .await
        .unwrap();
        assert_eq!(out, vec![Ok(10), Err(refused), Ok(30)]);
    }

    #[tokio::test]
    async fn a_stage_that_loses_an_outcome_fails_the_request() {
        let lost = passing_through(vec![Ok(1), Ok(2)], |_: Vec<i32>| async {
            Ok(vec![Ok::<i32, Rejection>(1)])
        })
        .await;
        assert!(matches!(lost, Err(LedgerError::Internal(_))));
    }

    #[test]
    fn an_aborted_request_names_its_first_refusal() {
        let first = Rejection::invalid("event.prev", "stale");
        let second = Rejection::invalid("event.kind", "not a kind");
        let out = aborted(vec![
            Ok(()),
            Err(first.clone()),
            Ok(()),
            Err(second.clone()),
        ]);
        let aborted_by_1 = Err(Rejection::BatchAborted { failed_index: 1 });
        assert_eq!(
            out,
            vec![aborted_by_1.clone(), Err(first), aborted_by_1, Err(second)]
        );
    }
}
