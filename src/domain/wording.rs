//! Numbers and counts as people read them: "1 entry", "1,234 entries", never "1 entries",
//! "entry(s)" or "1234".

/// `n` and the noun in the number `n` needs, with thousands separators.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `n` with a comma between each group of three digits.
pub fn thousands(n: u64) -> String {
    group_digits(&n.to_string())
}

/// A string of decimal digits with a comma between each group of three.
pub fn group_digits(digits: &str) -> String {
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::{count, thousands};

    #[test]
    fn one_is_singular_and_every_other_number_plural() {
        assert_eq!(count(0, "entry", "entries"), "0 entries");
        assert_eq!(count(1, "entry", "entries"), "1 entry");
        assert_eq!(count(2, "page", "pages"), "2 pages");
        assert_eq!(count(1_234_567, "entry", "entries"), "1,234,567 entries");
    }

    #[test]
    fn digits_in_groups_of_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(7578), "7,578");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
