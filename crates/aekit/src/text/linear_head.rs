//! The linear head's part of a text classifier's fit: whether it is
//! fitted, and the fit once the preprocessing is learnt.

use super::TextPreprocessing;
use super::classifier::{
    Head, MAX_LINEAR_CLASSES, MAX_LINEAR_WEIGHTS, TextClassifier, TextClassifierParams, accuracy,
    classifier_inputs, text_start,
};
use super::corpus::Corpus;
use super::linear;
use super::model_file::{TextMetrics, TextModelConfig, TextModelMeta};
use super::vocabulary::Lookup;
use crate::backend;
use crate::error::{AekitError, Result};
use crate::model::text_classifier::{Pooling, TextClassifierConfig, TextClassifierNet};
use crate::train::pipeline::train_observed;
use crate::train::{LossKind, TrainingObserver};
use serde::{Deserialize, Serialize};

/// The linear head's loss (both with an L2 penalty, fitted to
/// convergence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinearLoss {
    /// The squared hinge, one class against the rest, the intercept a
    /// penalised constant feature: scikit-learn's `LinearSVC` (liblinear's
    /// dual coordinate descent). Class probabilities are the softmax of
    /// the decision values (with two classes, the sigmoid of the one
    /// decision value): a ranking, not calibrated. The default
    /// (BENCHMARKS.md, "Text").
    #[default]
    SquaredHinge,
    /// A multinomial logistic regression, the intercepts unpenalised:
    /// scikit-learn's `LogisticRegression` (L-BFGS). Its probabilities are
    /// the model's own.
    Logistic,
}

/// Parses the command line's names (squared-hinge, logistic).
impl std::str::FromStr for LinearLoss {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        crate::error::by_name(
            "linear_loss",
            s,
            &[
                ("squared-hinge", LinearLoss::SquaredHinge),
                ("squared_hinge", LinearLoss::SquaredHinge),
                ("logistic", LinearLoss::Logistic),
            ],
        )
    }
}

impl TextClassifierParams {
    /// Whether the linear head is fitted for `n_classes` classes: as
    /// [`head`](Self::head) says; an error when it asks for one that does
    /// not fit.
    pub(super) fn linear_head(&self, n_classes: usize) -> Result<bool> {
        let hashed = self.vocabulary.hashing.unwrap_or(0);
        let fits = n_classes <= MAX_LINEAR_CLASSES
            && hashed.saturating_mul(n_classes) <= MAX_LINEAR_WEIGHTS;
        match self.head {
            None => Ok(self.model.pooling == Pooling::Tfidf && fits),
            Some(Head::Embedding) => Ok(false),
            Some(Head::Linear) if fits => Ok(true),
            Some(Head::Linear) => Err(AekitError::param(
                "head",
                format!(
                    "the linear head holds a weight per token and class: at most \
                     {MAX_LINEAR_CLASSES} classes and {MAX_LINEAR_WEIGHTS} weights (hashed ids \
                     x classes), got {n_classes} classes; head 'embedding' takes more"
                ),
            )),
        }
    }

    /// [`Head::Linear`]'s fit (after the preprocessing is learnt).
    pub(super) fn fit_linear(
        &self,
        corpus: &Corpus,
        text: TextPreprocessing,
        classes: Vec<String>,
        class_of: &[usize],
        split: (&[usize], &[usize]),
        observer: &mut dyn TrainingObserver,
    ) -> Result<TextClassifier> {
        let vocab = Lookup::new(&text.ids).size();
        let k = classes.len();
        let x = classifier_inputs(&text, &corpus.texts);
        let (fit, history) = train_observed(
            observer,
            &text_start(split.0.len(), split.1.len(), vocab),
            |observer| {
                let settings = linear::LinearSettings {
                    loss: self.linear_loss,
                    c: self.linear_c,
                    seed: self.training.seed,
                };
                let fit = linear::fit(&x, class_of, k, vocab, split, settings, observer);
                let history = fit.history.clone();
                Ok((fit, history))
            },
            |_| Ok(None),
        )?;
        // Stored as the other head's net: an embedding as wide as the
        // outputs, then the identity (two classes: one sigmoid on the
        // difference of their logits, which is their softmax).
        let (weights, bias) = fit.params.split_at(vocab * k);
        let n_out = TextClassifierConfig::n_outputs(k);
        let (embedding, bias) = if n_out == 1 {
            let diff = weights.chunks(2).map(|w| w[1] - w[0]).collect();
            (diff, vec![bias[1] - bias[0]])
        } else {
            (weights.to_vec(), bias.to_vec())
        };
        let mut identity = vec![0.0f32; n_out * n_out];
        (0..n_out).for_each(|i| identity[i * n_out + i] = 1.0);
        let config = TextClassifierConfig {
            embedding_dim: n_out,
            pooling: Pooling::Tfidf,
            init_scale: self.model.init_scale,
        };
        let net = TextClassifierNet::from_values(
            Pooling::Tfidf,
            (embedding, [vocab, n_out]),
            (identity, [n_out, n_out]),
            bias,
            &backend::inference_device(),
        );
        let mut training = self.training.clone();
        training.loss = LossKind::Bce;
        let predicted = net.predicted_classes(&x, &backend::inference_device());
        let metrics = TextMetrics {
            train_accuracy: Some(accuracy(&predicted, class_of)),
            validation_accuracy: fit.validation_accuracy,
        };
        Ok(TextClassifier {
            meta: TextModelMeta {
                format_version: crate::model_file::FORMAT_VERSION,
                aekit_version: crate::VERSION.to_string(),
                model: TextModelConfig::TextClassifier(config),
                text,
                label: Some(super::DEFAULT_LABEL_COLUMN.to_string()),
                classes,
                training,
                history,
                metrics,
            },
            net,
        })
    }
}
