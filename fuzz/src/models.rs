//! The model-file targets: text model files (the classifier's and the
//! document autoencoder's) read from bytes and used, and training
//! checkpoints resumed from.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aekit::data::{CsvChunks, Dataset, Table};
use aekit::text::{
    Corpus, DocAutoencoder, DocAutoencoderParams, TextClassifier, TextClassifierParams,
};
use aekit::train::{Checkpointing, Silent};
use aekit::{Autoencoder, AutoencoderParams, TrainingSetters};

/// The seed tutorial's eight reviews, labelled.
const REVIEWS: [(&str, &str); 8] = [
    ("Well done!", "1"),
    ("Good work", "1"),
    ("Great effort", "1"),
    ("nice work", "1"),
    ("Excellent!", "1"),
    ("Weak", "0"),
    ("Poor effort!", "0"),
    ("not good", "0"),
];

fn corpus() -> Corpus {
    Corpus {
        path: PathBuf::from("fuzz-reviews.csv"),
        texts: REVIEWS.iter().map(|(t, _)| t.to_string()).collect(),
        labels: Some(REVIEWS.iter().map(|(_, l)| l.to_string()).collect()),
        id_names: Vec::new(),
        ids: Vec::new(),
        rows: (2..2 + REVIEWS.len()).collect(),
    }
}

/// A classifier's and a document autoencoder's model files, trained for
/// two epochs on the reviews.
pub fn text_model_seeds() -> Vec<Vec<u8>> {
    let corpus = corpus();
    let mut seeds = Vec::new();
    let classifier = TextClassifierParams::default().epochs(2).seed(1);
    if let Ok(model) = classifier.fit(&corpus, &mut Silent)
        && let Ok(bytes) = model.to_bytes()
    {
        seeds.push(bytes);
    }
    let documents = DocAutoencoderParams::default().epochs(2).seed(1);
    if let Ok(model) = documents.fit(&corpus, &mut Silent)
        && let Ok(bytes) = model.to_bytes()
    {
        seeds.push(bytes);
    }
    seeds
}

/// Reads the bytes as either text kind's model file, then predicts or
/// encodes the reviews with it.
pub fn read_text_model(bytes: &[u8]) -> Result<usize, String> {
    let texts: Vec<String> = REVIEWS.iter().map(|(t, _)| t.to_string()).collect();
    let classifier = TextClassifier::from_bytes(bytes).map(|m| m.predict(&texts).predicted.len());
    let documents = DocAutoencoder::from_bytes(bytes).map(|m| m.encode(&texts).n_rows());
    match (classifier, documents) {
        (Ok(n), _) | (_, Ok(n)) => Ok(n),
        (Err(a), Err(b)) => Err(format!("{a} | {b}")),
    }
}

/// A checkpoint directory and the rows its run trains on.
struct CheckpointRun {
    dir: PathBuf,
    table: Table,
}

static RUN: OnceLock<Option<CheckpointRun>> = OnceLock::new();

/// 40 rows of 4 columns with some structure.
fn rows() -> Option<Table> {
    let mut text = String::from("a,b,c,d\n");
    for i in 0..40 {
        let t = f64::from(i) / 7.0;
        text += &format!("{},{},{},{}\n", t.sin(), t.cos(), (i % 5) as f64, t / 3.0);
    }
    CsvChunks::from_reader(
        Path::new("fuzz-rows.csv"),
        Box::new(std::io::Cursor::new(text.into_bytes())),
        b',',
    )
    .ok()?
    .next_chunk(1000)
    .ok()?
}

/// The run a checkpoint belongs to: resuming needs the same data and
/// settings, and only `epochs` may grow.
fn params(dir: &Path, epochs: usize, resume: bool) -> AutoencoderParams {
    let mut params = Autoencoder::params()
        .hidden([4])
        .bottleneck(2)
        .epochs(epochs)
        .batch_size(8)
        .seed(3)
        .threads(1);
    params.training_mut().checkpoint = Some(Checkpointing {
        resume,
        ..Checkpointing::new(dir, 1)
    });
    params
}

fn run() -> Option<&'static CheckpointRun> {
    RUN.get_or_init(|| {
        let base = Path::new("/dev/shm");
        let base = if base.is_dir() {
            base.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("aekit-fuzz-checkpoint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        Some(CheckpointRun {
            dir,
            table: rows()?,
        })
    })
    .as_ref()
}

/// The checkpoint a two-epoch run leaves.
pub fn checkpoint_seeds() -> Vec<Vec<u8>> {
    let Some(run) = run() else {
        return Vec::new();
    };
    let params = params(&run.dir, 2, false);
    if params.fit(Dataset::from(&run.table)).is_err() {
        return Vec::new();
    }
    std::fs::read(Checkpointing::new(&run.dir, 1).file())
        .into_iter()
        .collect()
}

/// Resumes a three-epoch run from the bytes as its checkpoint.
pub fn resume_from(bytes: &[u8]) -> Result<usize, String> {
    let run = run().ok_or("no checkpoint directory")?;
    let file = Checkpointing::new(&run.dir, 1).file();
    std::fs::write(&file, bytes).map_err(|e| e.to_string())?;
    params(&run.dir, 3, true)
        .fit(Dataset::from(&run.table))
        .map(|m| m.bottleneck())
        // Without the directory, so the outcome's shape is the message.
        .map_err(|e| e.to_string().replace(&*run.dir.to_string_lossy(), "DIR"))
}

/// Removes the checkpoint directory.
pub fn clean_up() {
    if let Some(Some(run)) = RUN.get() {
        let _ = std::fs::remove_dir_all(&run.dir);
    }
}
