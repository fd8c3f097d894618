//! Selective treatment (WEEE Directive 2012/19/EU, Annex VII): what a recycler must take out
//! of a product before mechanical treatment, for each hazard a product declares
//! (docs/lifecycle.md, the `hazards` of `registered`). A hazard is named `family` or
//! `family:detail` (`battery:li-ion`); the advice depends on the family.

/// `(family, what to do)`, for the families Annex VII names.
const SELECTIVE_TREATMENT: &[(&str, &str)] = &[
    (
        "battery",
        "remove the battery before shredding and send it to battery recycling",
    ),
    (
        "mercury",
        "remove mercury-containing parts (lamps, switches) intact",
    ),
    (
        "refrigerant",
        "recover the refrigerant and oil before dismantling",
    ),
    (
        "crt",
        "remove the cathode-ray tube and its fluorescent coating",
    ),
    ("pcb", "remove printed circuit boards larger than 10 cm²"),
    ("toner", "remove toner cartridges"),
    ("lcd", "remove liquid-crystal displays larger than 100 cm²"),
];

/// For a family Annex VII does not list by name: its general rule.
const ANY_OTHER: &str = "remove before mechanical treatment (selective treatment, WEEE Annex VII)";

/// What a recycler must do with a product's declared hazard.
pub fn removal(hazard: &str) -> &'static str {
    let family = hazard.split(':').next().unwrap_or_default();
    SELECTIVE_TREATMENT
        .iter()
        .find(|(known, _)| *known == family)
        .map_or(ANY_OTHER, |(_, advice)| advice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_follows_the_family_of_the_hazard() {
        assert_eq!(
            removal("battery:li-ion"),
            "remove the battery before shredding and send it to battery recycling"
        );
        assert_eq!(
            removal("lcd"),
            "remove liquid-crystal displays larger than 100 cm²"
        );
        assert_eq!(removal("asbestos"), ANY_OTHER);
        assert_eq!(removal(""), ANY_OTHER);
    }

    #[test]
    fn each_family_is_listed_once() {
        let mut families: Vec<&str> = SELECTIVE_TREATMENT.iter().map(|(f, _)| *f).collect();
        families.sort_unstable();
        families.dedup();
        assert_eq!(families.len(), SELECTIVE_TREATMENT.len());
    }
}
