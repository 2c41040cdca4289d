#![allow(clippy::unwrap_used)]
//! `aekit text ...` and `aekit encode` with text models, on real files.

mod util;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use util::{aekit, aekit_stdin, arg, data, gzip, read_csv, write};

/// The seed tutorial: Embedding(vocab, 8) -> Flatten -> Dense(1, sigmoid),
/// Adam, 50 epochs, every row trained on.
fn train_seed(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let model = dir.join(name);
    aekit([
        "text",
        "train",
        &arg(&data("sentiment.csv")),
        "--out",
        &arg(&model),
        "--pooling",
        "flatten",
        "--embedding-dim",
        "8",
        "--epochs",
        "50",
        "--ngrams",
        "1",
        "--min-count",
        "1",
        "--validation-split",
        "0",
        "--patience",
        "0",
        "--lr",
        "0.001",
        "--seed",
        "3",
        "--quiet",
    ])
    .ok();
    model
}

#[test]
fn the_seed_example_reaches_full_training_accuracy_and_reproduces() {
    let dir = tempfile::tempdir().unwrap();
    let a = train_seed(dir.path(), "a.aekit");
    let b = train_seed(dir.path(), "b.aekit");
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        "same seed, same model"
    );
    let out = dir.path().join("pred.csv");
    let run = aekit([
        "text",
        "predict",
        &arg(&a),
        &arg(&data("sentiment.csv")),
        "--out",
        &arg(&out),
    ])
    .ok();
    let report = run.stdout();
    assert!(
        report.contains("precision") && report.contains("weighted avg"),
        "{report}"
    );
    let (head, rows) = read_csv(&out);
    assert_eq!(head, ["label", "predicted", "p_0", "p_1"]);
    assert!(rows.iter().all(|r| r[0] == r[1]));
    let json = aekit([
        "text",
        "predict",
        &arg(&a),
        &arg(&data("sentiment.csv")),
        "--out",
        &arg(&out),
        "--json",
    ])
    .ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout()).unwrap();
    assert_eq!(v["accuracy"], 1.0);
    let vectors = dir.path().join("v.txt");
    aekit(["text", "vectors", &arg(&a), "--out", &arg(&vectors)]).ok();
    let text = std::fs::read_to_string(&vectors).unwrap();
    let first = text.lines().next().unwrap();
    assert!(first.ends_with(" 8"), "{first}");
}

fn topics(dir: &std::path::Path) -> std::path::PathBuf {
    let mut csv = String::from("text,label\n");
    let sport = [
        "goal", "match", "team", "score", "league", "coach", "striker", "referee",
    ];
    let food = [
        "bread", "cheese", "recipe", "oven", "butter", "flour", "sauce", "soup",
    ];
    for i in 0..120 {
        let (words, label) = if i % 2 == 0 {
            (&sport, "sport")
        } else {
            (&food, "food")
        };
        let t: Vec<&str> = (0..6).map(|k| words[(i * 7 + k * 3) % 8]).collect();
        csv.push_str(&format!("{} the and,{label}\n", t.join(" ")));
    }
    write(dir, "topics.csv", &csv)
}

#[test]
fn document_embeddings_put_neighbours_of_a_topic_together() {
    let dir = tempfile::tempdir().unwrap();
    let data = topics(dir.path());
    let model = dir.path().join("doc.aekit");
    aekit([
        "text",
        "autoencoder",
        &arg(&data),
        "--text",
        "text",
        "--out",
        &arg(&model),
        "--bottleneck",
        "8",
        "--epochs",
        "15",
        "--seed",
        "1",
        "--quiet",
    ])
    .ok();
    let codes = dir.path().join("codes.csv");
    aekit(["encode", &arg(&model), &arg(&data), "--out", &arg(&codes)]).ok();
    let (head, rows) = read_csv(&codes);
    assert_eq!(head.len(), 9);
    assert_eq!(head[8], "label");
    assert_eq!(rows.len(), 120);
    let run = aekit([
        "text",
        "similar",
        &arg(&model),
        &arg(&data),
        "--query",
        "the striker and the coach",
        "-k",
        "5",
    ])
    .ok();
    let out = run.stdout();
    let hits: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(hits.len(), 5, "{out}");
    let sporty = hits
        .iter()
        .filter(|l| {
            [
                "goal", "match", "team", "score", "league", "coach", "striker", "referee",
            ]
            .iter()
            .any(|w| l.contains(w))
        })
        .count();
    assert_eq!(sporty, 5, "{out}");
    // A text model given to a tabular command.
    aekit([
        "decode",
        &arg(&model),
        &arg(&codes),
        "--out",
        &arg(&dir.path().join("x.csv")),
    ])
    .fails_with(&["text model"]);
}

#[test]
fn bad_text_input_gets_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.aekit");
    let empty = write(dir.path(), "empty.csv", "text,label\ngood,1\n,0\n");
    aekit(["text", "train", &arg(&empty), "--out", &arg(&out)])
        .fails_with(&["row 3", "'text'", "empty"]);
    let one = write(dir.path(), "one.csv", "text,label\ngood,1\nfine,1\n");
    aekit(["text", "train", &arg(&one), "--out", &arg(&out)]).fails_with(&["one class"]);
    let other = write(dir.path(), "other.csv", "body,label\ngood,1\nbad,0\n");
    aekit(["text", "train", &arg(&other), "--out", &arg(&out)]).fails_with(&["'text'", "body"]);
    let bytes = dir.path().join("latin1.csv");
    std::fs::write(&bytes, b"text,label\ngood,1\ncaf\xe9,0\n").unwrap();
    aekit(["text", "train", &arg(&bytes), "--out", &arg(&out)]).fails_with(&["row 3", "UTF-8"]);
    assert!(!out.exists(), "nothing half-written");
    // A tabular model given to a text command.
    let tab = dir.path().join("tab.aekit");
    let mut args = util::iris_recipe(&arg(&data("iris.csv")));
    args.extend(["--epochs".into(), "1".into(), "--out".into(), arg(&tab)]);
    aekit(args).ok();
    aekit([
        "text",
        "predict",
        &arg(&tab),
        &arg(&one),
        "--out",
        &arg(&dir.path().join("p.csv")),
    ])
    .fails_with(&["tabular model", "text model"]);
}

/// `text predict --json`'s report on `data`.
fn predict_report(model: &Path, data: &Path, dir: &Path) -> serde_json::Value {
    let run = aekit([
        "text",
        "predict",
        &arg(model),
        &arg(data),
        "--out",
        &arg(&dir.join("p.csv")),
        "--json",
    ])
    .ok();
    serde_json::from_str(&run.stdout()).unwrap()
}

#[test]
fn the_default_tfidf_classifier_learns_topics_and_says_how_it_pools() {
    let dir = tempfile::tempdir().unwrap();
    let data = topics(dir.path());
    let model = dir.path().join("topics.aekit");
    aekit([
        "text",
        "train",
        &arg(&data),
        "--out",
        &arg(&model),
        "--seed",
        "3",
        "--quiet",
    ])
    .ok();
    // Texts the model never saw: topic words in new orders and company.
    let unseen = write(
        dir.path(),
        "unseen.csv",
        "text,label\n\
         the referee and the coach,sport\n\
         a late goal for the team,sport\n\
         the striker missed the match,sport\n\
         bread and butter in the oven,food\n\
         a soup recipe with flour,food\n\
         cheese sauce and bread,food\n",
    );
    let report = predict_report(&model, &unseen, dir.path());
    assert_eq!(report["accuracy"].as_f64(), Some(1.0), "{report}");
    let summary = aekit(["summary", &arg(&model)]).ok().stdout();
    assert!(summary.contains("TfidfWeightedSum"), "{summary}");
}

/// `--char-ngrams`: the model file keeps the lengths, `summary` names them,
/// the classifier still sorts unseen texts, and bad lengths are refused
/// before anything is written.
#[test]
fn char_ngrams_are_stored_shown_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let data = topics(dir.path());
    let model = dir.path().join("sub.aekit");
    let (data_arg, model_arg) = (arg(&data), arg(&model));
    let train = |flags: &[&str]| {
        let mut args = vec!["text", "train", &data_arg, "--out", &model_arg];
        args.extend_from_slice(flags);
        args.extend_from_slice(&["--seed", "3", "--quiet"]);
        aekit(args)
    };
    // TF-IDF pooling (the default) brings subwords by default.
    train(&[]).ok();
    let summary = aekit(["summary", &arg(&model)]).ok().stdout();
    assert!(
        summary.contains("character 3-5-grams of each word")
            && summary.contains("words and subwords L2-normalised apart"),
        "{summary}"
    );
    let unseen = write(
        dir.path(),
        "unseen.csv",
        "text,label\nthe coach and the team,sport\nbread from the oven,food\n",
    );
    let report = predict_report(&model, &unseen, dir.path());
    assert_eq!(report["accuracy"].as_f64(), Some(1.0), "{report}");
    for flags in [&["--char-ngrams", "none"][..], &["--pooling", "mean"]] {
        train(flags).ok();
        let summary = aekit(["summary", &arg(&model)]).ok().stdout();
        assert!(
            !summary.contains("character") && !summary.contains("apart"),
            "{flags:?}: {summary}"
        );
    }
    train(&["--char-ngrams", "2-4"]).ok();
    let summary = aekit(["summary", &arg(&model)]).ok().stdout();
    assert!(summary.contains("character 2-4-grams"), "{summary}");
    for bad in ["5-3", "0-2", "three"] {
        let _ = std::fs::remove_file(&model);
        let run = train(&["--char-ngrams", bad]);
        let err = run.stderr();
        assert!(!run.success(), "{bad}: accepted");
        assert!(err.contains("MIN-MAX"), "{bad}: {err}");
        assert!(!model.exists(), "{bad}: a model was written");
    }
}

/// A Parquet copy of a `text,label` CSV file: texts as Utf8 (`None` where
/// `null_text` says), whole-number labels as Int64, in row groups of 3 rows.
fn text_parquet(csv: &Path, out: &Path, null_text: Option<usize>) -> PathBuf {
    let mut reader = csv::Reader::from_path(csv).unwrap();
    assert_eq!(reader.headers().unwrap(), vec!["text", "label"]);
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        let record = record.unwrap();
        texts.push((null_text != Some(i)).then(|| record[0].to_string()));
        labels.push(record[1].parse::<i64>().unwrap());
    }
    let batch = arrow_array::RecordBatch::try_from_iter([
        (
            "text",
            Arc::new(arrow_array::StringArray::from(texts)) as arrow_array::ArrayRef,
        ),
        ("label", Arc::new(arrow_array::Int64Array::from(labels))),
    ])
    .unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(3))
        .build();
    let file = std::fs::File::create(out).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out.to_path_buf()
}

/// `text train` and `text predict` read Parquet, gzip CSV and standard
/// input (CSV, or Parquet with --format) through the library's table
/// readers: every way in gives the model and the predictions the CSV gives.
#[test]
fn text_commands_read_parquet_gzip_and_standard_input_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = data("sentiment.csv");
    let pq = text_parquet(&csv, &d.join("s.parquet"), None);
    let gz = gzip(&csv, &d.join("s.csv.gz"));
    let csv_bytes = std::fs::read(&csv).unwrap();
    let pq_bytes = std::fs::read(&pq).unwrap();
    let stdin_format =
        |format: &str| -> Vec<String> { vec!["-".into(), "--format".into(), format.into()] };
    // Each way in: the data arguments and the bytes on standard input.
    let inputs: [(&str, Vec<String>, &[u8]); 5] = [
        ("csv", vec![arg(&csv)], b""),
        ("parquet", vec![arg(&pq)], b""),
        ("gzip", vec![arg(&gz)], b""),
        ("stdin csv", vec!["-".into()], &csv_bytes),
        ("stdin parquet", stdin_format("parquet"), &pq_bytes),
    ];
    let run = |args: Vec<String>, stdin: &[u8]| aekit_stdin(&args, stdin).ok();
    let train = |data: &[String], stdin: &[u8], model: &Path| {
        let mut args: Vec<String> = vec!["text".into(), "train".into()];
        args.extend(data.iter().cloned());
        for a in ["--epochs", "3", "--seed", "3", "--quiet", "--out"] {
            args.push(a.into());
        }
        args.push(arg(model));
        run(args, stdin);
    };
    let predict = |model: &Path, data: &[String], stdin: &[u8], out: &Path| -> String {
        let mut args: Vec<String> = vec!["text".into(), "predict".into(), arg(model)];
        args.extend(data.iter().cloned());
        args.extend(["--json".into(), "--out".into(), arg(out)]);
        let report = run(args, stdin).stdout();
        assert!(report.contains("accuracy"), "{report}");
        report
    };
    let reference_model = d.join("csv.aekit");
    train(&inputs[0].1, inputs[0].2, &reference_model);
    let reference = d.join("csv.csv");
    let reference_report = predict(&reference_model, &inputs[0].1, b"", &reference);
    let (head, rows) = read_csv(&reference);
    assert_eq!(head, ["label", "predicted", "p_0", "p_1"]);
    assert_eq!(rows.len(), 8);
    for (name, data, stdin) in &inputs[1..] {
        let model = d.join(format!("{name}.aekit"));
        train(data, stdin, &model);
        assert_eq!(
            std::fs::read(&model).unwrap(),
            std::fs::read(&reference_model).unwrap(),
            "{name}: the model trained on the CSV"
        );
        let out = d.join(format!("{name}.csv"));
        let report = predict(&reference_model, data, stdin, &out);
        assert_eq!(
            std::fs::read(&out).unwrap(),
            std::fs::read(&reference).unwrap(),
            "{name}: the CSV's predictions"
        );
        assert_eq!(report, reference_report, "{name}");
    }
    // Parquet errors name the file, the row (from 1) and the column.
    let null = text_parquet(&csv, &d.join("null.parquet"), Some(2));
    aekit([
        "text",
        "train",
        &arg(&null),
        "--out",
        &arg(&d.join("null.aekit")),
    ])
    .fails_with(&["null.parquet", "row 3", "'text'", "empty"]);
    let run = aekit_stdin(
        &[
            "text".into(),
            "predict".into(),
            arg(&reference_model),
            "-".into(),
            "--out".into(),
            arg(&d.join("x.csv")),
        ],
        b"text,label\ngood,1\n\xff,0\n",
    );
    assert!(!run.success());
    let err = run.stderr();
    assert!(
        err.contains("<stdin>")
            && err.contains("row 3")
            && err.contains("'text'")
            && err.contains("UTF-8"),
        "{err}"
    );
}

/// Runs `aekit ARGS` under an address-space limit of `bytes` (prlimit,
/// util-linux); `None` where prlimit is missing.
fn aekit_limited(bytes: u64, args: &[String]) -> Option<std::process::Output> {
    let out = std::process::Command::new("prlimit")
        .arg(format!("--as={bytes}"))
        .arg(env!("CARGO_BIN_EXE_aekit"))
        .args(args)
        .output()
        .ok()?;
    Some(out)
}

/// `text train FILE --epochs 1 --threads 1 --quiet --out MODEL`, as arguments.
fn one_epoch_train(file: &Path, model: &Path) -> Vec<String> {
    [
        "text",
        "train",
        &arg(file),
        "--epochs",
        "1",
        "--threads",
        "1",
        "--quiet",
        "--out",
        &arg(model),
    ]
    .iter()
    .map(|a| a.to_string())
    .collect()
}

/// `labels.csv` in `dir`: `n` two-word texts, each its own class.
fn one_text_per_label(dir: &Path, n: usize) -> PathBuf {
    let mut text = String::from("text,label\n");
    for i in 0..n {
        text.push_str(&format!("word{i} other,L{i}\n"));
    }
    write(dir, "labels.csv", &text)
}

#[test]
fn one_huge_word_stays_within_a_gigabyte() {
    // 5 MB with no space took 1.8 GB in `text train` (char n-grams, the
    // default) and 0.8 GB in `text predict`; cut to 255 characters, 60 MB.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("text,label\n");
    for i in 0..20 {
        text.push_str(&format!("good fine text {i},{}\n", i % 2));
    }
    text.push_str(&format!("{},1\n", "ab".repeat(2_500_000)));
    let file = write(dir.path(), "word.csv", &text);
    let model = dir.path().join("m.aekit");
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let train = one_epoch_train(&file, &model);
    let predict = s(&[
        "text",
        "predict",
        &arg(&model),
        &arg(&file),
        "--out",
        "/dev/null",
    ]);
    for args in [train, predict] {
        let Some(out) = aekit_limited(1_000_000_000, &args) else {
            return;
        };
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn ten_thousand_labels_train_within_seven_hundred_megabytes() {
    // Every text its own class. The training accuracy was measured on
    // rows x classes probabilities at once (1.24 GB peak); then on 4 096
    // rows a pass, with one-hot targets of rows x classes (0.73 GB resident,
    // 1.15 GB of address space needed). Class-index targets and passes of
    // at most 4 M values: 0.17 GB resident, 0.4 GB of address space.
    let dir = tempfile::tempdir().unwrap();
    let file = one_text_per_label(dir.path(), 10_000);
    let model = dir.path().join("m.aekit");
    let args = one_epoch_train(&file, &model);
    let Some(out) = aekit_limited(700_000_000, &args) else {
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(model.exists());
}

#[test]
fn five_thousand_labels_predict_within_three_hundred_megabytes() {
    // `text predict` held texts x classes probabilities at once (5 000
    // one-text classes: 0.29 GB resident, 0.6 GB of address space needed);
    // predicted and written a part at a time, 0.09 GB and 0.15 GB.
    let dir = tempfile::tempdir().unwrap();
    let file = one_text_per_label(dir.path(), 5_000);
    let model = dir.path().join("m.aekit");
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let train = one_epoch_train(&file, &model);
    let predict = s(&[
        "text",
        "predict",
        &arg(&model),
        &arg(&file),
        "--json",
        "--out",
        "/dev/null",
    ]);
    let Some(trained) = aekit_limited(1_000_000_000, &train) else {
        return;
    };
    assert!(trained.status.success());
    let Some(out) = aekit_limited(300_000_000, &predict) else {
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The report still sees every row's predicted class.
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["support"], 5000);
    assert_eq!(report["classes"].as_array().unwrap().len(), 5000);
}

/// Three topics sharing filler words, each text with one word of another
/// topic: `rows` texts from `offset` on (train and held-out sets differ).
fn noisy_topics(dir: &Path, name: &str, offset: usize, rows: usize) -> PathBuf {
    let topics = [
        (
            "sport",
            [
                "goal", "match", "team", "score", "league", "coach", "striker", "referee",
            ],
        ),
        (
            "food",
            [
                "bread", "cheese", "recipe", "oven", "butter", "flour", "sauce", "soup",
            ],
        ),
        (
            "music",
            [
                "guitar", "chorus", "melody", "drums", "singer", "album", "concert", "piano",
            ],
        ),
    ];
    let filler = ["the", "and", "a", "with", "of", "today", "new", "big"];
    let mut csv = String::from("text,label\n");
    for i in offset..offset + rows {
        let (label, words) = topics[i % 3];
        let other = topics[(i / 3 + 1 + i % 3) % 3].1;
        let mut t: Vec<&str> = (0..3).map(|k| words[(i * 5 + k * 3) % 8]).collect();
        t.push(other[(i * 7) % 8]);
        t.extend((0..3).map(|k| filler[(i * 3 + k * 5) % 8]));
        csv.push_str(&format!("{},{label}\n", t.join(" ")));
    }
    write(dir, name, &csv)
}

/// `--linear-loss`: both losses sort held-out texts of noisy topics; the
/// squared hinge's probabilities (the softmax of its decision values)
/// sum to one and rank its prediction first, and its predictions are the
/// same bytes on one thread and two; it fits the shipped sentiment
/// texts; an unknown loss is refused.
#[test]
fn the_linear_losses_sort_held_out_topics() {
    let dir = tempfile::tempdir().unwrap();
    let train = noisy_topics(dir.path(), "train.csv", 0, 300);
    let test = noisy_topics(dir.path(), "test.csv", 1000, 90);
    let fit = |loss: &str, threads: &str, data: &Path| {
        let model = dir.path().join(format!("{loss}{threads}.aekit"));
        aekit([
            "text",
            "train",
            &arg(data),
            "--out",
            &arg(&model),
            "--linear-loss",
            loss,
            "--threads",
            threads,
            "--seed",
            "4",
            "--min-count",
            "1",
            "--quiet",
        ])
        .ok();
        model
    };
    for loss in ["squared-hinge", "logistic"] {
        let report = predict_report(&fit(loss, "2", &train), &test, dir.path());
        let acc = report["accuracy"].as_f64().unwrap();
        assert!(acc >= 0.95, "{loss}: {report}");
    }
    let predictions = |model: &Path, out: &str| {
        let out = dir.path().join(out);
        aekit([
            "text",
            "predict",
            &arg(model),
            &arg(&test),
            "--out",
            &arg(&out),
        ])
        .ok();
        std::fs::read(&out).unwrap()
    };
    let two = predictions(&fit("squared-hinge", "2", &train), "two.csv");
    let one = predictions(&fit("squared-hinge", "1", &train), "one.csv");
    assert_eq!(one, two, "one thread and two give the same predictions");
    let (head, rows) = read_csv(&dir.path().join("one.csv"));
    assert_eq!(head[..2], ["label", "predicted"]);
    for r in &rows {
        let p: Vec<f64> = r[2..].iter().map(|v| v.parse().unwrap()).collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-4, "{r:?}");
        let best = (0..p.len()).fold(0, |b, i| if p[i] > p[b] { i } else { b });
        assert_eq!(head[2 + best], format!("p_{}", r[1]), "{r:?}");
    }
    let sentiment = fit("squared-hinge", "1", &data("sentiment.csv"));
    let report = predict_report(&sentiment, &data("sentiment.csv"), dir.path());
    assert_eq!(report["accuracy"].as_f64(), Some(1.0), "{report}");
    let run = aekit([
        "text",
        "train",
        &arg(&train),
        "--out",
        &arg(&dir.path().join("x.aekit")),
        "--linear-loss",
        "cubic",
    ]);
    assert!(
        !run.success() && run.stderr().contains("linear-loss"),
        "{}",
        run.stderr()
    );
}

/// Four topics that share most of their words: each text is 3 words of
/// its topic's 20 and 8 of 40 common ones, drawn by a fixed LCG; every
/// fifth text is held out. Returns (train file, test file).
fn shared_topics(dir: &Path) -> (PathBuf, PathBuf) {
    let mut state: u64 = 7;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) % n as u64) as usize
    };
    let (mut train, mut test) = (String::from("text,label\n"), String::from("text,label\n"));
    for i in 0..400 {
        let topic = i % 4;
        let mut words: Vec<String> = (0..2).map(|_| format!("t{topic}w{}", next(20))).collect();
        words.extend((0..8).map(|_| format!("c{}", next(40))));
        let line = format!("{},{topic}\n", words.join(" "));
        if i % 5 == 0 { &mut test } else { &mut train }.push_str(&line);
    }
    (
        write(dir, "topics_train.csv", &train),
        write(dir, "topics_test.csv", &test),
    )
}

/// Codes and labels of a CSV written by `aekit encode` (z columns, then label).
fn codes_of(path: &Path) -> (Vec<Vec<f64>>, Vec<String>) {
    let (head, rows) = read_csv(path);
    let k = head.iter().filter(|h| h.starts_with('z')).count();
    let codes = rows
        .iter()
        .map(|r| r[..k].iter().map(|v| v.parse().unwrap()).collect())
        .collect();
    (codes, rows.iter().map(|r| r[k].clone()).collect())
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b)).max(1e-12)
}

/// Held-out accuracy of the nearest class centroid (cosine) of the
/// training codes: how well the codes separate the topics.
fn centroid_accuracy(
    train: &(Vec<Vec<f64>>, Vec<String>),
    test: &(Vec<Vec<f64>>, Vec<String>),
) -> f64 {
    let mut classes: Vec<&String> = train.1.iter().collect();
    classes.sort();
    classes.dedup();
    let centroids: Vec<Vec<f64>> = classes
        .iter()
        .map(|c| {
            let rows: Vec<&Vec<f64>> = train
                .0
                .iter()
                .zip(&train.1)
                .filter(|(_, l)| l == c)
                .map(|(r, _)| r)
                .collect();
            (0..rows[0].len())
                .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / rows.len() as f64)
                .collect()
        })
        .collect();
    let right = test
        .0
        .iter()
        .zip(&test.1)
        .filter(|(z, label)| {
            let best = (0..classes.len())
                .max_by(|&a, &b| cosine(z, &centroids[a]).total_cmp(&cosine(z, &centroids[b])))
                .unwrap();
            classes[best] == *label
        })
        .count();
    right as f64 / test.1.len() as f64
}

/// The default document autoencoder (no flags) learns codes that separate
/// topics on held-out texts where the same network untrained (one step at
/// a learning rate of 1e-9, its random projection) does much worse.
#[test]
fn default_document_codes_separate_held_out_topics() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = shared_topics(dir.path());
    let accuracy = |name: &str, flags: &[&str]| {
        let model = dir.path().join(format!("{name}.aekit"));
        let mut args = vec!["text", "autoencoder"];
        let (t, m) = (arg(&train), arg(&model));
        args.extend([t.as_str(), "--out", m.as_str(), "--quiet"]);
        args.extend(flags);
        aekit(args).ok();
        let codes = |data: &Path, out: &str| {
            let out = dir.path().join(out);
            aekit(["encode", &arg(&model), &arg(data), "--out", &arg(&out)]).ok();
            codes_of(&out)
        };
        centroid_accuracy(
            &codes(&train, &format!("{name}_train.csv")),
            &codes(&test, &format!("{name}_test.csv")),
        )
    };
    let trained = accuracy("default", &[]);
    let untrained = accuracy(
        "untrained",
        &["--epochs", "1", "--lr", "1e-9", "--batch-size", "512"],
    );
    assert!(trained >= 0.9, "trained {trained} untrained {untrained}");
    assert!(
        trained >= untrained + 0.15,
        "trained {trained} untrained {untrained}"
    );
}
