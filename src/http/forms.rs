//! What the event forms of the scan station and the passport's recording panel offer
//! (`templates/event_forms.html`): the kinds a product can take next, with who may sign them,
//! and the choices each kind's data allows, from the reference tables and the registry.

use crate::domain::kinds::{Kind, ProductState};
use crate::domain::records::ActorRecord;
use crate::domain::reference::{self, OperationKind};

/// A kind a device may offer, with the roles that may sign it.
pub struct KindChoice {
    pub kind: &'static str,
    pub label: &'static str,
    /// Space-separated role names, for the page's script to match against the device's roles.
    pub roles: String,
    /// Only the product's custodian may sign it.
    pub custody: bool,
}

impl KindChoice {
    fn of(kind: Kind) -> KindChoice {
        KindChoice {
            kind: kind.as_str(),
            label: kind_label(kind),
            roles: kind
                .allowed_roles()
                .iter()
                .map(|role| role.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            custody: kind.needs_custody(),
        }
    }
}

/// Every kind a device records about an existing product (registration happens elsewhere).
pub fn product_kinds() -> Vec<KindChoice> {
    Kind::ALL
        .iter()
        .filter(|kind| kind.transition().is_some())
        .map(|&kind| KindChoice::of(kind))
        .collect()
}

/// The kinds the state machine allows next for a product in `state`.
pub fn next_kinds(state: ProductState) -> Vec<KindChoice> {
    Kind::ALL
        .iter()
        .filter(|kind| {
            kind.transition()
                .is_some_and(|(from, _)| from.contains(&state))
        })
        .map(|&kind| KindChoice::of(kind))
        .collect()
}

/// The choices inside the data fieldsets.
pub struct EventForms {
    /// `(code, description)` of the R operations, then of the D operations.
    pub recovery: Vec<(String, String)>,
    pub disposal: Vec<(String, String)>,
    pub channels: &'static [&'static str],
    /// `(id, "org (name)")` of the active actors who can take custody in a hand-over.
    pub recipients: Vec<(String, String)>,
}

impl EventForms {
    pub fn new(actors: &[ActorRecord]) -> EventForms {
        let operations = |wanted: OperationKind| {
            reference::operations()
                .iter()
                .filter(|op| op.kind == wanted)
                .map(|op| (op.code.clone(), op.description.clone()))
                .collect()
        };
        EventForms {
            recovery: operations(OperationKind::Recovery),
            disposal: operations(OperationKind::Disposal),
            channels: &[
                "municipal",
                "retail_take_back",
                "producer_take_back",
                "other",
            ],
            recipients: actors
                .iter()
                .filter(|actor| {
                    !actor.revoked
                        && Kind::HandedOver
                            .allowed_roles()
                            .iter()
                            .any(|role| actor.has_role(*role))
                })
                .map(|actor| {
                    (
                        actor.id.to_string(),
                        format!("{} ({})", actor.org, actor.name),
                    )
                })
                .collect(),
        }
    }
}

/// How a kind reads on a page.
pub fn kind_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Registered => "Registered",
        Kind::PlacedOnMarket => "Sold (placed on the market)",
        Kind::Resold => "Resold",
        Kind::Repaired => "Repaired",
        Kind::Collected => "Collected",
        Kind::HandedOver => "Handed over",
        Kind::PreparedForReuse => "Prepared for re-use",
        Kind::Depolluted => "Depolluted",
        Kind::Recycled => "Recycled",
        Kind::Disposed => "Disposed of",
        Kind::Exported => "Exported",
        _ => "Registry event",
    }
}
