"""The README's walk-throughs as Python code, each against the CLI's
figures for the same seed and threads on the shipped data (to 1e-6), and
model files crossing both ways: saved from Python and read by the CLI, and
written by the CLI and loaded in Python. Epochs are fewer than the
README's, for speed; the comparison does not depend on them."""

import json

import numpy as np
import pytest

import aekit
from conftest import DATA, read_csv, run_cli

SEED_THREADS = dict(random_state=1, threads=2)
SEED_FLAGS = ["--seed", "1", "--threads", "2"]
# The conv kind sums its weight gradients per thread, in the order the
# threads finish: one thread gives the same model from run to run.
ONE_THREAD = dict(random_state=1, threads=1)
ONE_THREAD_FLAGS = ["--seed", "1", "--threads", "1"]


def digits(name):
    """The pixels of a shipped digits file (pixels/16) as a DataFrame with
    the file's column names, so that a model fitted on it reads the file
    in the CLI; and the labels."""
    pd = pytest.importorskip("pandas")
    names, values = read_csv(DATA / name)
    label = names.index("label")
    pixels = [i for i in range(len(names)) if i != label]
    return pd.DataFrame(values[:, pixels], columns=[names[i] for i in pixels]), values[:, label]


def write_rows(path, rows):
    """Rows as a CSV file with the column names an array gets (x0, x1, ...)."""
    header = ",".join(f"x{i}" for i in range(rows.shape[1]))
    np.savetxt(path, rows, delimiter=",", header=header, comments="", fmt="%.9g")
    return path


def cli_json(*args):
    return json.loads(run_cli(*args).stdout)


def test_denoising_as_the_cli(tmp_path):
    x_train, _ = digits("digits_train.csv")
    x_test, _ = digits("digits_test.csv")
    model = aekit.Autoencoder(hidden=[64], bottleneck=32, loss="bce", noise="gaussian:0.3",
                              scale="none", epochs=20, **SEED_THREADS).fit(x_train)
    ours = model.denoising_report(x_test, add_noise="gaussian:0.3", seed=7)

    cli_model = tmp_path / "denoiser.aekit"
    run_cli("train", DATA / "digits_train.csv", "--label", "label", "--scale", "none",
            "--hidden", "64", "--bottleneck", "32", "--loss", "bce", "--noise", "gaussian:0.3",
            "--epochs", "20", *SEED_FLAGS, "--out", cli_model, "-q")
    args = [DATA / "digits_test.csv", "--add-noise", "gaussian:0.3", "--seed", "7", "--json"]
    theirs = cli_json("denoise", cli_model, *args, "--out", tmp_path / "d.csv")
    print(f"denoising: noisy {ours['noisy_mse']:.6f}, denoised {ours['denoised_mse']:.6f}")
    for key in ("noisy_mse", "denoised_mse"):
        assert ours[key] == pytest.approx(theirs[key], abs=1e-6)
    # Denoising works: a broken model would not halve the error.
    assert ours["denoised_mse"] < 0.75 * ours["noisy_mse"]

    # The Python model in the CLI, the CLI's in Python: the same figures.
    saved = tmp_path / "python.aekit"
    model.save(saved)
    from_python = cli_json("denoise", saved, *args, "--out", tmp_path / "p.csv")
    assert from_python["denoised_mse"] == pytest.approx(theirs["denoised_mse"], abs=1e-6)
    loaded = aekit.load(cli_model)
    assert isinstance(loaded, aekit.Autoencoder)
    again = loaded.denoising_report(x_test.to_numpy(), add_noise="gaussian:0.3", seed=7)
    assert again["denoised_mse"] == pytest.approx(theirs["denoised_mse"], abs=1e-6)
    # A model from `load` has no feature_names_in_ (as before): it reads arrays.
    np.testing.assert_allclose(loaded.predict(x_test.to_numpy()), model.predict(x_test), atol=1e-6)


def test_paired_training_as_the_cli(tmp_path):
    x_train, _ = digits("digits_train.csv")
    y_train, _ = digits("digits_flipped_train.csv")
    x_test, _ = digits("digits_test.csv")
    y_test, _ = digits("digits_flipped_test.csv")
    model = aekit.Autoencoder(hidden=[64], bottleneck=32, loss="bce", scale="none", epochs=15,
                              **SEED_THREADS).fit(x_train, y_train)
    ours = model.prediction_report(x_test, y_test)
    assert model.score(x_test, y_test) == pytest.approx(-ours["mse"])

    cli_model = tmp_path / "flip.aekit"
    run_cli("train", DATA / "digits_train.csv", "--label", "label", "--scale", "none",
            "--hidden", "64", "--bottleneck", "32", "--loss", "bce",
            "--target", DATA / "digits_flipped_train.csv", "--epochs", "15", *SEED_FLAGS,
            "--out", cli_model, "-q")
    theirs = cli_json("predict", cli_model, DATA / "digits_test.csv",
                      "--target", DATA / "digits_flipped_test.csv", "--json",
                      "--out", tmp_path / "flipped.csv")
    print(f"paired: mse {ours['mse']:.6f}, inputs themselves {ours['identity_mse']:.6f}")
    assert ours["mse"] == pytest.approx(theirs["mse"], abs=1e-6)
    assert ours["identity_mse"] == pytest.approx(theirs["identity_mse"], abs=1e-6)
    assert ours["mse"] < 0.5 * ours["identity_mse"]

    # predict gives the targets; the CLI's file holds the same values.
    names, flipped = read_csv(tmp_path / "flipped.csv")
    pixels = [i for i, n in enumerate(names) if n.startswith("pixel")]
    np.testing.assert_allclose(model.predict(x_test), flipped[:, pixels], atol=1e-6)
    saved = tmp_path / "python.aekit"
    model.save(saved)
    from_python = cli_json("predict", saved, DATA / "digits_test.csv",
                           "--target", DATA / "digits_flipped_test.csv", "--json",
                           "--out", tmp_path / "p.csv")
    assert from_python["mse"] == pytest.approx(theirs["mse"], abs=1e-6)
    loaded = aekit.load(cli_model)
    report = loaded.prediction_report(x_test.to_numpy(), y_test.to_numpy())
    assert report["mse"] == pytest.approx(theirs["mse"], abs=1e-6)


def test_conv_autoencoder_as_the_cli(tmp_path):
    x_train, _ = digits("digits_train.csv")
    x_test, _ = digits("digits_test.csv")
    x_test = x_test.to_numpy()
    images = x_train.to_numpy().reshape(-1, 8, 8)
    model = aekit.ConvAutoencoder(channels=[16, 32], bottleneck=16, output_activation="sigmoid",
                                  learning_rate=0.003, scale="none", epochs=10,
                                  **ONE_THREAD).fit(images)
    test_images = x_test.reshape(-1, 8, 8)
    codes = model.transform(test_images)
    rebuilt = model.predict(test_images)
    assert codes.shape == (len(x_test), 16) and rebuilt.shape == test_images.shape
    mse = float(np.mean((rebuilt - test_images) ** 2))
    print(f"conv: test reconstruction MSE {mse:.6f}")
    assert mse < 0.5 * float(np.mean((test_images - test_images.mean(0)) ** 2))

    cli_model = tmp_path / "conv.aekit"
    run_cli("train", DATA / "digits_train.csv", "--label", "label", "--scale", "none",
            "--kind", "conv", "--image-shape", "8x8", "--channels", "16,32", "--bottleneck", "16",
            "--output-activation", "sigmoid", "--lr", "0.003", "--epochs", "10", *ONE_THREAD_FLAGS,
            "--out", cli_model, "-q")
    run_cli("encode", cli_model, DATA / "digits_test.csv", "--out", tmp_path / "codes.csv")
    names, cli_codes = read_csv(tmp_path / "codes.csv")
    z = [i for i, n in enumerate(names) if n.startswith("z")]
    np.testing.assert_allclose(codes, cli_codes[:, z], atol=1e-6)

    # Images from arrays have columns x0, x1, ...: the CLI reads them so named.
    saved = tmp_path / "python.aekit"
    model.save(saved)
    rows = write_rows(tmp_path / "test_rows.csv", x_test)
    run_cli("encode", saved, rows, "--out", tmp_path / "py_codes.csv")
    _, from_python = read_csv(tmp_path / "py_codes.csv")
    np.testing.assert_allclose(from_python, codes, atol=1e-6)
    loaded = aekit.load(cli_model)
    assert isinstance(loaded, aekit.ConvAutoencoder)
    np.testing.assert_allclose(loaded.transform(test_images), cli_codes[:, z], atol=1e-6)
    assert loaded.predict(test_images).shape == test_images.shape


def test_vae_sampling_as_the_cli(tmp_path):
    x_train, _ = digits("digits_train.csv")
    model = aekit.VariationalAutoencoder(hidden=[128], bottleneck=4, loss="bce", scale="none",
                                         epochs=20, **SEED_THREADS).fit(x_train.to_numpy().reshape(-1, 8, 8))
    samples = model.sample(100, random_state=2)
    assert samples.shape == (100, 8, 8)
    np.testing.assert_array_equal(samples, model.sample(100, random_state=2))
    assert not np.allclose(samples, model.sample(100, random_state=3))

    cli_model = tmp_path / "vae.aekit"
    run_cli("train", DATA / "digits_train.csv", "--label", "label", "--scale", "none",
            "--image-shape", "8x8", "--kind", "vae", "--hidden", "128", "--bottleneck", "4",
            "--loss", "bce", "--epochs", "20", *SEED_FLAGS, "--out", cli_model, "-q")
    run_cli("sample", cli_model, "-n", "100", "--seed", "2", "--out", tmp_path / "samples.csv")
    _, cli_samples = read_csv(tmp_path / "samples.csv")
    np.testing.assert_allclose(samples.reshape(100, -1), cli_samples, atol=1e-6)
    # Sigmoid outputs: pixels in [0, 1], and not all alike.
    assert samples.min() >= 0 and samples.max() <= 1 and samples.std() > 0.05

    saved = tmp_path / "python.aekit"
    model.save(saved)
    run_cli("sample", saved, "-n", "100", "--seed", "2", "--out", tmp_path / "py_samples.csv")
    _, from_python = read_csv(tmp_path / "py_samples.csv")
    np.testing.assert_allclose(from_python, cli_samples, atol=1e-6)
    loaded = aekit.load(cli_model)
    assert isinstance(loaded, aekit.VariationalAutoencoder)
    np.testing.assert_allclose(loaded.sample(100, random_state=2).reshape(100, -1), cli_samples,
                               atol=1e-6)


def sentiment():
    import csv

    with open(DATA / "sentiment.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], np.asarray([int(r["label"]) for r in rows])


def test_text_classification_as_the_cli(tmp_path):
    texts, labels = sentiment()
    # The README's seed tutorial: Embedding(vocab, 8) -> Flatten -> Dense.
    recipe = dict(pooling="flatten", embedding_dim=8, epochs=50, ngrams=1, min_count=1,
                  validation_split=0, patience=0, learning_rate=0.001, **SEED_THREADS)
    model = aekit.TextClassifier(**recipe).fit(texts, labels)
    probabilities = model.predict_proba(texts)
    assert list(model.classes_) == [0, 1]
    assert model.predict(texts).dtype == labels.dtype

    cli_model = tmp_path / "sentiment.aekit"
    run_cli("text", "train", DATA / "sentiment.csv", "--text", "text", "--label", "label",
            "--pooling", "flatten", "--embedding-dim", "8", "--epochs", "50", "--ngrams", "1",
            "--min-count", "1", "--validation-split", "0", "--patience", "0", "--lr", "0.001",
            *SEED_FLAGS, "--out", cli_model, "-q")
    report = cli_json("text", "predict", cli_model, DATA / "sentiment.csv", "--json",
                      "--out", tmp_path / "pred.csv")
    names, pred = read_csv_text(tmp_path / "pred.csv")
    p = pred[:, [names.index("p_0"), names.index("p_1")]].astype(float)
    np.testing.assert_allclose(probabilities, p, atol=1e-6)
    accuracy = model.score(texts, labels)
    print(f"text: accuracy {accuracy:.4f} (CLI {report['accuracy']:.4f})")
    assert accuracy == pytest.approx(report["accuracy"], abs=1e-6)
    assert accuracy == 1.0

    saved = tmp_path / "python.aekit"
    model.save(saved)
    from_python = cli_json("text", "predict", saved, DATA / "sentiment.csv", "--json",
                           "--out", tmp_path / "p.csv")
    assert from_python["accuracy"] == report["accuracy"]
    _, pred2 = read_csv_text(tmp_path / "p.csv")
    np.testing.assert_allclose(pred2[:, [names.index("p_0"), names.index("p_1")]].astype(float),
                               p, atol=1e-6)
    loaded = aekit.load(cli_model)
    assert isinstance(loaded, aekit.TextClassifier)
    np.testing.assert_allclose(loaded.predict_proba(texts), p, atol=1e-6)
    assert list(loaded.classes_) == ["0", "1"]


def read_csv_text(path):
    """A CSV file with text cells as (names, array of strings)."""
    import csv

    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], np.asarray(rows[1:], dtype=object)


def test_document_embeddings_as_the_cli(tmp_path):
    texts, _ = sentiment()
    corpus = texts * 4
    csv_path = tmp_path / "texts.csv"
    with open(csv_path, "w") as f:
        f.write("text\n" + "".join(f'"{t}"\n' for t in corpus))
    model = aekit.TextAutoencoder(bottleneck=8, min_count=1, epochs=5, **SEED_THREADS).fit(corpus)
    codes = model.transform(corpus)
    assert codes.shape == (len(corpus), 8)

    cli_model = tmp_path / "docs.aekit"
    run_cli("text", "autoencoder", csv_path, "--text", "text", "--bottleneck", "8",
            "--min-count", "1", "--epochs", "5", *SEED_FLAGS, "--out", cli_model, "-q")
    run_cli("encode", cli_model, csv_path, "--out", tmp_path / "codes.csv")
    _, cli_codes = read_csv(tmp_path / "codes.csv")
    np.testing.assert_allclose(codes, cli_codes, atol=1e-6)

    # The nearest text to a training text is itself (or one of its copies).
    best = model.most_similar(corpus[0], k=4)
    assert [text for _, _, text in best] == [corpus[0]] * 4
    assert best[0][1] == pytest.approx(1.0, abs=1e-5)
    saved = tmp_path / "python.aekit"
    model.save(saved)
    run_cli("encode", saved, csv_path, "--out", tmp_path / "py_codes.csv")
    _, from_python = read_csv(tmp_path / "py_codes.csv")
    np.testing.assert_allclose(from_python, cli_codes, atol=1e-6)
    loaded = aekit.load(cli_model)
    assert isinstance(loaded, aekit.TextAutoencoder)
    np.testing.assert_allclose(loaded.transform(corpus), cli_codes, atol=1e-6)
    assert loaded.most_similar(corpus[1], k=1, texts=corpus)[0][2] == corpus[1]
