//! Tokens to integer ids: a vocabulary learnt from the training texts
//! (id 0 is padding, 1 the out-of-vocabulary token, then tokens by
//! descending count, ties alphabetical), or the hashing trick with 64-bit
//! FNV-1a — a fixed, documented hash, so every machine and every run gives
//! the same ids.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{AekitError, Result};

/// The id of padding.
pub const PAD_ID: usize = 0;
/// The id of a token the vocabulary does not hold.
pub const OOV_ID: usize = 1;
/// Ids below this are reserved (padding, out-of-vocabulary).
pub const RESERVED: usize = 2;

/// 64-bit FNV-1a of `bytes` (offset basis 0xcbf29ce484222325, prime
/// 0x100000001b3), as specified by Fowler, Noll and Vo.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// How tokens become ids; stored with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TokenIds {
    /// A learnt vocabulary: `tokens[i]` has id `i + 2`.
    Vocabulary {
        /// Tokens in id order (from id 2).
        tokens: Vec<String>,
    },
    /// The hashing trick: id = 1 + FNV-1a(token's UTF-8) mod (buckets - 1),
    /// so 0 stays padding.
    Hashing {
        /// Ids in use, padding included.
        buckets: usize,
    },
}

/// How to learn a vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VocabularyConfig {
    /// Tokens seen in fewer training texts than this are out of
    /// vocabulary. Default 1: every token seen.
    pub min_count: usize,
    /// Keep at most this many tokens (the most frequent). Default 20 000.
    pub max_vocab: usize,
    /// Hash tokens into this many ids instead of learning a vocabulary.
    /// Default none.
    pub hashing: Option<usize>,
}

impl Default for VocabularyConfig {
    fn default() -> Self {
        VocabularyConfig {
            min_count: 1,
            max_vocab: 20_000,
            hashing: None,
        }
    }
}

impl VocabularyConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if self.min_count == 0 {
            return Err(AekitError::param("min_count", "must be at least 1"));
        }
        if self.max_vocab == 0 {
            return Err(AekitError::param("max_vocab", "must be at least 1"));
        }
        if let Some(b) = self.hashing
            && b < 3
        {
            return Err(AekitError::param("hashing", "needs at least 3 buckets"));
        }
        Ok(())
    }

    /// Learns the ids from tokenised training texts.
    pub fn fit(&self, docs: &[Vec<String>]) -> TokenIds {
        if let Some(buckets) = self.hashing {
            return TokenIds::Hashing { buckets };
        }
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for doc in docs {
            let mut seen: Vec<&str> = doc.iter().map(String::as_str).collect();
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                *counts.entry(t).or_default() += 1;
            }
        }
        let mut kept: Vec<(&str, usize)> = counts
            .into_iter()
            .filter(|&(_, c)| c >= self.min_count)
            .collect();
        kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        kept.truncate(self.max_vocab);
        TokenIds::Vocabulary {
            tokens: kept.into_iter().map(|(t, _)| t.to_string()).collect(),
        }
    }
}

/// A [`TokenIds`] ready to look tokens up.
#[derive(Debug, Clone)]
pub struct Lookup {
    ids: TokenIds,
    index: HashMap<String, usize>,
}

impl Lookup {
    /// Builds the index of `ids`.
    pub fn new(ids: &TokenIds) -> Lookup {
        let index = match ids {
            TokenIds::Vocabulary { tokens } => tokens
                .iter()
                .enumerate()
                .map(|(i, t)| (t.clone(), i + RESERVED))
                .collect(),
            TokenIds::Hashing { .. } => HashMap::new(),
        };
        Lookup {
            ids: ids.clone(),
            index,
        }
    }

    /// Ids in use, padding and out-of-vocabulary included.
    pub fn size(&self) -> usize {
        match &self.ids {
            TokenIds::Vocabulary { tokens } => tokens.len() + RESERVED,
            TokenIds::Hashing { buckets } => *buckets,
        }
    }

    /// The id of `token`.
    pub fn id(&self, token: &str) -> usize {
        match &self.ids {
            TokenIds::Vocabulary { .. } => self.index.get(token).copied().unwrap_or(OOV_ID),
            TokenIds::Hashing { buckets } => {
                1 + (fnv1a64(token.as_bytes()) % (*buckets as u64 - 1)) as usize
            }
        }
    }

    /// The token of `id`, where the vocabulary knows it.
    pub fn token(&self, id: usize) -> Option<&str> {
        match &self.ids {
            TokenIds::Vocabulary { tokens } => id
                .checked_sub(RESERVED)
                .and_then(|i| tokens.get(i))
                .map(String::as_str),
            TokenIds::Hashing { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(texts: &[&str]) -> Vec<Vec<String>> {
        texts
            .iter()
            .map(|t| t.split(' ').map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn vocabulary_orders_by_count_and_keeps_reserved_ids() {
        let d = docs(&["b a a", "a c", "c d"]);
        let ids = VocabularyConfig {
            min_count: 2,
            ..Default::default()
        }
        .fit(&d);
        let l = Lookup::new(&ids);
        assert_eq!(l.size(), 4);
        assert_eq!((l.id("a"), l.id("c"), l.id("b"), l.id("zzz")), (2, 3, 1, 1));
        assert_eq!(l.token(3), Some("c"));
        assert_eq!(l.token(0), None);
    }

    #[test]
    fn hashing_is_stable_and_never_padding() {
        let l = Lookup::new(&TokenIds::Hashing { buckets: 1000 });
        assert_eq!(l.id("good"), 1 + (fnv1a64(b"good") % 999) as usize);
        for w in ["a", "b", "good", "bad", "日本"] {
            let id = l.id(w);
            assert!((1..1000).contains(&id));
        }
    }
}
