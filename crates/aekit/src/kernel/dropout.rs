//! Inverted dropout whose keep/drop decisions come from a hash of
//! (seed, step, layer, element): the backward pass regenerates the mask
//! instead of storing it, and the decisions do not depend on how rows are
//! split across threads.

/// One layer's dropout decisions at one training step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DropoutMask {
    key: u64,
    /// An element is kept when the top 24 bits of its hash are below this.
    keep_below: u64,
    /// `1 / (1 - rate)`: kept values are scaled so the expectation is unchanged.
    scale: f32,
}

/// SplitMix64's finaliser: a well-mixed 64-bit hash of `x`. Counter-based
/// draws (dropout here, input noise in `train::noise`) hash a key plus a position.
#[inline(always)]
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl DropoutMask {
    /// The mask of layer `layer` at step `step` of a training seeded with
    /// `seed`, dropping each element with probability `rate` (in [0, 1)).
    pub fn new(rate: f32, seed: u64, step: u64, layer: usize) -> DropoutMask {
        let keep = 1.0 - f64::from(rate);
        DropoutMask {
            key: mix(mix(mix(seed) ^ step) ^ layer as u64),
            keep_below: (keep * f64::from(1u32 << 24)).round() as u64,
            scale: (1.0 / keep) as f32,
        }
    }

    /// Multiplies element `first + i` of the batch by its mask value, 0 or
    /// `1 / (1 - rate)`: on activations in the forward pass, on their
    /// gradients in the backward pass.
    pub fn apply(&self, values: &mut [f32], first: usize) {
        for (i, v) in values.iter_mut().enumerate() {
            let kept = (mix(self.key.wrapping_add((first + i) as u64)) >> 40) < self.keep_below;
            *v = if kept { *v * self.scale } else { 0.0 };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_expected_share_and_scales_it() {
        let mask = DropoutMask::new(0.3, 42, 7, 1);
        let mut values = vec![1.0f32; 200_000];
        mask.apply(&mut values, 0);
        let kept = values.iter().filter(|&&v| v != 0.0).count() as f64 / values.len() as f64;
        assert!((kept - 0.7).abs() < 0.005, "kept {kept}");
        assert!(
            values
                .iter()
                .all(|&v| v == 0.0 || (v - 1.0 / 0.7).abs() < 1e-6)
        );
        let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64;
        assert!((mean - 1.0).abs() < 0.01, "mean {mean}");
    }

    #[test]
    fn decisions_depend_on_position_not_on_how_rows_are_split() {
        let mask = DropoutMask::new(0.5, 1, 3, 0);
        let mut whole = vec![1.0f32; 1000];
        mask.apply(&mut whole, 0);
        let mut parts = vec![1.0f32; 1000];
        let (a, b) = parts.split_at_mut(384);
        mask.apply(a, 0);
        mask.apply(b, 384);
        assert_eq!(whole, parts);
        let mut other_step = vec![1.0f32; 1000];
        DropoutMask::new(0.5, 1, 4, 0).apply(&mut other_step, 0);
        assert_ne!(whole, other_step);
        let mut other_layer = vec![1.0f32; 1000];
        DropoutMask::new(0.5, 1, 3, 1).apply(&mut other_layer, 0);
        assert_ne!(whole, other_layer);
    }
}
