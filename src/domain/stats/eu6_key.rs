//! The pseudo UNU-KEY `eu6:N` of facts about bulk lots weighed by EU-6 category only
//! (PRODUCT.md §8.2, `lot_collected` with `eu6`): such a fact counts in the city's total and in
//! EU-6 category N, but in no UNU-KEY, and neither in the sales-lifespan model nor in the
//! in-use stock, which are per UNU-KEY (docs/kpis.md).

const PREFIX: &str = "eu6:";

/// The pseudo key of EU-6 category `category` (1 to 6), for a fact's `unu_key`.
pub fn of_category(category: u8) -> Option<String> {
    (1..=6)
        .contains(&category)
        .then(|| format!("{PREFIX}{category}"))
}

/// The EU-6 category of a pseudo key; `None` for a UNU-KEY (or anything else).
pub fn category(key: &str) -> Option<u8> {
    match key.strip_prefix(PREFIX)?.as_bytes() {
        [digit @ b'1'..=b'6'] => Some(digit - b'0'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo_keys_name_the_six_categories_only() {
        for c in 1..=6 {
            let key = of_category(c).expect("a category");
            assert_eq!(key, format!("eu6:{c}"));
            assert_eq!(category(&key), Some(c));
        }
        assert_eq!(of_category(0), None);
        assert_eq!(of_category(7), None);
        for not_one in [
            "0306", "eu6:", "eu6:0", "eu6:7", "eu6:11", "EU6:1", "eu6:1 ",
        ] {
            assert_eq!(category(not_one), None, "{not_one:?}");
        }
    }
}
