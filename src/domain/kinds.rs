//! The closed vocabularies of docs/lifecycle.md–3: event kinds, actor roles and product states.

use super::named_enum::named_enum;
use super::stats::metric::Metric;

named_enum!(
    /// What an event records.
    Kind {
        Registered => "registered",
        PlacedOnMarket => "placed_on_market",
        Resold => "resold",
        Repaired => "repaired",
        Collected => "collected",
        HandedOver => "handed_over",
        PreparedForReuse => "prepared_for_reuse",
        Depolluted => "depolluted",
        Recycled => "recycled",
        Disposed => "disposed",
        Exported => "exported",
        LotCollected => "lot_collected",
        Packed => "packed",
        Unpacked => "unpacked",
        Received => "received",
        ReceiptRefused => "receipt_refused",
        ErrorDeclared => "error_declared",
        ActorRegistered => "actor_registered",
        ActorKeyRotated => "actor_key_rotated",
        ActorRevoked => "actor_revoked",
        CityRegistered => "city_registered",
        PomBaseline => "pom_baseline",
    }
);

named_enum!(
    /// What an actor may sign.
    Role {
        Admin => "admin",
        Manufacturer => "manufacturer",
        Retailer => "retailer",
        Repairer => "repairer",
        Collector => "collector",
        Recycler => "recycler",
        Regulator => "regulator",
    }
);

named_enum!(
    /// Where a product is in its life.
    ProductState {
        Manufactured => "manufactured",
        InUse => "in_use",
        Collected => "collected",
        ReuseReady => "reuse_ready",
        Recycled => "recycled",
        Disposed => "disposed",
        Exported => "exported",
        Voided => "voided",
    }
);

named_enum!(
    /// The kinds of things the ledger follows (docs/lifecycle.md §8): each has its own chain
    /// of entries, state, custodian, label and page, and an event names its primary one in
    /// the top-level member of this name.
    SubjectKind {
        Product => "product",
        Lot => "lot",
        Container => "container",
    }
);

/// Everything a kind means, declared once: who signs it, what it does to its subject, how it
/// maps to EPCIS, how it reads on pages, how a device records it and what it counts. Adding a
/// kind starts here (docs/architecture.md, "How to add a kind").
#[derive(Clone, Copy, Debug)]
pub struct KindSpec {
    /// How the kind reads on pages.
    pub label: &'static str,
    pub subject: Subject,
    /// The roles allowed to sign it. `registered` by a collector or recycler is only allowed
    /// for unlabelled intake; the rules check that separately.
    pub signers: &'static [Role],
    pub custody: Custody,
    pub transition: Transition,
    /// The milestone of the product's life it marks, which the statistics count from.
    pub marks: Option<Mark>,
    pub epcis: Epcis,
    pub form: Form,
    /// The statistics metrics its facts may carry (docs/kpis.md).
    pub facts: &'static [Metric],
}

/// What an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// One subject of these kinds: the event carries `city`, the subject's member (`product`,
    /// `lot` or `container`) and, unless it creates the subject, `prev`.
    Of(&'static [SubjectKind]),
    /// The registry of actors, cities and baselines: no `city`, no subject.
    Registry,
}

/// What the kind asks and does about custody (the † kinds of docs/ledger-format.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Custody {
    /// Custody plays no part.
    Untouched,
    /// The signer takes custody (collection).
    Takes,
    /// The product leaves waste custody (it goes back into use).
    Ends,
    /// Only the custodian may sign it; custody stays.
    Holder,
    /// Only the custodian may sign it; the subject is in transit to the actor the data names,
    /// and the sender stays custodian until that actor acts (docs/lifecycle.md §8.3).
    Sends,
    /// Only the actor the subject is in transit to may sign it; it becomes the custodian.
    Accepts,
    /// Only the actor the subject is in transit to may sign it; it goes back to the sender.
    Declines,
}

/// How the kind moves its subject through the state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// The event creates the subject.
    Creates,
    /// The subject must be in one of `from` and moves to `to`.
    Moves {
        from: &'static [ProductState],
        to: ProductState,
    },
    /// The subject returns to its state before an erroneous entry (docs/lifecycle.md §8.4).
    Reverts,
    /// Registry kinds change the registry, not a subject's state.
    Registry,
}

/// A milestone the product record keeps, with city and date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// First sale (placed on the market): where sales count.
    Sold,
    /// Collection: where the waste counts from then on.
    Collected,
}

/// The kind's GS1 EPCIS 2.0 classification (docs/epcis.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Epcis {
    pub event_type: EpcisType,
    /// `ADD` or `OBSERVE`; transformation events have none.
    pub action: Option<&'static str>,
    pub biz_step: BizStep,
    pub disposition: Option<&'static str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpcisType {
    ObjectEvent,
    AggregationEvent,
    TransformationEvent,
}

impl EpcisType {
    pub fn as_str(self) -> &'static str {
        match self {
            EpcisType::ObjectEvent => "ObjectEvent",
            EpcisType::AggregationEvent => "AggregationEvent",
            EpcisType::TransformationEvent => "TransformationEvent",
        }
    }
}

/// A business step: a CBV 2.0 term, or a term of our own vocabulary where CBV has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BizStep {
    Cbv(&'static str),
    Ours(&'static str),
}

/// How a device records the kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// At the scan station and on the passport's recording panel, with these data fields
    /// (none for kinds without data).
    Station(&'static [Field]),
    /// Not at the station: products are registered by their manufacturer (`register`,
    /// `import`), registry events by an admin (`actor`, `city`, `baseline`).
    Elsewhere,
}

/// One member of `data` as a form asks for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// The member of `data` it fills.
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub optional: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    Text,
    /// Comma-separated words, sent as a list.
    List,
    /// A whole number of grams.
    Grams,
    /// Upper-cased letters, at most this many.
    Upper(u8),
    /// One `item grams` pair per line, sent as `[{item: .., mass_g: ..}]`.
    Masses {
        item: &'static str,
        placeholder: &'static str,
    },
    Choice(Choices),
}

/// Where a choice's options come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choices {
    /// The collection channels.
    Channels,
    /// Active actors who can take custody.
    Recipients,
    /// Basel R operations.
    Recovery,
    /// Basel D operations.
    Disposal,
    /// R, then D operations.
    RecoveryOrDisposal,
    /// These values.
    Fixed(&'static [&'static str]),
}

const fn field(name: &'static str, label: &'static str, input: Input) -> Field {
    Field {
        name,
        label,
        input,
        optional: false,
    }
}

const fn optional(name: &'static str, label: &'static str, input: Input) -> Field {
    Field {
        name,
        label,
        input,
        optional: true,
    }
}

const fn object(
    action: &'static str,
    biz_step: BizStep,
    disposition: Option<&'static str>,
) -> Epcis {
    Epcis {
        event_type: EpcisType::ObjectEvent,
        action: Some(action),
        biz_step,
        disposition,
    }
}

/// Registry events are about actors, cities and baselines, not objects: an empty epcList with
/// a step of our own, so the log maps whole.
const REGISTRY_EPCIS: Epcis = object("OBSERVE", BizStep::Ours("bizstep:registry"), None);

const fn aggregation(action: &'static str, biz_step: &'static str) -> Epcis {
    Epcis {
        event_type: EpcisType::AggregationEvent,
        action: Some(action),
        biz_step: BizStep::Cbv(biz_step),
        disposition: Some("in_progress"),
    }
}

/// Who may hold waste, and so hand it over, receive it, pack and unpack it.
const HOLDERS: &[Role] = &[
    Role::Collector,
    Role::Recycler,
    Role::Repairer,
    Role::Retailer,
];

const fn registry(label: &'static str) -> KindSpec {
    KindSpec {
        label,
        subject: Subject::Registry,
        signers: &[Role::Admin],
        custody: Custody::Untouched,
        transition: Transition::Registry,
        marks: None,
        epcis: REGISTRY_EPCIS,
        form: Form::Elsewhere,
        facts: &[],
    }
}

/// Events about one product.
const PRODUCT: Subject = Subject::Of(&[SubjectKind::Product]);
/// Events that apply to any subject; on a container they apply to everything inside it.
const ANY_SUBJECT: Subject = Subject::Of(SubjectKind::ALL);

/// Waste in the hands of a collector or recycler.
const HELD: &[ProductState] = &[ProductState::Collected];
/// Waste, or a product prepared for re-use that has not gone back into use.
const HELD_OR_READY: &[ProductState] = &[ProductState::Collected, ProductState::ReuseReady];

impl Kind {
    /// The kind's one declaration.
    pub const fn spec(self) -> KindSpec {
        use ProductState::*;
        use Role::*;
        match self {
            Kind::Registered => KindSpec {
                label: "Registered",
                subject: PRODUCT,
                signers: &[Manufacturer, Collector, Recycler],
                custody: Custody::Untouched,
                transition: Transition::Creates,
                marks: None,
                epcis: object("ADD", BizStep::Cbv("commissioning"), Some("active")),
                form: Form::Elsewhere,
                facts: &[],
            },
            Kind::PlacedOnMarket => KindSpec {
                label: "Sold (placed on the market)",
                subject: PRODUCT,
                signers: &[Manufacturer, Retailer],
                custody: Custody::Untouched,
                transition: Transition::Moves {
                    from: &[Manufactured],
                    to: InUse,
                },
                marks: Some(Mark::Sold),
                epcis: object(
                    "OBSERVE",
                    BizStep::Cbv("retail_selling"),
                    Some("retail_sold"),
                ),
                form: Form::Station(const { &[] }),
                facts: &[Metric::Pom],
            },
            Kind::Resold => KindSpec {
                label: "Resold",
                subject: PRODUCT,
                signers: &[Retailer, Repairer],
                custody: Custody::Ends,
                transition: Transition::Moves {
                    from: &[InUse, ReuseReady],
                    to: InUse,
                },
                marks: None,
                epcis: object(
                    "OBSERVE",
                    BizStep::Cbv("retail_selling"),
                    Some("retail_sold"),
                ),
                form: Form::Station(const { &[] }),
                facts: &[Metric::Reused],
            },
            Kind::Repaired => KindSpec {
                label: "Repaired",
                subject: PRODUCT,
                signers: &[Repairer],
                custody: Custody::Untouched,
                transition: Transition::Moves {
                    from: &[InUse],
                    to: InUse,
                },
                marks: None,
                epcis: object("OBSERVE", BizStep::Cbv("repairing"), Some("active")),
                form: Form::Station(
                    const {
                        &[
                            optional("description", "What was repaired", Input::Text),
                            optional(
                                "parts_replaced",
                                "Parts replaced, comma-separated",
                                Input::List,
                            ),
                        ]
                    },
                ),
                facts: &[],
            },
            Kind::Collected => KindSpec {
                label: "Collected",
                subject: PRODUCT,
                signers: &[Collector, Recycler, Retailer],
                custody: Custody::Takes,
                transition: Transition::Moves {
                    from: &[Manufactured, InUse],
                    to: Collected,
                },
                marks: Some(Mark::Collected),
                epcis: object("OBSERVE", BizStep::Cbv("collecting"), None),
                form: Form::Station(
                    const {
                        &[
                            optional("channel", "Channel", Input::Choice(Choices::Channels)),
                            optional("weight_g", "Measured weight, grams", Input::Grams),
                        ]
                    },
                ),
                facts: &[
                    Metric::Collected,
                    Metric::CollectedInformal,
                    Metric::Lifespan,
                ],
            },
            Kind::HandedOver => KindSpec {
                label: "Handed over",
                subject: ANY_SUBJECT,
                // Any custodian may hand over; custody is what matters.
                signers: HOLDERS,
                custody: Custody::Sends,
                transition: Transition::Moves {
                    from: HELD,
                    to: Collected,
                },
                marks: None,
                epcis: object("OBSERVE", BizStep::Cbv("shipping"), Some("in_transit")),
                form: Form::Station(
                    const {
                        &[
                            field("to", "To", Input::Choice(Choices::Recipients)),
                            optional("document", "Transport document", Input::Text),
                        ]
                    },
                ),
                facts: &[],
            },
            Kind::Received => KindSpec {
                label: "Received",
                subject: ANY_SUBJECT,
                signers: HOLDERS,
                custody: Custody::Accepts,
                transition: Transition::Moves {
                    from: HELD,
                    to: Collected,
                },
                marks: None,
                epcis: object("OBSERVE", BizStep::Cbv("receiving"), Some("in_progress")),
                form: Form::Station(
                    const {
                        &[
                            optional(
                                "weight_g",
                                "Measured weight on arrival, grams",
                                Input::Grams,
                            ),
                            optional("discrepancy", "Discrepancy", Input::Text),
                        ]
                    },
                ),
                facts: &[],
            },
            Kind::ReceiptRefused => KindSpec {
                label: "Receipt refused",
                subject: ANY_SUBJECT,
                signers: HOLDERS,
                custody: Custody::Declines,
                transition: Transition::Moves {
                    from: HELD,
                    to: Collected,
                },
                marks: None,
                epcis: object(
                    "OBSERVE",
                    BizStep::Cbv("receiving"),
                    Some("ewaste:disp:receipt_refused"),
                ),
                form: Form::Station(const { &[field("reason", "Reason", Input::Text)] }),
                facts: &[],
            },
            Kind::LotCollected => KindSpec {
                label: "Bulk intake (weighed)",
                subject: Subject::Of(&[SubjectKind::Lot]),
                signers: &[Collector, Recycler],
                custody: Custody::Takes,
                transition: Transition::Creates,
                marks: Some(Mark::Collected),
                epcis: object("ADD", BizStep::Cbv("collecting"), Some("active")),
                form: Form::Elsewhere,
                facts: &[Metric::Collected, Metric::CollectedInformal],
            },
            Kind::Packed => KindSpec {
                label: "Packed",
                subject: Subject::Of(&[SubjectKind::Container]),
                signers: HOLDERS,
                custody: Custody::Holder,
                transition: Transition::Moves {
                    from: HELD,
                    to: Collected,
                },
                marks: None,
                epcis: aggregation("ADD", "packing"),
                form: Form::Elsewhere,
                facts: &[],
            },
            Kind::Unpacked => KindSpec {
                label: "Unpacked",
                subject: Subject::Of(&[SubjectKind::Container]),
                signers: HOLDERS,
                custody: Custody::Holder,
                transition: Transition::Moves {
                    from: HELD,
                    to: Collected,
                },
                marks: None,
                epcis: aggregation("DELETE", "unpacking"),
                form: Form::Elsewhere,
                facts: &[],
            },
            Kind::ErrorDeclared => KindSpec {
                label: "Declared an error",
                subject: ANY_SUBJECT,
                // The erroneous entry's signer, or an admin: the rules check which.
                signers: Role::ALL,
                custody: Custody::Untouched,
                transition: Transition::Reverts,
                marks: None,
                // Mapped onto the erroneous event's errorDeclaration (docs/epcis.md).
                epcis: object("OBSERVE", BizStep::Ours("bizstep:error_declaration"), None),
                form: Form::Elsewhere,
                // It takes back the facts of the entry it corrects, whatever they were.
                facts: Metric::ALL,
            },
            Kind::PreparedForReuse => KindSpec {
                label: "Prepared for re-use",
                subject: PRODUCT,
                signers: &[Repairer],
                custody: Custody::Holder,
                transition: Transition::Moves {
                    from: HELD,
                    to: ReuseReady,
                },
                marks: None,
                epcis: object(
                    "OBSERVE",
                    BizStep::Ours("bizstep:refurbishing"),
                    Some("active"),
                ),
                form: Form::Station(
                    const {
                        &[
                            optional("grade", "Grade", Input::Text),
                            optional(
                                "component",
                                "Component, when only a part is prepared",
                                Input::Text,
                            ),
                            optional("weight_g", "Weight, grams", Input::Grams),
                        ]
                    },
                ),
                facts: &[Metric::PreparedForReuse],
            },
            Kind::Depolluted => KindSpec {
                label: "Depolluted",
                subject: PRODUCT,
                signers: &[Recycler],
                custody: Custody::Holder,
                transition: Transition::Moves {
                    from: HELD,
                    to: Collected,
                },
                marks: None,
                epcis: object("OBSERVE", BizStep::Cbv("removing"), None),
                form: Form::Station(
                    const {
                        &[field(
                            "components",
                            "Components removed, one per line: component and grams",
                            Input::Masses {
                                item: "component",
                                placeholder: "battery:li-ion 45",
                            },
                        )]
                    },
                ),
                facts: &[Metric::Depolluted],
            },
            Kind::Recycled => KindSpec {
                label: "Recycled",
                subject: PRODUCT,
                signers: &[Recycler],
                custody: Custody::Holder,
                transition: Transition::Moves {
                    from: HELD_OR_READY,
                    to: Recycled,
                },
                marks: None,
                epcis: Epcis {
                    event_type: EpcisType::TransformationEvent,
                    action: None,
                    biz_step: BizStep::Ours("bizstep:recycling"),
                    disposition: Some("destroyed"),
                },
                form: Form::Station(
                    const {
                        &[
                            field("operation", "Operation", Input::Choice(Choices::Recovery)),
                            field(
                                "fractions",
                                "Output fractions, one per line: material and grams",
                                Input::Masses {
                                    item: "material",
                                    placeholder: "copper 120",
                                },
                            ),
                        ]
                    },
                ),
                facts: &[Metric::Recycled, Metric::Fraction],
            },
            Kind::Disposed => KindSpec {
                label: "Disposed of",
                subject: PRODUCT,
                signers: &[Recycler, Collector],
                custody: Custody::Holder,
                transition: Transition::Moves {
                    from: HELD_OR_READY,
                    to: Disposed,
                },
                marks: None,
                epcis: object("OBSERVE", BizStep::Cbv("destroying"), Some("disposed")),
                form: Form::Station(
                    const {
                        &[field(
                            "operation",
                            "Operation",
                            Input::Choice(Choices::Disposal),
                        )]
                    },
                ),
                facts: &[Metric::Disposed],
            },
            Kind::Exported => KindSpec {
                label: "Exported",
                subject: ANY_SUBJECT,
                signers: &[Recycler, Collector],
                custody: Custody::Holder,
                transition: Transition::Moves {
                    from: HELD_OR_READY,
                    to: Exported,
                },
                marks: None,
                epcis: object("OBSERVE", BizStep::Cbv("shipping"), Some("in_transit")),
                form: Form::Station(
                    const {
                        &[
                            field(
                                "country",
                                "Destination country (ISO 3166, two letters)",
                                Input::Upper(2),
                            ),
                            field(
                                "basel_entry",
                                "Basel entry",
                                Input::Choice(Choices::Fixed(&["A1181", "Y49"])),
                            ),
                            field("notification", "Consent notification number", Input::Text),
                            field(
                                "operation",
                                "Intended operation",
                                Input::Choice(Choices::RecoveryOrDisposal),
                            ),
                        ]
                    },
                ),
                facts: &[Metric::Exported],
            },
            Kind::ActorRegistered => registry("Actor registered"),
            Kind::ActorKeyRotated => registry("Actor key rotated"),
            Kind::ActorRevoked => registry("Actor revoked"),
            Kind::CityRegistered => registry("City registered"),
            Kind::PomBaseline => KindSpec {
                facts: &[Metric::PomBaseline],
                ..registry("Placed-on-market baseline")
            },
        }
    }

    /// Subject kinds carry `city` and a subject; registry kinds carry neither.
    pub fn is_subject_kind(self) -> bool {
        matches!(self.spec().subject, Subject::Of(_))
    }

    /// The kinds of subject it may be about (none for registry kinds).
    pub fn subject_kinds(self) -> &'static [SubjectKind] {
        match self.spec().subject {
            Subject::Of(kinds) => kinds,
            Subject::Registry => &[],
        }
    }

    /// Whether the event creates its subject, so carries no `prev`. `packed` creates its
    /// container the first time only, which the rules decide.
    pub fn creates_subject(self) -> bool {
        self.spec().transition == Transition::Creates
    }

    /// Custody events may only be signed by the custodian.
    pub fn needs_custody(self) -> bool {
        matches!(self.spec().custody, Custody::Holder | Custody::Sends)
    }

    /// The roles allowed to sign this kind.
    pub fn allowed_roles(self) -> &'static [Role] {
        self.spec().signers
    }

    /// The states a product must be in for this kind, and the state it moves to.
    /// `None` for `registered` (the product is new) and for registry kinds.
    pub fn transition(self) -> Option<(&'static [ProductState], ProductState)> {
        match self.spec().transition {
            Transition::Moves { from, to } => Some((from, to)),
            Transition::Creates | Transition::Reverts | Transition::Registry => None,
        }
    }
}

impl ProductState {
    /// Recycled, disposed and exported products accept no further events.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            ProductState::Recycled
                | ProductState::Disposed
                | ProductState::Exported
                | ProductState::Voided
        )
    }

    /// A product has a custodian while it is waste or being prepared for re-use.
    pub fn has_custodian(self) -> bool {
        matches!(self, ProductState::Collected | ProductState::ReuseReady)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(*kind));
        }
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
        }
        for state in ProductState::ALL {
            assert_eq!(ProductState::parse(state.as_str()), Some(*state));
        }
        assert_eq!(Kind::parse("Registered"), None);
    }

    #[test]
    fn every_product_kind_but_registered_has_a_transition_out_of_a_non_terminal_state() {
        for kind in Kind::ALL.iter().filter(|k| k.is_subject_kind()) {
            match kind.transition() {
                None => assert!(
                    matches!(
                        kind,
                        Kind::Registered | Kind::LotCollected | Kind::ErrorDeclared
                    ),
                    "{kind}"
                ),
                Some((from, _)) => assert!(from.iter().all(|s| !s.is_terminal()), "{kind}"),
            }
        }
    }
}
