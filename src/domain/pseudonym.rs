//! The pseudonymous aggregator id of informal collection (docs/lifecycle.md §8.2). An informal
//! collector is paid on the strength of the receipt, so the ledger records who brought the
//! material, but it is a public log: the id is chosen by the collector, opaque, and never a
//! person's name or contact. The ledger cannot know a name when it sees one; it refuses what
//! plainly is personal data (an e-mail address, a phone number, words with spaces).

use super::data::Channel;
use super::rejection::Rejection;

/// Longest aggregator id, in characters.
pub const MAX_AGGREGATOR_CHARS: usize = 64;

/// Checks `aggregator` of an intake collected through `channel`.
pub fn check_aggregator(
    channel: Option<Channel>,
    aggregator: &Option<String>,
) -> Result<(), Rejection> {
    let Some(id) = aggregator else {
        return Ok(());
    };
    let refuse = |why: String| Rejection::PersonalAggregator {
        field: "data.aggregator".into(),
        reason: why,
    };
    if channel != Some(Channel::Informal) {
        return Err(Rejection::invalid(
            "data.aggregator",
            "an aggregator is recorded only for channel `informal`",
        ));
    }
    super::data_fields::text("data.aggregator", id, MAX_AGGREGATOR_CHARS)?;
    if id.contains('@') {
        return Err(refuse("it looks like an e-mail address".into()));
    }
    if looks_like_phone_number(id) {
        return Err(refuse("it looks like a phone number".into()));
    }
    if id.chars().any(char::is_whitespace) {
        return Err(refuse(
            "it contains spaces, like a name; an id is one word such as `AGG-0042`".into(),
        ));
    }
    Ok(())
}

/// Seven or more digits with nothing but phone punctuation between them (`+254 712 345678`,
/// `0712-345-678`, `(030) 1234567`).
fn looks_like_phone_number(id: &str) -> bool {
    let digits = id.chars().filter(char::is_ascii_digit).count();
    digits >= 7
        && id
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | '(' | ')' | ' ' | '/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: &str) -> Result<(), Rejection> {
        check_aggregator(Some(Channel::Informal), &Some(id.into()))
    }

    #[test]
    fn opaque_ids_pass() {
        for id in ["AGG-0042", "kb7f3", "waste-picker-17", "2024-11-A"] {
            assert_eq!(check(id), Ok(()), "{id}");
        }
    }

    #[test]
    fn personal_data_is_refused_with_its_own_type() {
        for id in [
            "jane@example.org",
            "+254 712 345678",
            "0712-345-678",
            "(030)1234567",
            "Jane Wanjiru",
        ] {
            let refused = check(id).unwrap_err();
            assert_eq!(refused.code(), "aggregator-not-pseudonymous", "{id}");
        }
    }

    #[test]
    fn only_informal_intake_names_an_aggregator() {
        let refused = check_aggregator(Some(Channel::Municipal), &Some("AGG-1".into()));
        assert_eq!(refused.unwrap_err().code(), "invalid-field");
        assert_eq!(check_aggregator(None, &None), Ok(()));
    }

    #[test]
    fn ids_are_at_most_64_characters() {
        assert_eq!(check(&"a".repeat(64)), Ok(()));
        assert_eq!(check(&"a".repeat(65)).unwrap_err().code(), "invalid-field");
    }
}
