//! Token ids to model inputs: fixed-length padded sequences for embedding
//! models, and L2-normalised TF-IDF bags for bag-of-words models (kept
//! sparse: each document is its distinct ids and their weights).

use serde::{Deserialize, Serialize};

use super::vocabulary::PAD_ID;
use crate::data::Matrix;
use crate::error::{AekitError, Result};

/// Where padding (or truncation) happens, as in Keras' `pad_sequences`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// Keep the start of each text; pad at its end. The default.
    #[default]
    Post,
    /// Keep the end of each text; pad at its start (Keras' default).
    Pre,
}

/// Sequences of ids as rows of `length` values (ids as f32, exact below 2^24).
pub fn pad(docs: &[Vec<usize>], length: usize, padding: Padding) -> Matrix {
    let mut values = vec![PAD_ID as f32; docs.len() * length];
    for (row, ids) in values.chunks_mut(length).zip(docs) {
        let n = ids.len().min(length);
        match padding {
            Padding::Post => {
                for (v, &id) in row.iter_mut().zip(&ids[..n]) {
                    *v = id as f32;
                }
            }
            Padding::Pre => {
                for (v, &id) in row[length - n..].iter_mut().zip(&ids[ids.len() - n..]) {
                    *v = id as f32;
                }
            }
        }
    }
    Matrix::new(values, length)
}

/// TF-IDF settings (scikit-learn's `TfidfVectorizer` defaults but for
/// `sublinear_tf`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TfidfConfig {
    /// Term frequency 1 + ln(count) instead of the count. Default true.
    pub sublinear_tf: bool,
    /// Plain counts (bag of words) instead of TF-IDF. Default false.
    pub counts_only: bool,
    /// L2-normalise a text's word tokens and its character n-grams apart,
    /// each block to norm 1 (scikit-learn's `FeatureUnion` of a word and a
    /// `char_wb` vectoriser), so that the many subwords of each word do not
    /// drown the words. No effect without character n-grams. Default true;
    /// files written before it existed load as false, their behaviour.
    #[serde(default)]
    pub subwords_apart: bool,
}

impl Default for TfidfConfig {
    fn default() -> Self {
        TfidfConfig {
            sublinear_tf: true,
            counts_only: false,
            subwords_apart: true,
        }
    }
}

/// Fitted TF-IDF weights; stored with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tfidf {
    /// The settings.
    pub config: TfidfConfig,
    /// Smoothed idf per id: ln((1 + n) / (1 + df)) + 1; 0 for padding.
    pub idf: Vec<f32>,
}

/// One document as a sparse vector: distinct ids, ascending, and weights.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SparseDoc {
    /// Distinct ids.
    pub ids: Vec<usize>,
    /// Their weights.
    pub weights: Vec<f32>,
}

impl Tfidf {
    /// Fits idf weights over `docs` for `n_ids` ids.
    pub fn fit(config: TfidfConfig, docs: &[Vec<usize>], n_ids: usize) -> Tfidf {
        let mut df = vec![0usize; n_ids];
        for doc in docs {
            let mut d = doc.clone();
            d.sort_unstable();
            d.dedup();
            for id in d {
                df[id] += 1;
            }
        }
        let n = docs.len() as f64;
        let mut idf: Vec<f32> = df
            .iter()
            .map(|&d| (((1.0 + n) / (1.0 + d as f64)).ln() + 1.0) as f32)
            .collect();
        idf[PAD_ID] = 0.0;
        Tfidf { config, idf }
    }

    /// The weights of one document's ids: the first `word_count` are its
    /// word tokens, the rest its subwords (see
    /// [`TfidfConfig::subwords_apart`]); L2-normalised.
    pub fn transform(&self, doc: &[usize], word_count: usize) -> SparseDoc {
        if !self.config.subwords_apart || word_count >= doc.len() {
            return self.weigh(doc);
        }
        let (words, subwords) = doc.split_at(word_count);
        merge(&self.weigh(words), &self.weigh(subwords))
    }

    /// The L2-normalised weights of the distinct ids of `doc`.
    fn weigh(&self, doc: &[usize]) -> SparseDoc {
        let mut ids = doc.to_vec();
        ids.sort_unstable();
        let mut out = SparseDoc::default();
        for id in ids {
            if id == PAD_ID || id >= self.idf.len() {
                continue;
            }
            if out.ids.last() == Some(&id) {
                if let Some(w) = out.weights.last_mut() {
                    *w += 1.0;
                }
            } else {
                out.ids.push(id);
                out.weights.push(1.0);
            }
        }
        for (w, &id) in out.weights.iter_mut().zip(&out.ids) {
            if self.config.sublinear_tf {
                *w = 1.0 + w.ln();
            }
            if !self.config.counts_only {
                *w *= self.idf[id];
            }
        }
        let norm = out.weights.iter().map(|w| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            out.weights.iter_mut().for_each(|w| *w /= norm);
        }
        out
    }
}

/// The sum of two sparse documents (an id in both, such as the word "café"
/// and the 4-gram "café", adds its weights).
fn merge(a: &SparseDoc, b: &SparseDoc) -> SparseDoc {
    let mut out = SparseDoc::default();
    let (mut i, mut j) = (0, 0);
    while i < a.ids.len() || j < b.ids.len() {
        let take_a = j == b.ids.len() || (i < a.ids.len() && a.ids[i] <= b.ids[j]);
        let take_b = i == a.ids.len() || (j < b.ids.len() && b.ids[j] <= a.ids[i]);
        let id = if take_a { a.ids[i] } else { b.ids[j] };
        let mut w = 0.0;
        if take_a {
            w += a.weights[i];
            i += 1;
        }
        if take_b {
            w += b.weights[j];
            j += 1;
        }
        out.ids.push(id);
        out.weights.push(w);
    }
    out
}

/// Sparse documents as rows of `2 * width` values: `width` ids (the
/// heaviest `width` terms, padding 0 after) then their weights.
pub fn sparse_rows(docs: &[SparseDoc], width: usize) -> Matrix {
    let mut values = vec![0.0f32; docs.len() * 2 * width];
    for (row, doc) in values.chunks_mut(2 * width).zip(docs) {
        let mut order: Vec<usize> = (0..doc.ids.len()).collect();
        if order.len() > width {
            order.sort_by(|&a, &b| doc.weights[b].total_cmp(&doc.weights[a]));
            order.truncate(width);
        }
        for (slot, &k) in order.iter().enumerate() {
            row[slot] = doc.ids[k] as f32;
            row[width + slot] = doc.weights[k];
        }
    }
    Matrix::new(values, 2 * width)
}

/// The longest sequence, and the most terms a bag keeps: the widest layer
/// a model may have ([`MAX_WIDTH`](crate::model::dense::config::MAX_WIDTH)), as
/// each position or term is an input of the first layer.
pub const MAX_LENGTH: usize = crate::model::dense::config::MAX_WIDTH;

/// An error unless `length` is usable: at least 1, at most [`MAX_LENGTH`].
pub fn check_length(name: &'static str, length: usize) -> Result<()> {
    if length == 0 {
        return Err(AekitError::param(name, "must be at least 1"));
    }
    if length > MAX_LENGTH {
        return Err(AekitError::param(
            name,
            format!("must be at most {MAX_LENGTH} (2^20, the widest layer), got {length}"),
        ));
    }
    Ok(())
}

/// An error unless `rows` inputs of `width` values each (padded sequences,
/// or sparse bags of ids and weights) fit in 2^28 values (1 GiB of f32,
/// the bound on a model's weights): `name` is the parameter that sets the
/// width.
pub fn check_inputs(name: &'static str, rows: usize, width: usize) -> Result<()> {
    let limit = crate::model::dense::config::MAX_PARAMETERS;
    if rows.saturating_mul(width) > limit {
        return Err(AekitError::param(
            name,
            format!(
                "{rows} texts of {width} input values each would hold more than {limit} values (2^28, 1 GiB): lower it"
            ),
        ));
    }
    Ok(())
}

/// An error unless a table of `ids` rows of `width` weights, `copies`
/// times (an embedding; an encoder and a decoder), stays within a model's
/// 2^28 weights: `name` is the parameter that sets `ids`.
pub fn check_id_table(name: &'static str, ids: usize, width: usize, copies: usize) -> Result<()> {
    let limit = crate::model::dense::config::MAX_PARAMETERS;
    let weights = ids.saturating_mul(width).saturating_mul(copies);
    if weights > limit {
        return Err(AekitError::param(
            name,
            format!(
                "{ids} ids of {width} weights would make {weights} weights, more than a model's {limit} (2^28)"
            ),
        ));
    }
    Ok(())
}

/// Parses the command line's names (post, pre).
impl std::str::FromStr for Padding {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        crate::error::by_name(
            "padding",
            s,
            &[("post", Padding::Post), ("pre", Padding::Pre)],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_post_and_pre_as_keras() {
        let d = vec![vec![5, 6, 7], vec![8]];
        assert_eq!(pad(&d, 2, Padding::Post).values, [5.0, 6.0, 8.0, 0.0]);
        assert_eq!(pad(&d, 2, Padding::Pre).values, [6.0, 7.0, 0.0, 8.0]);
    }

    #[test]
    fn tfidf_matches_scikit_learns_smoothed_idf() {
        let docs = vec![vec![2, 2, 3], vec![3]];
        let t = Tfidf::fit(
            TfidfConfig {
                sublinear_tf: false,
                counts_only: false,
                subwords_apart: true,
            },
            &docs,
            4,
        );
        // idf(2) = ln(3/2) + 1, idf(3) = 1.
        let idf2 = (1.5f32).ln() + 1.0;
        assert!((t.idf[2] - idf2).abs() < 1e-6 && (t.idf[3] - 1.0).abs() < 1e-6);
        let d = t.transform(&docs[0], 3);
        assert_eq!(d.ids, [2, 3]);
        let n = ((2.0 * idf2).powi(2) + 1.0).sqrt();
        assert!((d.weights[0] - 2.0 * idf2 / n).abs() < 1e-6);
        let rows = sparse_rows(&[d], 1);
        assert_eq!(rows.values[0], 2.0, "the heaviest term is kept");
    }

    #[test]
    fn words_and_subwords_are_normalised_apart_unless_told_otherwise() {
        // Words 2, 3; subwords 3 (the same id as a word), 4, 5, 6.
        let doc = [2, 3, 3, 4, 5, 6];
        let config = TfidfConfig {
            sublinear_tf: false,
            counts_only: true,
            subwords_apart: true,
        };
        let t = Tfidf::fit(config, &[doc.to_vec()], 7);
        let d = t.transform(&doc, 2);
        let (w, s) = (1.0 / 2f32.sqrt(), 0.5);
        assert_eq!(d.ids, [2, 3, 4, 5, 6]);
        for (got, want) in d.weights.iter().zip([w, w + s, s, s, s]) {
            assert!((got - want).abs() < 1e-6, "{:?}", d.weights);
        }
        let together = Tfidf {
            config: TfidfConfig {
                subwords_apart: false,
                ..config
            },
            ..t
        };
        let d = together.transform(&doc, 2);
        let n = 8f32.sqrt(); // counts 1, 2, 1, 1, 1
        assert!((d.weights[1] - 2.0 / n).abs() < 1e-6, "{:?}", d.weights);
        let old: TfidfConfig = serde_json::from_str(r#"{"sublinear_tf":true}"#).unwrap();
        assert!(!old.subwords_apart, "older files keep one block");
    }
}
