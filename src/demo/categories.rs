//! The demo's product categories: which UNU-KEYs it sells, in what shares, with which
//! hazardous components, and what recycling recovers from each (shares of the unit's mass).

/// A demo category: UNU-KEY, share of units sold, hazards, and its material fractions as
/// shares of the unit's mass.
pub struct Category {
    pub unu_key: &'static str,
    pub share: f64,
    pub hazards: &'static [(&'static str, f64)],
    pub fractions: &'static [(&'static str, f64)],
}

pub const CATEGORIES: [Category; 8] = [
    Category {
        unu_key: "0306",
        share: 0.30,
        hazards: &[("battery:li-ion", 0.22)],
        fractions: &[
            ("plastics", 0.35),
            ("glass", 0.15),
            ("copper", 0.08),
            ("aluminium", 0.08),
            ("printed circuit boards", 0.10),
        ],
    },
    Category {
        unu_key: "0303",
        share: 0.14,
        hazards: &[("battery:li-ion", 0.12), ("lcd", 0.10)],
        fractions: &[
            ("plastics", 0.30),
            ("aluminium", 0.15),
            ("ferrous metals", 0.10),
            ("copper", 0.05),
            ("printed circuit boards", 0.08),
        ],
    },
    Category {
        unu_key: "0108",
        share: 0.06,
        hazards: &[("refrigerant:r600a", 0.002)],
        fractions: &[
            ("ferrous metals", 0.55),
            ("plastics", 0.20),
            ("copper", 0.04),
            ("aluminium", 0.03),
        ],
    },
    Category {
        unu_key: "0104",
        share: 0.07,
        hazards: &[],
        fractions: &[
            ("ferrous metals", 0.50),
            ("concrete", 0.25),
            ("plastics", 0.12),
            ("copper", 0.03),
        ],
    },
    Category {
        unu_key: "0408",
        share: 0.10,
        hazards: &[("lcd", 0.15)],
        fractions: &[
            ("plastics", 0.35),
            ("ferrous metals", 0.20),
            ("glass", 0.12),
            ("printed circuit boards", 0.06),
        ],
    },
    Category {
        unu_key: "0202",
        share: 0.15,
        hazards: &[],
        fractions: &[
            ("plastics", 0.45),
            ("ferrous metals", 0.25),
            ("copper", 0.08),
        ],
    },
    Category {
        unu_key: "0505",
        share: 0.12,
        hazards: &[],
        fractions: &[("plastics", 0.40), ("aluminium", 0.25), ("glass", 0.15)],
    },
    Category {
        unu_key: "0702",
        share: 0.06,
        hazards: &[],
        fractions: &[
            ("plastics", 0.45),
            ("ferrous metals", 0.15),
            ("printed circuit boards", 0.15),
            ("copper", 0.05),
        ],
    },
];
