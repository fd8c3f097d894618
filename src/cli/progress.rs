//! The progress bars' one style: whole-number rates ("7,578/s", not indicatif's
//! "7577.7025/s").

use crate::domain::wording::thousands;
use indicatif::ProgressStyle;

/// `template` with a `{rate}` key: items per second, rounded, with thousands separators.
pub fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
                let _ = write!(out, "{}/s", thousands(state.per_sec().round() as u64));
            },
        )
}
