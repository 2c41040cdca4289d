//! Text to tokens: Unicode-aware words (UAX #29 word boundaries, from the
//! `unicode-segmentation` crate, so "naïve", "日本語" and "don't" come out
//! as the words a reader sees), optionally lower-cased, optionally with
//! word n-grams and the character n-grams of each word (fastText's
//! subwords) appended.

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use crate::error::{AekitError, Result};

/// The longest word, in characters: a longer one is cut to its first
/// `MAX_WORD_CHARS` (the rest dropped), as Lucene's standard tokeniser
/// bounds a token at 255. Without a bound one word of 50 MB (no spaces)
/// made hundreds of millions of character n-grams, tens of GB; with it a
/// word gives at most (MAX-MIN+1) x 257 of them. Natural words are far
/// shorter, so their tokens are unchanged.
pub const MAX_WORD_CHARS: usize = 255;

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
    /// Also emit the character n-grams of each word, lengths `[min, max]`,
    /// of the word between `<` and `>` (fastText's subwords; scikit-learn's
    /// `char_wb` analyser): "<ca", "caf", "afé", "fé>", ... for "café" and
    /// 3. A word shorter than `min` gives its marked form once. Characters
    /// are Unicode scalar values. Default none (files written before it
    /// existed load as none). `[]` in a mapping: none.
    #[serde(default, deserialize_with = "pair_or_none")]
    pub char_ngrams: Option<[usize; 2]>,
}

/// `char_ngrams`: `[min, max]`, or none as `null` or `[]`.
fn pair_or_none<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<[usize; 2]>, D::Error> {
    match Option::<Vec<usize>>::deserialize(d)?.as_deref() {
        None | Some([]) => Ok(None),
        Some(&[min, max]) => Ok(Some([min, max])),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected [min, max] or [] for none, got {other:?}"
        ))),
    }
}

impl Default for TokenizerConfig {
    fn default() -> Self {
        TokenizerConfig {
            lowercase: true,
            strip_punctuation: true,
            ngrams: 1,
            char_ngrams: None,
        }
    }
}

impl TokenizerConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if !(1..=3).contains(&self.ngrams) {
            return Err(AekitError::param("ngrams", "must be 1, 2 or 3"));
        }
        if let Some([min, max]) = self.char_ngrams
            && (min == 0 || min > max || max > 10)
        {
            return Err(AekitError::param(
                "char_ngrams",
                "must be MIN-MAX with 1 <= MIN <= MAX <= 10",
            ));
        }
        Ok(())
    }

    /// The tokens of `text`, in order: words, then (with `ngrams` > 1)
    /// the n-grams of consecutive words, then (with `char_ngrams`) each
    /// word's character n-grams.
    pub fn tokens(&self, text: &str) -> Vec<String> {
        self.tokens_and_word_count(text).0
    }

    /// [`tokens`](Self::tokens) and how many of them are word-level (words
    /// and word n-grams); the rest are character n-grams.
    pub fn tokens_and_word_count(&self, text: &str) -> (Vec<String>, usize) {
        let text = if self.lowercase {
            text.to_lowercase()
        } else {
            text.to_string()
        };
        let words: Vec<String> = if self.strip_punctuation {
            text.unicode_words().map(bounded_word).collect()
        } else {
            text.split_whitespace().map(bounded_word).collect()
        };
        let mut tokens = words.clone();
        for n in 2..=self.ngrams {
            tokens.extend(words.windows(n).map(|w| w.join(" ")));
        }
        let word_count = tokens.len();
        if let Some([min, max]) = self.char_ngrams {
            for word in &words {
                push_char_ngrams(word, min, max, &mut tokens);
            }
        }
        (tokens, word_count)
    }
}

/// `word`, cut to its first [`MAX_WORD_CHARS`] characters.
fn bounded_word(word: &str) -> String {
    match word.char_indices().nth(MAX_WORD_CHARS) {
        Some((end, _)) => word[..end].to_string(),
        None => word.to_string(),
    }
}

/// The character n-grams of `<word>`, lengths `min..=max`, shortest first
/// (scikit-learn's `char_wb` order, with fastText's markers).
fn push_char_ngrams(word: &str, min: usize, max: usize, out: &mut Vec<String>) {
    let marked: Vec<char> = std::iter::once('<')
        .chain(word.chars())
        .chain(std::iter::once('>'))
        .collect();
    if marked.len() < min {
        out.push(marked.iter().collect());
        return;
    }
    for n in min..=max.min(marked.len()) {
        out.extend(marked.windows(n).map(|w| w.iter().collect::<String>()));
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

    #[test]
    fn char_ngrams_are_the_marked_words_windows_in_unicode_characters() {
        let t = TokenizerConfig {
            char_ngrams: Some([3, 4]),
            ..Default::default()
        };
        assert_eq!(
            t.tokens("Café o"),
            [
                "café", "o", "<ca", "caf", "afé", "fé>", "<caf", "café", "afé>", "<o>"
            ]
        );
        assert_eq!(t.tokens_and_word_count("Café o").1, 2);
        let one = TokenizerConfig {
            char_ngrams: Some([5, 6]),
            ..Default::default()
        };
        assert_eq!(one.tokens("ab"), ["ab", "<ab>"]);
        for bad in [[0, 3], [4, 3], [3, 11]] {
            let c = TokenizerConfig {
                char_ngrams: Some(bad),
                ..Default::default()
            };
            assert!(c.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_long_word_is_cut_to_max_word_chars() {
        let t = TokenizerConfig {
            char_ngrams: Some([3, 5]),
            ..Default::default()
        };
        // 2 MB with no space, multi-byte characters to cut on a boundary.
        let word = "é".repeat(1_000_000);
        let (tokens, words) = t.tokens_and_word_count(&format!("{word} x"));
        assert_eq!(words, 2);
        assert_eq!(tokens[0], "é".repeat(MAX_WORD_CHARS));
        // The two words, 3-, 4- and 5-grams of the 257 marked characters, "<x>".
        assert_eq!(tokens.len(), 2 + (255 + 254 + 253) + 1);
        let exact = "a".repeat(MAX_WORD_CHARS);
        assert_eq!(t.tokens(&exact)[0], exact);
    }
}
