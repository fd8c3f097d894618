//! Selective treatment (WEEE Directive 2012/19/EU, Annex VII): what a recycler must take out
//! of a product before mechanical treatment, for each hazard a product declares
//! (docs/lifecycle.md, the `hazards` of `registered`). A hazard is named `family` or
//! `family:detail` (`battery:li-ion`), from the vocabulary of `reference/hazards.csv`, which
//! holds the advice: this module only looks it up.

use super::reference;

/// For a hazard outside the vocabulary (recorded before the vocabulary was enforced): the
/// directive's general rule.
pub const ANY_OTHER: &str =
    "remove before mechanical treatment (selective treatment, WEEE Annex VII)";

/// What a recycler must do with a product's declared hazard: the advice of its row, else of its
/// family's row, else the general rule.
pub fn removal(hazard: &str) -> &'static str {
    let family = hazard.split(':').next().unwrap_or_default();
    reference::hazard(hazard)
        .or_else(|| reference::hazard(family))
        .map_or(ANY_OTHER, |row| row.handling.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice_comes_from_the_reference_table() {
        assert_eq!(
            removal("battery"),
            "remove the battery before shredding and send it to battery recycling"
        );
        assert_eq!(
            removal("lcd"),
            "remove liquid-crystal displays larger than 100 cm²"
        );
        for row in reference::hazards() {
            assert_eq!(removal(&row.code), row.handling, "{}", row.code);
        }
        // An old entry's detail outside the vocabulary still gets its family's advice.
        assert_eq!(removal("battery:zinc-air"), removal("battery"));
        assert_eq!(removal("unobtainium"), ANY_OTHER);
        assert_eq!(removal(""), ANY_OTHER);
    }
}
