//! A small seeded generator (SplitMix64): the demo's history depends on the seed alone, not on
//! a library's version or the platform.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `low..high` (`high` > `low`).
    pub fn below(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low)
    }

    pub fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// A Weibull-distributed lifetime in years by inversion: β·(−ln U)^(1/α).
    pub fn weibull(&mut self, shape: f64, scale: f64) -> f64 {
        let u = 1.0 - self.unit(); // in (0, 1]
        scale * (-u.ln()).powf(1.0 / shape)
    }

    /// An index drawn with the given weights.
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut at = self.unit() * total;
        for (index, weight) in weights.iter().enumerate() {
            if at < *weight {
                return index;
            }
            at -= weight;
        }
        weights.len() - 1
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(0, items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_plausible_samples() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        assert!((0..100).all(|_| a.next_u64() == b.next_u64()));
        let mut rng = Rng::new(42);
        let n = 20_000;
        // The sample mean of Weibull(α = 1, β = 4) is near its mean 4.
        let mean = (0..n).map(|_| rng.weibull(1.0, 4.0)).sum::<f64>() / n as f64;
        assert!((mean - 4.0).abs() < 0.15, "{mean}");
        let heads = (0..n).filter(|_| rng.chance(0.3)).count() as f64 / n as f64;
        assert!((heads - 0.3).abs() < 0.02, "{heads}");
    }
}
