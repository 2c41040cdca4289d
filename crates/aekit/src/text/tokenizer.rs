//! Text to tokens: Unicode-aware words (UAX #29 word boundaries, from the
//! `unicode-segmentation` crate, so "naïve", "日本語" and "don't" come out
//! as the words a reader sees), optionally lower-cased, optionally with
//! word n-grams appended.

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use crate::error::{AekitError, Result};

/// How texts are cut into tokens; stored with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenizerConfig {
    /// Lower-case before splitting (Unicode lower case). Default true.
    pub lowercase: bool,
    /// Keep only words (UAX #29 words holding a letter or digit): drops
    /// punctuation and symbols. When false, texts split on whitespace and
    /// punctuation stays attached. Default true.
    pub strip_punctuation: bool,
    /// Also emit word n-grams up to this length (`a b` for 2), as fastText
    /// does. Default 1: words only.
    pub ngrams: usize,
}

impl Default for TokenizerConfig {
    fn default() -> Self {
        TokenizerConfig {
            lowercase: true,
            strip_punctuation: true,
            ngrams: 1,
        }
    }
}

impl TokenizerConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if !(1..=3).contains(&self.ngrams) {
            return Err(AekitError::param("ngrams", "must be 1, 2 or 3"));
        }
        Ok(())
    }

    /// The tokens of `text`, in order: words, then (with `ngrams` > 1)
    /// the n-grams of consecutive words.
    pub fn tokens(&self, text: &str) -> Vec<String> {
        let text = if self.lowercase {
            text.to_lowercase()
        } else {
            text.to_string()
        };
        let words: Vec<String> = if self.strip_punctuation {
            text.unicode_words().map(str::to_string).collect()
        } else {
            text.split_whitespace().map(str::to_string).collect()
        };
        let mut tokens = words.clone();
        for n in 2..=self.ngrams {
            tokens.extend(words.windows(n).map(|w| w.join(" ")));
        }
        tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_unicode_aware_and_lower_cased() {
        let t = TokenizerConfig::default();
        assert_eq!(
            t.tokens("Naïve CAFÉ, don't -- stop!  Ünïcode…"),
            ["naïve", "café", "don't", "stop", "ünïcode"]
        );
        let keep = TokenizerConfig {
            lowercase: false,
            strip_punctuation: false,
            ..Default::default()
        };
        assert_eq!(keep.tokens("Hi, there!"), ["Hi,", "there!"]);
        let bi = TokenizerConfig {
            ngrams: 2,
            ..Default::default()
        };
        assert_eq!(bi.tokens("a b c"), ["a", "b", "c", "a b", "b c"]);
        assert!(t.tokens(" ... ").is_empty());
    }
}
