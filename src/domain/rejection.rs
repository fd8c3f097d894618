//! Why an event is refused. Every variant names what was wrong (the field, the state, the
//! entry) so that a client can fix or retry; the HTTP layer turns each into an RFC 9457
//! problem whose `type` ends in [`Rejection::code`] and whose members are the variant's fields.

use super::kinds::{Kind, ProductState, Role};
use super::wording::{and_list, or_list, Named};
use serde::Serialize;
use uuid::Uuid;

/// A refused event. Nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(untagged)]
pub enum Rejection {
    #[error("The request body is not valid JSON: {detail}.")]
    InvalidJson { detail: String },
    #[error("The member `{field}` appears more than once in its object; duplicate member names are refused (I-JSON, RFC 7493 §2.3).")]
    DuplicateMember { field: String },
    #[error("The member `{field}` is not part of this format; unknown members are refused.")]
    UnknownField { field: String },
    #[error("The member `{field}` is required.")]
    MissingField { field: String },
    #[error("The member `{field}` is invalid: {reason}.")]
    InvalidField { field: String, reason: String },
    #[error("The GTIN in `{field}` is invalid: {reason}.")]
    InvalidGtin { field: String, reason: String },
    #[error("`{value}` in `{field}` is not a UN/LOCODE (5 characters: country code and 3 letters or digits 2-9, no space).")]
    InvalidLocode { field: String, value: String },
    #[error("`{value}` is not one of the 54 UNU-KEYs.")]
    UnknownUnuKey { field: String, value: String },
    #[error("`{value}` in `{field}` is not a Basel Annex IV {expected} operation code.")]
    UnknownOperation {
        field: String,
        value: String,
        expected: String,
    },
    #[error("Unknown hazard `{value}` in `{field}`; {}known: {}.", suggestion_phrase(.suggestion), super::wording::or_list(&known_hazards()))]
    UnknownHazard {
        field: String,
        value: String,
        /// The nearest known hazard, when the value looks like a typo of it.
        suggestion: Option<String>,
    },
    #[error("The product id {found} does not match the id derived from its GTIN and serial, {expected}.")]
    ProductIdMismatch { expected: Uuid, found: Uuid },
    #[error("The signature does not verify with the current key of actor {actor}.")]
    BadSignature { actor: Named },
    /// The signer is not registered: the event is not allowed (403).
    #[error("Actor {actor} is not registered.")]
    UnknownSigner { field: String, actor: Uuid },
    /// An actor the event names is not registered: the event cannot apply (422).
    #[error("Actor {actor} is not registered.")]
    UnknownActor { field: String, actor: Uuid },
    #[error("Actor {actor} has been revoked and can no longer sign events.")]
    ActorRevoked { actor: Named },
    #[error(
        "Actor {actor} may not record `{kind}`: {}, and only {} may record it.",
        roles_phrase(.roles), or_list(.allowed)
    )]
    RoleNotAllowed {
        actor: Named,
        kind: Kind,
        roles: Vec<Role>,
        allowed: Vec<Role>,
    },
    #[error("Only the custodian of {} may record `{kind}`, and actor {actor} is not: {}.",
        .product.spelled(), custodian_phrase(.custodian))]
    NotCustodian {
        product: Named,
        kind: Kind,
        actor: Named,
        custodian: Option<Named>,
    },
    #[error("The log is empty: its first entry must register the first admin, signed by that admin's own key.")]
    GenesisRequired,
    #[error("Product {product} is not registered.")]
    UnknownProduct { product: Uuid },
    #[error("City {locode} is not registered; an admin registers cities with `city_registered`.")]
    UnknownCity { field: String, locode: String },
    #[error("`{kind}` is not allowed for {}, which is `{state}`; `{kind}` needs it to be {}{}.",
        .product.spelled(), if .allowed_from.len() > 1 { "one of " } else { "" }, or_list(.allowed_from))]
    IllegalTransition {
        product: Named,
        kind: Kind,
        state: ProductState,
        allowed_from: Vec<ProductState>,
    },
    #[error("{} is `{state}`, a final state: no further events are accepted.", capitalised(&.product.spelled()))]
    TerminalState { product: Named, state: ProductState },
    #[error("`prev` is {found} but the latest entry of {} has leaf hash {head}: re-read the {} and retry.", .product.spelled(), .product.noun())]
    StalePrev {
        product: Named,
        head: String,
        head_seq: i64,
        found: String,
    },
    #[error("Product {product} is already registered.")]
    DuplicateProduct { product: Named },
    #[error("Event id {id} is already used by the different event at seq {seq}.")]
    DuplicateEventId { id: Uuid, seq: i64 },
    #[error("Actor {actor} is already registered.")]
    DuplicateActor { actor: Named },
    #[error("City {locode} is already registered.")]
    DuplicateCity { locode: String },
    #[error("The masses in `{field}` add up to {total_g} g, more than the {available_g} g left of {}.", .product.spelled())]
    MassExceedsInput {
        product: Named,
        field: String,
        total_g: u64,
        available_g: u64,
    },
    #[error("`occurred_at` {occurred_at} is later than the ledger's clock {now} plus the allowed skew of {skew_seconds} s.")]
    FromTheFuture {
        occurred_at: String,
        now: String,
        skew_seconds: i64,
    },
    #[error("`{field}` is `{value}`, a leap second (second 60): the ledger accepts seconds 00 to 59 only.")]
    LeapSecond { field: String, value: String },
    #[error("`occurred_at` {occurred_at} is earlier than {previous_occurred_at}, when {}'s previous entry (seq {previous_seq}) happened: a {}'s events are in time order.", .product.spelled(), .product.noun())]
    OccurredBeforePrevious {
        product: Named,
        occurred_at: String,
        previous_seq: i64,
        previous_occurred_at: String,
    },
    #[error("`occurred_at` {occurred_at} is earlier than {registered_at}, when signer {actor} was registered (seq {registered_seq}): an actor records nothing before it exists.")]
    OccurredBeforeSigner {
        actor: Named,
        occurred_at: String,
        registered_seq: i64,
        registered_at: String,
    },
    #[error("GTIN {gtin} falls under GS1 company prefix {prefix}, declared by actor {owner}: only that actor may register it.")]
    GtinPrefixOwned {
        gtin: String,
        prefix: String,
        owner: Named,
    },
    #[error("GS1 company prefix {prefix} in `{field}` overlaps prefix {declared}, already declared by actor {owner}: a GTIN can belong to one organisation only.")]
    PrefixOverlap {
        field: String,
        prefix: String,
        declared: String,
        owner: Named,
    },
    #[error("Actor {actor} is the last active admin; register another admin before revoking it.")]
    LastAdmin { actor: Named },
    #[error("`{field}` cannot be used as an aggregator id: {reason}. An informal collector's aggregator is a pseudonymous id the collector chooses, never a name, e-mail address or phone number (the log is public).")]
    PersonalAggregator { field: String, reason: String },
    #[error("{} is not recorded.", capitalised(&.subject.spelled()))]
    UnknownSubject { subject: Named },
    #[error("{} is packed in container {container}: while inside, it has no events of its own; record them on the container, or unpack it first.", capitalised(&.subject.spelled()))]
    InContainer { subject: Named, container: Named },
    #[error("{} is not in container {container}.", capitalised(&.subject.spelled()))]
    NotInContainer { subject: Named, container: Named },
    #[error("{} is in transit to actor {to} since entry {since_seq}: it accepts only `received` or `receipt_refused` by that actor until then.", capitalised(&.subject.spelled()))]
    InTransit {
        subject: Named,
        to: Named,
        since_seq: i64,
    },
    #[error("{} is not in transit: `{kind}` answers a `handed_over` that is still open.", capitalised(&.subject.spelled()))]
    NotInTransit { subject: Named, kind: Kind },
    #[error("{} is in transit to actor {to}: only that actor may record `{kind}`, not actor {actor}.", capitalised(&.subject.spelled()))]
    NotReceiver {
        subject: Named,
        kind: Kind,
        actor: Named,
        to: Named,
    },
    #[error("Entry {seq} can no longer be declared an error: the latest entry of {} is entry {head_seq}. A correction is allowed only while the erroneous entry is the head of every subject it changed.", .subject.spelled())]
    CorrectionNotHead {
        seq: i64,
        subject: Named,
        head_seq: i64,
    },
    #[error("Entry {seq} cannot be declared an error by actor {actor}: {reason}.")]
    CorrectionNotAllowed {
        seq: i64,
        actor: Named,
        reason: String,
    },
    #[error("Nothing of this all-or-nothing batch was recorded because item {failed_index} was refused.")]
    BatchAborted { failed_index: usize },
}

/// "did you mean `battery:li-ion`? ", or nothing.
fn suggestion_phrase(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map_or(String::new(), |s| format!("did you mean `{s}`? "))
}

/// Every hazard code of `reference/hazards.csv`.
fn known_hazards() -> Vec<&'static str> {
    super::reference::hazards()
        .iter()
        .map(|h| h.code.as_str())
        .collect()
}

/// `it is `collector` and `recycler``, for a refusal by role.
fn roles_phrase(roles: &[Role]) -> String {
    if roles.is_empty() {
        "it has no role".into()
    } else {
        format!("it is {}", and_list(roles))
    }
}

/// The sentence-initial spelling: `Product FP5-0001 (3a517dc7) is …`.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or(String::new(), |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Who holds the product, for a refusal by custody.
fn custodian_phrase(custodian: &Option<Named>) -> String {
    match custodian {
        Some(holder) => format!("its custodian is actor {holder}"),
        None => "it has no custodian now".into(),
    }
}

impl Rejection {
    /// A stable, kebab-case name for this kind of rejection: the last segment of the problem
    /// `type`. Clients switch on it; it never changes once published.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::InvalidJson { .. } => "invalid-json",
            Rejection::DuplicateMember { .. } => "duplicate-member",
            Rejection::UnknownField { .. } => "unknown-field",
            Rejection::MissingField { .. } => "missing-field",
            Rejection::InvalidField { .. } => "invalid-field",
            Rejection::InvalidGtin { .. } => "invalid-gtin",
            Rejection::InvalidLocode { .. } => "invalid-locode",
            Rejection::UnknownUnuKey { .. } => "unknown-unu-key",
            Rejection::UnknownOperation { .. } => "unknown-operation",
            Rejection::UnknownHazard { .. } => "unknown-hazard",
            Rejection::ProductIdMismatch { .. } => "product-id-mismatch",
            Rejection::BadSignature { .. } => "bad-signature",
            Rejection::UnknownSigner { .. } | Rejection::UnknownActor { .. } => "unknown-actor",
            Rejection::ActorRevoked { .. } => "actor-revoked",
            Rejection::RoleNotAllowed { .. } => "role-not-allowed",
            Rejection::NotCustodian { .. } => "not-custodian",
            Rejection::GenesisRequired => "genesis-required",
            Rejection::UnknownProduct { .. } => "unknown-product",
            Rejection::UnknownCity { .. } => "unknown-city",
            Rejection::IllegalTransition { .. } => "illegal-transition",
            Rejection::TerminalState { .. } => "terminal-state",
            Rejection::StalePrev { .. } => "stale-prev",
            Rejection::DuplicateProduct { .. } => "duplicate-product",
            Rejection::DuplicateEventId { .. } => "duplicate-event-id",
            Rejection::DuplicateActor { .. } => "duplicate-actor",
            Rejection::DuplicateCity { .. } => "duplicate-city",
            Rejection::MassExceedsInput { .. } => "mass-exceeds-input",
            Rejection::FromTheFuture { .. } => "event-from-future",
            Rejection::LeapSecond { .. } => "leap-second",
            Rejection::OccurredBeforePrevious { .. } => "occurred-before-previous",
            Rejection::OccurredBeforeSigner { .. } => "occurred-before-signer",
            Rejection::GtinPrefixOwned { .. } => "gtin-prefix-owned",
            Rejection::PrefixOverlap { .. } => "gs1-prefix-overlap",
            Rejection::LastAdmin { .. } => "last-admin",
            Rejection::PersonalAggregator { .. } => "aggregator-not-pseudonymous",
            Rejection::UnknownSubject { .. } => "unknown-subject",
            Rejection::InContainer { .. } => "packed-in-container",
            Rejection::NotInContainer { .. } => "not-in-container",
            Rejection::InTransit { .. } => "in-transit",
            Rejection::NotInTransit { .. } => "not-in-transit",
            Rejection::NotReceiver { .. } => "not-receiver",
            Rejection::CorrectionNotHead { .. } => "correction-not-head",
            Rejection::CorrectionNotAllowed { .. } => "correction-not-allowed",
            Rejection::BatchAborted { .. } => "batch-aborted",
        }
    }

    /// Shorthand for the most common rejection.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Rejection {
        Rejection::InvalidField {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
