//! Seeded mutations: bit flips, interesting 32-bit words (lengths and
//! offsets), inserts, deletes, truncations, splices, repeated ranges.

/// xorshift64*: small, seeded, no dependencies.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const WORDS: [u32; 8] = [
    0,
    1,
    2,
    0x7f,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1000_0000,
];

pub fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(6) {
        let len = b.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                b[i] = rng.next() as u8;
            }
            2 if len >= 4 => {
                let i = rng.below(len - 3);
                let w = if rng.below(2) == 0 {
                    WORDS[rng.below(WORDS.len())]
                } else {
                    rng.next() as u32
                };
                b[i..i + 4].copy_from_slice(&w.to_le_bytes());
            }
            3 => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                b.splice(i..i, bytes);
            }
            4 if len > 0 => {
                let i = rng.below(len);
                let end = (i + 1 + rng.below(64)).min(len);
                b.drain(i..end);
            }
            5 => b.truncate(rng.below(len + 1)),
            6 if !other.is_empty() => {
                // Splice a piece of another input in.
                let s = rng.below(other.len());
                let e = (s + 1 + rng.below(64)).min(other.len());
                let i = rng.below(len + 1);
                b.splice(i..i, other[s..e].iter().copied());
            }
            7 if len > 1 => {
                // Duplicate a range (repeated structures, long lines).
                let s = rng.below(len);
                let e = (s + 1 + rng.below(32)).min(len);
                let piece = b[s..e].to_vec();
                let i = rng.below(len + 1);
                b.splice(i..i, piece);
            }
            8 if len > 0 => {
                let i = rng.below(len);
                b[i] = [b'"', b',', b'\n', b'\r', 0, 0xff, b'-', b'e'][rng.below(8)];
            }
            _ => {}
        }
    }
    b
}
