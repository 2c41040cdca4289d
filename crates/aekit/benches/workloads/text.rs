//! W5: the pooled text classifier.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::options::Options;
use crate::report::{LastBatch, Report};

/// W5: the pooled text classifier's vocabulary, text length and batch.
pub(crate) const W5_VOCAB: usize = 20_000;
pub(crate) const W5_LENGTH: usize = 64;
pub(crate) const W5_BATCH: usize = 32;

/// W5: `aekit text train --embedding-dim 32 --pooling mean --max-length 64
/// --batch-size 32` (Adam, the text default lr 0.01) on texts of 64 words
/// drawn uniformly from 20 000 and 8 random classes, one epoch, no
/// validation, through the library's `TextClassifierParams::fit`; the
/// epoch's seconds come from the history, so tokenising is not timed.
pub(crate) fn run_w5(options: &Options) -> Result<Report, String> {
    use aekit::model::{Pooling, TextClassifierConfig};
    use aekit::text::{Corpus, Lookup, TextClassifierParams, VocabularyConfig};
    let rows = if options.quick { 5_000 } else { 50_000 };
    let mut rng = StdRng::seed_from_u64(1);
    let texts: Vec<String> = (0..rows)
        .map(|_| {
            let words: Vec<String> = (0..W5_LENGTH)
                .map(|_| format!("w{}", rng.random_range(0..W5_VOCAB)))
                .collect();
            words.join(" ")
        })
        .collect();
    let labels = (0..rows)
        .map(|_| format!("c{}", rng.random_range(0..8)))
        .collect();
    let corpus = Corpus {
        path: "W5".into(),
        texts,
        labels: Some(labels),
        id_names: Vec::new(),
        ids: Vec::new(),
        rows: (1..=rows).collect(),
    };
    let mut per_epoch = Vec::with_capacity(options.repeat);
    let (mut final_loss, mut params) = (f64::NAN, 0);
    for r in 0..options.repeat {
        let mut p = TextClassifierParams::for_pooling(Pooling::Mean);
        p.vocabulary = VocabularyConfig {
            min_count: 1,
            max_vocab: W5_VOCAB,
            hashing: None,
        };
        p.max_length = Some(W5_LENGTH);
        p.model = TextClassifierConfig {
            embedding_dim: 32,
            pooling: Pooling::Mean,
            ..TextClassifierConfig::default()
        };
        p.training.epochs = 1;
        p.training.device = options.device;
        p.training.batch_size = W5_BATCH;
        p.training.validation_split = None;
        p.training.patience = None;
        p.training.seed = 1 + r as u64;
        let mut observer = LastBatch { loss: f64::NAN };
        let model = p.fit(&corpus, &mut observer).map_err(|e| e.to_string())?;
        let meta = model.meta();
        let epoch = meta
            .history
            .epochs
            .first()
            .ok_or("W5: training ran no epoch")?;
        let summary = p.model.summary(
            Lookup::new(&meta.text.ids).size(),
            W5_LENGTH,
            meta.classes.len(),
        );
        params = summary.trainable() + summary.non_trainable();
        eprintln!(
            "W5 repeat {}/{}: {:.3} s/epoch, last batch loss {:.6}",
            r + 1,
            options.repeat,
            epoch.seconds,
            observer.loss
        );
        per_epoch.push(epoch.seconds);
        final_loss = observer.loss;
    }
    Ok(Report {
        params: Some(params),
        ..Report::trained("W5", options.threads, rows, W5_BATCH, per_epoch, final_loss)
    })
}
