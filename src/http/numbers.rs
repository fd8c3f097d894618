//! Numbers as pages show them, the same in every locale: thousands separated by commas, a
//! point before the decimals, and no more decimals than a reader needs (masses in kg with 0 or
//! 1 decimals, rates and years with 1). The JSON and CSV answers keep every digit: only pages
//! round.

use crate::domain::wording::group_digits;

/// `value` with `decimals` decimals and its thousands grouped: (1708.04, 1) → "1,708.0".
pub fn fixed(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return String::new();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text.as_str(), None),
    };
    // A value that rounds to zero shows no sign: "-0.0" reads as a figure below zero.
    let negative = value < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b));
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&group_digits(whole));
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// A count: 3850000 → "3,850,000".
pub fn count(value: i64) -> String {
    fixed(value as f64, 0)
}

/// A mass in kg, without its unit: whole kilograms from 100 kg ("3,423"), one decimal from
/// 1 kg ("42.6"), and below 1 kg two significant digits ("0.21", "0.02", "-0.003") so that a
/// small mass never shows as 0.
pub fn kg(value: f64) -> String {
    let size = value.abs();
    if size >= 100.0 {
        fixed(value, 0)
    } else if size >= 1.0 {
        fixed(value, 1)
    } else {
        significant(value, 2)
    }
}

/// A percentage with its sign: "12.3 %".
pub fn percent(value: f64) -> String {
    format!("{} %", fixed(value, 1))
}

/// `value` to `digits` significant digits, trailing zeros dropped: (0.000156, 2) → "0.00016".
pub fn significant(value: f64, digits: i32) -> String {
    if value == 0.0 || !value.is_finite() {
        return fixed(value, 0);
    }
    let places = digits - 1 - value.abs().log10().floor() as i32;
    if places < 0 {
        // 29,058 to two digits is 29,000.
        let unit = 10f64.powi(-places);
        return fixed((value / unit).round() * unit, 0);
    }
    let text = fixed(value, places as usize);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped_and_decimals_sensible() {
        assert_eq!(count(3_850_000), "3,850,000");
        assert_eq!(count(139), "139");
        assert_eq!(count(-1_000), "-1,000");
        assert_eq!(fixed(1_708.04, 1), "1,708.0");
        assert_eq!(fixed(999.95, 1), "1,000.0");
        assert_eq!(fixed(-0.003, 1), "0.0", "no negative zero");
        assert_eq!(percent(12.28), "12.3 %");
        assert_eq!(kg(3_422.754), "3,423");
        assert_eq!(kg(608.12), "608");
        assert_eq!(kg(42.61), "42.6");
        assert_eq!(kg(5.81123), "5.8");
        assert_eq!(kg(0.21), "0.21");
        assert_eq!(kg(0.02), "0.02");
        assert_eq!(kg(-0.003), "-0.003");
        assert_eq!(kg(0.0), "0");
        assert_eq!(significant(0.000156, 2), "0.00016");
        assert_eq!(significant(0.0999, 2), "0.1");
        assert_eq!(significant(29_058.0, 2), "29,000");
        assert_eq!(significant(77.943, 2), "78");
    }
}
