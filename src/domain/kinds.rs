//! The closed vocabularies of PRODUCT.md §2–3: event kinds, actor roles and product states.

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses a wire name.
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use named_enum;

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
    }
);

impl Kind {
    /// Product kinds carry `city` and `product`; registry kinds carry neither (PRODUCT.md §3.2).
    pub fn is_product_kind(self) -> bool {
        !matches!(
            self,
            Kind::ActorRegistered
                | Kind::ActorKeyRotated
                | Kind::ActorRevoked
                | Kind::CityRegistered
                | Kind::PomBaseline
        )
    }

    /// Custody events (marked † in PRODUCT.md §3.1) may only be signed by the custodian.
    pub fn needs_custody(self) -> bool {
        matches!(
            self,
            Kind::HandedOver
                | Kind::PreparedForReuse
                | Kind::Depolluted
                | Kind::Recycled
                | Kind::Disposed
                | Kind::Exported
        )
    }

    /// The roles allowed to sign this kind. `registered` by a collector or recycler is only
    /// allowed for unlabelled intake; the rules check that separately.
    pub fn allowed_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Kind::Registered => &[Manufacturer, Collector, Recycler],
            Kind::PlacedOnMarket => &[Manufacturer, Retailer],
            Kind::Resold => &[Retailer, Repairer],
            Kind::Repaired | Kind::PreparedForReuse => &[Repairer],
            Kind::Collected => &[Collector, Recycler, Retailer],
            // Any custodian may hand over; custody is what matters.
            Kind::HandedOver => &[Collector, Recycler, Repairer, Retailer],
            Kind::Depolluted | Kind::Recycled => &[Recycler],
            Kind::Disposed | Kind::Exported => &[Recycler, Collector],
            Kind::ActorRegistered
            | Kind::ActorKeyRotated
            | Kind::ActorRevoked
            | Kind::CityRegistered
            | Kind::PomBaseline => &[Admin],
        }
    }

    /// The states a product must be in for this kind, and the state it moves to.
    /// `None` for `registered` (the product is new) and for registry kinds.
    pub fn transition(self) -> Option<(&'static [ProductState], ProductState)> {
        use ProductState::*;
        Some(match self {
            Kind::PlacedOnMarket => (&[Manufactured], InUse),
            Kind::Resold => (&[InUse, ReuseReady], InUse),
            Kind::Repaired => (&[InUse], InUse),
            Kind::Collected => (&[Manufactured, InUse], Collected),
            Kind::HandedOver | Kind::Depolluted => (&[Collected], Collected),
            Kind::PreparedForReuse => (&[Collected], ReuseReady),
            Kind::Recycled => (&[Collected, ReuseReady], Recycled),
            Kind::Disposed => (&[Collected, ReuseReady], Disposed),
            Kind::Exported => (&[Collected, ReuseReady], Exported),
            _ => return None,
        })
    }
}

impl ProductState {
    /// Recycled, disposed and exported products accept no further events.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            ProductState::Recycled | ProductState::Disposed | ProductState::Exported
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
        for kind in Kind::ALL.iter().filter(|k| k.is_product_kind()) {
            match kind.transition() {
                None => assert_eq!(*kind, Kind::Registered),
                Some((from, _)) => assert!(from.iter().all(|s| !s.is_terminal()), "{kind}"),
            }
        }
    }
}
