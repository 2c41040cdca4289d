//! Model files and checkpoints edited by hand (or by an attacker): each
//! is held to its metadata and refused with a one-line error before any
//! work, never a panic, a hang or an abort. Each case is a defect once found.

#![allow(clippy::unwrap_used)]

mod util;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use util::{aekit, arg, data, iris_command, iris_model, with};

/// One tensor of a safetensors file: shape and little-endian f32 bytes.
type Tensors = Vec<(String, Vec<usize>, Vec<u8>)>;

/// Copies the safetensors file `from` to `to` with the JSON metadata under
/// `key` changed by `edit_meta` and its tensors by `edit_tensors`.
fn rewrite(
    from: &Path,
    to: &Path,
    key: &str,
    edit_meta: impl FnOnce(&mut serde_json::Value),
    edit_tensors: impl FnOnce(&mut Tensors),
) {
    let bytes = std::fs::read(from).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut info: HashMap<String, String> = header.metadata().clone().unwrap();
    let mut meta: serde_json::Value = serde_json::from_str(&info[key]).unwrap();
    edit_meta(&mut meta);
    info.insert(key.into(), meta.to_string());
    let mut tensors: Tensors = file
        .tensors()
        .into_iter()
        .map(|(name, view)| (name, view.shape().to_vec(), view.data().to_vec()))
        .collect();
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    edit_tensors(&mut tensors);
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .map(|(name, shape, data)| {
            let view =
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data)
                    .unwrap();
            (name.clone(), view)
        })
        .collect();
    safetensors::serialize_to_file(views, Some(info), to).unwrap();
}

fn edit_meta(from: &Path, to: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    rewrite(from, to, "aekit", edit, |_| {});
}

fn an_extra_tensor(tensors: &mut Tensors) {
    tensors.push(("extra.weight".into(), vec![2], vec![0; 8]));
}

fn text_model(dir: &Path, command: &str) -> PathBuf {
    let model = dir.join(format!("{command}.aekit"));
    aekit([
        "text",
        command,
        &arg(&data("sentiment.csv")),
        "--epochs",
        "2",
        "--quiet",
        "--out",
        &arg(&model),
    ])
    .ok();
    model
}

#[test]
fn text_model_files_are_held_to_their_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let texts = arg(&data("sentiment.csv"));
    let classifier = text_model(dir.path(), "train");
    let documents = text_model(dir.path(), "autoencoder");
    let bad = dir.path().join("bad.aekit");
    let predict = |needles: &[&str]| {
        let started = Instant::now();
        aekit(["text", "predict", &arg(&bad), &texts, "--out", "-"])
            .fails_with(&[&["not a usable aekit model"], needles].concat());
        assert!(started.elapsed() < Duration::from_secs(20), "{needles:?}");
    };
    let encode = |needles: &[&str]| {
        aekit(["encode", &arg(&bad), &texts, "--out", "-"])
            .fails_with(&[&["not a usable aekit model"], needles].concat());
    };
    type Edit = fn(&mut serde_json::Value);
    // Each was a panic, an abort or a hang.
    let panics: [(Edit, &[&str]); 5] = [
        (
            |m| m["text"]["tokenizer"]["char_ngrams"] = serde_json::json!([0, 1000]),
            &["char_ngrams"],
        ),
        (
            |m| m["text"]["tokenizer"]["ngrams"] = serde_json::json!(1_000_000_000u64),
            &["ngrams"],
        ),
        (
            |m| m["text"]["max_length"] = serde_json::json!(1_000_000_000_000u64),
            &["max_length", "at most 1048576"],
        ),
        (
            |m| {
                let first = m["classes"][0].clone();
                m["classes"] = serde_json::json!([first]);
            },
            &["1 class(es)", "at least two"],
        ),
        (
            |m| m["text"]["tokenizer"]["unknown_setting"] = serde_json::json!(true),
            &["unknown key 'text.tokenizer.unknown_setting'"],
        ),
    ];
    for (edit, needles) in panics {
        edit_meta(&classifier, &bad, edit);
        predict(needles);
    }
    // A vocabulary whose second token repeats its first.
    edit_meta(&classifier, &bad, |m| {
        let first = m["text"]["ids"]["tokens"][0].clone();
        m["text"]["ids"]["tokens"][1] = first;
    });
    predict(&["twice"]);
    rewrite(&classifier, &bad, "aekit", |_| {}, an_extra_tensor);
    predict(&["tensor 'extra.weight' is not part of the text_classifier model"]);

    let doc_cases: [(Edit, &[&str]); 4] = [
        (
            |m| m["model"]["max_terms"] = serde_json::json!(0),
            &["max_terms", "at least 1"],
        ),
        (
            |m| m["model"]["max_terms"] = serde_json::json!(1_000_000_000_000u64),
            &["max_terms", "at most 1048576"],
        ),
        (
            |m| {
                let idf = m["text"]["tfidf"]["idf"].as_array_mut().unwrap();
                idf.pop();
            },
            &["idf values for"],
        ),
        (
            |m| m["surprise"] = serde_json::json!(1),
            &["unknown key 'surprise'"],
        ),
    ];
    for (edit, needles) in doc_cases {
        edit_meta(&documents, &bad, edit);
        encode(needles);
    }
    rewrite(&documents, &bad, "aekit", |_| {}, an_extra_tensor);
    encode(&["tensor 'extra.weight' is not part of the doc_autoencoder model"]);
    // The untouched files still work.
    aekit(["text", "predict", &arg(&classifier), &texts, "--out", "-"]).ok();
    aekit(["encode", &arg(&documents), &texts, "--out", "-"]).ok();
}

#[test]
fn text_sizes_are_bounded_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let texts = arg(&data("sentiment.csv"));
    let out = arg(&dir.path().join("m.aekit"));
    let train = |command: &str, flag: &str, value: &str, needles: &[&str]| {
        let started = Instant::now();
        aekit([
            "text", command, &texts, flag, value, "--epochs", "1", "--quiet", "--out", &out,
        ])
        .fails_with(needles);
        assert!(started.elapsed() < Duration::from_secs(20), "{flag}");
    };
    train(
        "train",
        "--max-length",
        "1000000000000",
        &["--max-length", "at most 1048576"],
    );
    train(
        "train",
        "--max-length",
        "100000000",
        &["--max-length", "at most 1048576"],
    );
    train(
        "train",
        "--hashing",
        "1000000000000",
        &["--hashing", "more than a model's 268435456"],
    );
    train(
        "train",
        "--embedding-dim",
        "1000000000",
        &["--embedding-dim", "between 1 and 1048576"],
    );
    train(
        "autoencoder",
        "--bottleneck",
        "1000000000",
        &["--bottleneck", "1048576"],
    );
    // Within the layer bound, but not for this many texts.
    let many: String = (0..300)
        .map(|i| format!("text {i} was {},{}\n", i % 7, i % 2))
        .collect();
    let many = util::write(dir.path(), "many.csv", &format!("text,label\n{many}"));
    aekit([
        "text",
        "train",
        &arg(&many),
        "--pooling",
        "mean",
        "--max-length",
        "1000000",
        "--epochs",
        "1",
        "--out",
        &out,
    ])
    .fails_with(&["--max-length", "300 texts of 1000000 input values", "1 GiB"]);
    assert!(!dir.path().join("m.aekit").exists());
}

/// `aekit train` on iris saving a checkpoint every epoch into `ckpt`.
fn checkpointed(ckpt: &Path, epochs: &str, out: &Path, resume: bool) -> Vec<String> {
    with(
        iris_command("train", &arg(&data("iris.csv"))),
        [
            "--hidden",
            "6",
            "--epochs",
            epochs,
            "--quiet",
            if resume { "--resume" } else { "--checkpoint" },
            &arg(ckpt),
            "--checkpoint-every",
            "1",
            "--out",
            &arg(out),
        ],
    )
}

#[test]
fn checkpoints_are_held_to_their_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    let out = dir.path().join("m.aekit");
    aekit(checkpointed(&good, "4", &out, false)).ok();
    let file = good.join("checkpoint.safetensors");
    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    let resumed = dir.path().join("resumed.aekit");
    let resume = |epochs: &str, needles: &[&str]| {
        let started = Instant::now();
        aekit(checkpointed(&bad, epochs, &resumed, true)).fails_with(needles);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{needles:?} took {:?}",
            started.elapsed()
        );
        assert!(!resumed.exists(), "{needles:?}: a model was written");
    };
    let rewrite_checkpoint = |meta: fn(&mut serde_json::Value), tensors: fn(&mut Tensors)| {
        rewrite(
            &file,
            &bad.join("checkpoint.safetensors"),
            "aekit_checkpoint",
            meta,
            tensors,
        );
    };
    // Replaying 10^12 shuffles hung.
    rewrite_checkpoint(
        |m| m["state"]["epoch"] = serde_json::json!(1_000_000_000_000u64),
        |_| {},
    );
    resume("6", &["epoch 1000000000000", "--epochs is 6"]);
    // An epoch that disagrees with the history wrote "epoch 12/2".
    rewrite_checkpoint(|m| m["state"]["epoch"] = serde_json::json!(2), |_| {});
    resume("6", &["at epoch 2", "history holds epochs [1, 2, 3, 4]"]);
    rewrite_checkpoint(|m| m["state"]["stray"] = serde_json::json!(0), |_| {});
    resume("6", &["unknown key 'state.stray'"]);
    rewrite_checkpoint(|_| {}, an_extra_tensor);
    resume(
        "6",
        &["tensor 'extra.weight' is not part of the run's state"],
    );
    // A weight matrix given a two-dimensional shape of its own count.
    rewrite_checkpoint(
        |_| {},
        |t| {
            let (_, shape, _) = t.iter_mut().find(|(_, s, _)| s[0] % 2 == 0).unwrap();
            *shape = vec![2, shape[0] / 2];
        },
    );
    resume("6", &["checkpoints store flat tensors"]);
    // Two tensors of different sizes swapped.
    rewrite_checkpoint(
        |_| {},
        |t| {
            let i = t.iter().position(|x| x.0.starts_with("net.")).unwrap();
            let j = t
                .iter()
                .position(|x| x.0.starts_with("net.") && x.1 != t[i].1)
                .unwrap();
            let (a, b) = (t[i].clone(), t[j].clone());
            t[i] = (a.0, b.1, b.2);
            t[j] = (b.0, a.1, a.2);
        },
    );
    resume("6", &["values, the model needs"]);
    // Fewer epochs than the checkpoint has trained wrote the longer model.
    std::fs::copy(&file, bad.join("checkpoint.safetensors")).unwrap();
    resume("2", &["at epoch 4", "--epochs is 2", "at least 4"]);
    // The untouched checkpoint resumes.
    aekit(checkpointed(&bad, "5", &resumed, true)).ok();
    let summary = aekit(["summary", &arg(&resumed)]).ok().stdout();
    assert!(
        summary.contains("5 epochs") || summary.contains("epoch 5"),
        "{summary}"
    );
}

#[test]
fn a_scaler_that_gives_infinite_codes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = iris_model(dir.path());
    let bad = dir.path().join("bad.aekit");
    let iris = arg(&data("iris.csv"));
    edit_meta(&model, &bad, |m| {
        m["input"]["scaler"]["offset"][0] = serde_json::json!(1e308)
    });
    aekit(["encode", &arg(&bad), &iris, "--out", "-"])
        .fails_with(&["offset for column 'sepal_length' is 1e308", "range of f32"]);
    edit_meta(&model, &bad, |m| {
        m["input"]["scaler"]["scale"][0] = serde_json::json!(1e300)
    });
    aekit(["encode", &arg(&bad), &iris, "--out", "-"]).fails_with(&["scale for column"]);
}
