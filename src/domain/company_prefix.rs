//! GS1 company prefixes (docs/lifecycle.md, "Identifiers and labels"): the numbers GS1 licenses to an organisation, under
//! which it alone allocates GTINs. An `actor_registered` may declare them; the ledger then
//! refuses a `registered` of a GTIN under an actor's prefix from anyone else, and declared
//! prefixes never overlap, so that every GTIN has at most one owner.

use super::gtin::Gtin14;
use super::rejection::Rejection;
use std::collections::BTreeMap;
use std::ops::Bound;
use uuid::Uuid;

/// GS1 company prefixes are 6 to 12 digits (GS1 General Specifications §1.4.4 ranges them
/// from 4 to 12; GS1 Member Organisations license 6 digits and longer for GTINs).
pub const MIN_DIGITS: usize = 6;
pub const MAX_DIGITS: usize = 12;
/// Most prefixes one actor may declare.
pub const MAX_PREFIXES: usize = 64;

/// Checks a declared list: 1 to 64 prefixes of 6 to 12 ASCII digits, none repeated and none
/// the beginning of another (the longer one would be redundant, and it is the same overlap the
/// ledger refuses between actors). `field` is e.g. `data.gs1_company_prefixes`.
pub fn validate(field: &str, prefixes: &[String]) -> Result<(), Rejection> {
    if prefixes.is_empty() || prefixes.len() > MAX_PREFIXES {
        return Err(Rejection::invalid(
            field,
            format!(
                "must hold 1 to {MAX_PREFIXES} prefixes, not {}; omit it when there are none",
                prefixes.len()
            ),
        ));
    }
    for (i, prefix) in prefixes.iter().enumerate() {
        let here = format!("{field}[{i}]");
        if !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Rejection::invalid(
                here,
                format!("`{prefix}` is not a GS1 company prefix: digits only"),
            ));
        }
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&prefix.len()) {
            return Err(Rejection::invalid(
                here,
                format!(
                    "`{prefix}` has {} digits; a GS1 company prefix has {MIN_DIGITS} to {MAX_DIGITS}",
                    prefix.len()
                ),
            ));
        }
        if let Some(j) = prefixes[..i].iter().position(|p| p == prefix) {
            return Err(Rejection::invalid(
                here,
                format!("`{prefix}` repeats {field}[{j}]"),
            ));
        }
        if let Some(j) = prefixes[..i]
            .iter()
            .position(|p| p.starts_with(prefix.as_str()) || prefix.starts_with(p.as_str()))
        {
            return Err(Rejection::invalid(
                here,
                format!("`{prefix}` overlaps {field}[{j}] `{}`", prefixes[j]),
            ));
        }
    }
    Ok(())
}

/// The digits a prefix is matched against: a GTIN-14 without its indicator digit (digits 2
/// onward, docs/lifecycle.md, "Identifiers and labels"), so that a GTIN-13 and its GTIN-14 forms fall under the same prefix.
fn company_digits(gtin: &Gtin14) -> &str {
    &gtin.as_str()[1..]
}

/// Every declared prefix and the actor that declared it. Prefixes are few (one or a handful per
/// manufacturer), so the writer keeps them all in memory and a lookup is at most seven map
/// probes, one per possible prefix length.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrefixOwners {
    owners: BTreeMap<String, Uuid>,
}

impl PrefixOwners {
    pub fn new() -> PrefixOwners {
        PrefixOwners::default()
    }

    /// Records `owner`'s prefixes (already checked with [`PrefixOwners::overlap`]).
    pub fn insert(&mut self, owner: Uuid, prefixes: &[String]) {
        for prefix in prefixes {
            self.owners.insert(prefix.clone(), owner);
        }
    }

    /// The declared prefix `gtin` falls under, and its owner.
    pub fn owner_of(&self, gtin: &Gtin14) -> Option<(&str, Uuid)> {
        let digits = company_digits(gtin);
        (MIN_DIGITS..=MAX_DIGITS.min(digits.len())).find_map(|len| {
            self.owners
                .get_key_value(&digits[..len])
                .map(|(prefix, owner)| (prefix.as_str(), *owner))
        })
    }

    /// A declared prefix that `prefix` overlaps (one begins with the other), and its owner.
    pub fn overlap(&self, prefix: &str) -> Option<(&str, Uuid)> {
        // A shorter declared prefix that `prefix` begins with (or `prefix` itself)...
        let shorter = (MIN_DIGITS..=prefix.len().min(MAX_DIGITS)).find_map(|len| {
            self.owners
                .get_key_value(&prefix[..len])
                .map(|(p, owner)| (p.as_str(), *owner))
        });
        // ...or a longer one that begins with `prefix`: they sort right after it.
        shorter.or_else(|| {
            self.owners
                .range::<str, _>((Bound::Excluded(prefix), Bound::Unbounded))
                .next()
                .filter(|(p, _)| p.starts_with(prefix))
                .map(|(p, owner)| (p.as_str(), *owner))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }
}

/// What a passport says about who put a labelled product's brand on the market (docs/lifecycle.md, "Identifiers and labels").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BrandOwner {
    /// The GTIN is under a prefix its registrant declared: the brand owner registered it.
    Verified { prefix: String, owner: Uuid },
    /// The GTIN is under no declared prefix: anyone with the manufacturer role could have.
    Unverified,
    /// The GTIN is under a prefix another actor declared after this product was registered.
    OtherOwner { prefix: String, owner: Uuid },
}

/// The brand-owner status of a product with `gtin`, registered by `registrant`.
pub fn brand_owner(owners: &PrefixOwners, gtin: &Gtin14, registrant: Uuid) -> BrandOwner {
    match owners.owner_of(gtin) {
        None => BrandOwner::Unverified,
        Some((prefix, owner)) if owner == registrant => BrandOwner::Verified {
            prefix: prefix.to_string(),
            owner,
        },
        Some((prefix, owner)) => BrandOwner::OtherOwner {
            prefix: prefix.to_string(),
            owner,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn declared_lists_are_checked_item_by_item() {
        let field = "data.gs1_company_prefixes";
        assert!(validate(field, &list(&["4006381", "012345678901"])).is_ok());
        for (items, index, reason) in [
            (&["40063a1"][..], 0, "digits only"),
            (&["12345"][..], 0, "5 digits"),
            (&["1234567890123"][..], 0, "13 digits"),
            (&["4006381", "4006381"][..], 1, "repeats"),
            (&["4006381", "400638"][..], 1, "overlaps"),
            (&["400638", "40063812"][..], 1, "overlaps"),
        ] {
            let Err(Rejection::InvalidField {
                field: named,
                reason: why,
            }) = validate(field, &list(items))
            else {
                panic!("{items:?} was accepted");
            };
            assert_eq!(named, format!("{field}[{index}]"));
            assert!(why.contains(reason), "{why}");
        }
        assert!(validate(field, &[]).is_err(), "an empty list is refused");
    }

    #[test]
    fn a_gtin_belongs_to_the_prefix_its_digits_two_onward_begin_with() {
        let maker = Uuid::from_u128(1);
        let mut owners = PrefixOwners::new();
        owners.insert(maker, &list(&["4006381"]));
        // GTIN-13 4006381333931 is GTIN-14 04006381333931: digits 2 onward begin 4006381.
        let gtin = Gtin14::parse("4006381333931").unwrap();
        assert_eq!(owners.owner_of(&gtin), Some(("4006381", maker)));
        // The same item with packaging indicator 1 still belongs to the same company.
        let case = Gtin14::parse("14006381333938").unwrap();
        assert_eq!(owners.owner_of(&case), Some(("4006381", maker)));
        let other = Gtin14::parse("5901234123457").unwrap();
        assert_eq!(owners.owner_of(&other), None);
    }

    #[test]
    fn the_brand_owner_is_verified_only_under_the_registrants_own_prefix() {
        let (maker, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut owners = PrefixOwners::new();
        owners.insert(maker, &list(&["4006381"]));
        let gtin = Gtin14::parse("4006381333931").unwrap();
        let prefix = "4006381".to_string();
        assert_eq!(
            brand_owner(&owners, &gtin, maker),
            BrandOwner::Verified {
                prefix: prefix.clone(),
                owner: maker
            }
        );
        assert_eq!(
            brand_owner(&owners, &gtin, other),
            BrandOwner::OtherOwner {
                prefix,
                owner: maker
            }
        );
        let free = Gtin14::parse("5901234123457").unwrap();
        assert_eq!(brand_owner(&owners, &free, other), BrandOwner::Unverified);
    }

    #[test]
    fn overlaps_are_found_in_both_directions() {
        let maker = Uuid::from_u128(1);
        let mut owners = PrefixOwners::new();
        owners.insert(maker, &list(&["4006381"]));
        assert_eq!(owners.overlap("4006381"), Some(("4006381", maker)));
        assert_eq!(owners.overlap("40063812"), Some(("4006381", maker)));
        assert_eq!(owners.overlap("400638"), Some(("4006381", maker)));
        assert_eq!(owners.overlap("400639"), None);
        assert_eq!(owners.overlap("4006382"), None);
    }
}
