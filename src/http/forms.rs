//! What the event forms of the scan station and the passport's recording panel offer
//! (`templates/event_forms.html`): the kinds a product can take next, with who may sign them,
//! and each kind's data fields as its [`KindSpec`](crate::domain::kinds::KindSpec) declares
//! them, with their choices from the reference tables and the registry.

use crate::domain::data::Channel;
use crate::domain::kinds::{Choices, Custody, Field, Form, Input, Kind, ProductState};
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
    /// Only the actor the product is in transit to may sign it (it answers a hand-over).
    pub receiver: bool,
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
            receiver: answers_hand_over(kind),
        }
    }
}

/// The kinds a device records about an existing product, with their data fields.
fn station_kinds() -> impl Iterator<Item = (Kind, &'static [Field])> {
    Kind::ALL.iter().filter_map(|&kind| match kind.spec().form {
        Form::Station(fields) => Some((kind, fields)),
        Form::Elsewhere => None,
    })
}

/// Every kind a device records about an existing product (registration happens elsewhere).
pub fn product_kinds() -> Vec<KindChoice> {
    station_kinds()
        .map(|(kind, _)| KindChoice::of(kind))
        .collect()
}

/// `received` and `receipt_refused`: signed by the actor a subject is in transit to.
fn answers_hand_over(kind: Kind) -> bool {
    matches!(kind.spec().custody, Custody::Accepts | Custody::Declines)
}

/// The kinds the state machine allows next for a product in `state`: while it is in transit
/// (docs/lifecycle.md §8.3), only the answers to the hand-over; otherwise anything else.
pub fn next_kinds(state: ProductState, in_transit: bool) -> Vec<KindChoice> {
    station_kinds()
        .filter(|(kind, _)| {
            kind.transition()
                .is_some_and(|(from, _)| from.contains(&state))
                && answers_hand_over(*kind) == in_transit
        })
        .map(|(kind, _)| KindChoice::of(kind))
        .collect()
}

/// One option of a choice: value, text and a longer description.
pub struct Choice {
    pub value: String,
    pub text: String,
    pub title: String,
}

/// How one field is asked for on the page; `forms.js` reads it by its `data-type`.
pub enum Control {
    Input {
        data_type: &'static str,
        numeric: bool,
        max_len: Option<u8>,
    },
    Lines {
        item: &'static str,
        placeholder: &'static str,
    },
    Select(Vec<Choice>),
}

pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    pub optional: bool,
    pub control: Control,
}

/// The data fieldset of one kind; kinds without data have none.
pub struct Fieldset {
    pub kind: &'static str,
    pub fields: Vec<FieldView>,
}

/// The data fieldsets of every kind a device records.
pub struct EventForms {
    pub fieldsets: Vec<Fieldset>,
}

impl EventForms {
    /// `actors` gives the recipients a hand-over may choose from.
    pub fn new(actors: &[ActorRecord]) -> EventForms {
        let choices = ChoiceSource { actors };
        EventForms {
            fieldsets: station_kinds()
                .filter(|(_, fields)| !fields.is_empty())
                .map(|(kind, fields)| Fieldset {
                    kind: kind.as_str(),
                    fields: fields.iter().map(|field| choices.view(field)).collect(),
                })
                .collect(),
        }
    }
}

/// The actors a hand-over may name, for forms outside the per-kind fieldsets (the station's
/// container hand-over).
pub fn recipients(actors: &[ActorRecord]) -> Vec<Choice> {
    ChoiceSource { actors }.options(Choices::Recipients)
}

/// The collection channels, for the station's bulk intake form.
pub fn channels() -> Vec<Choice> {
    ChoiceSource { actors: &[] }.options(Choices::Channels)
}

struct ChoiceSource<'a> {
    actors: &'a [ActorRecord],
}

impl ChoiceSource<'_> {
    fn view(&self, field: &Field) -> FieldView {
        let input = |data_type| Control::Input {
            data_type,
            numeric: false,
            max_len: None,
        };
        let control = match field.input {
            Input::Text => input(""),
            Input::List => input("list"),
            Input::Grams => Control::Input {
                data_type: "int",
                numeric: true,
                max_len: None,
            },
            Input::Upper(max_len) => Control::Input {
                data_type: "upper",
                numeric: false,
                max_len: Some(max_len),
            },
            Input::Masses { item, placeholder } => Control::Lines { item, placeholder },
            Input::Choice(source) => {
                let mut options = Vec::new();
                if field.optional {
                    options.push(plain("", "not recorded"));
                }
                options.extend(self.options(source));
                Control::Select(options)
            }
        };
        FieldView {
            name: field.name,
            label: field.label,
            optional: field.optional,
            control,
        }
    }

    fn options(&self, source: Choices) -> Vec<Choice> {
        match source {
            Choices::Channels => Channel::ALL
                .iter()
                .map(|channel| plain(channel.as_str(), channel_label(*channel)))
                .collect(),
            Choices::Recipients => self
                .actors
                .iter()
                .filter(|actor| {
                    !actor.revoked
                        && Kind::HandedOver
                            .allowed_roles()
                            .iter()
                            .any(|role| actor.has_role(*role))
                })
                .map(|actor| Choice {
                    value: actor.id.to_string(),
                    text: format!("{} ({})", actor.org, actor.name),
                    title: String::new(),
                })
                .collect(),
            Choices::Recovery => operations(&[OperationKind::Recovery]),
            Choices::Disposal => operations(&[OperationKind::Disposal]),
            Choices::RecoveryOrDisposal => {
                operations(&[OperationKind::Recovery, OperationKind::Disposal])
            }
            Choices::Fixed(values) => values.iter().map(|value| plain(value, value)).collect(),
        }
    }
}

fn plain(value: &str, text: &str) -> Choice {
    Choice {
        value: value.into(),
        text: text.into(),
        title: String::new(),
    }
}

/// The Basel operations of `kinds`, in that order, as `code · description`.
fn operations(kinds: &[OperationKind]) -> Vec<Choice> {
    kinds
        .iter()
        .flat_map(|wanted| {
            reference::operations()
                .iter()
                .filter(move |op| op.kind == *wanted)
        })
        .map(|op| Choice {
            value: op.code.clone(),
            text: format!("{} · {}", op.code, op.description),
            title: op.description.clone(),
        })
        .collect()
}

/// How a kind reads on a page.
pub fn kind_label(kind: Kind) -> &'static str {
    kind.spec().label
}

/// How a collection channel reads on a page (its wire name is the option's value).
pub fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Municipal => "municipal",
        Channel::RetailTakeBack => "retail take-back",
        Channel::ProducerTakeBack => "producer take-back",
        Channel::Informal => "informal sector",
        Channel::Other => "other",
    }
}
