"""pandas DataFrames with string, boolean and missing columns: the library
encodes them as it encodes a file's (the CLI's scores on the same CSV)."""

import csv

import numpy as np
import pytest

import aekit
from conftest import DATA, run_cli

pd = pytest.importorskip("pandas")


def wine_mixed():
    """data/wine_mixed.csv as pandas reads it: NaN for blank/NA/NaN cells,
    bool for organic, text (object or str) for colour and note."""
    frame = pd.read_csv(DATA / "wine_mixed.csv")
    assert frame["organic"].dtype == bool
    assert not pd.api.types.is_numeric_dtype(frame["colour"].dtype)
    assert frame.isna().to_numpy().sum() > 50
    return frame.drop(columns=["id", "is_outlier"]), frame["is_outlier"].to_numpy()


def test_detector_takes_a_mixed_frame_as_the_cli_takes_its_file(tmp_path):
    x, y = wine_mixed()
    detector = aekit.AnomalyDetector(epochs=40, random_state=42, threads=1).fit(x)
    names = list(detector.model_.feature_names())
    assert "colour=pale" in names and "organic" in names and "ash__missing" in names
    assert not any(n.startswith("note") for n in names)
    scores = -detector.score_samples(x)
    order = np.argsort(-scores)
    # The other cultivar ranks high: ROC AUC from ranks, no sklearn metric needed.
    ranks = np.empty(len(scores))
    ranks[order[::-1]] = np.arange(1, len(scores) + 1)
    pos = y == 1
    auc = (ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum())
    # 0.72 (the CLI gives the same on the file); a model that learned nothing: 0.5.
    assert auc > 0.65, auc
    # The same model scores the file through the CLI as it scores the frame here.
    model = tmp_path / "m.aekit"
    detector.save(model)
    out = tmp_path / "scores.csv"
    run_cli("score", model, DATA / "wine_mixed.csv", "--out", out)
    with open(out) as f:
        cli = np.array([float(r["score"]) for r in csv.DictReader(f)])
    np.testing.assert_allclose(cli, scores, rtol=1e-5, atol=1e-5)
    # Explanations name the frame's columns, never an encoded input.
    for row in detector.explain(x, top=3):
        for feature, _share in row:
            assert feature in x.columns, feature


def test_autoencoder_takes_a_mixed_frame_and_an_unseen_category():
    x, _ = wine_mixed()
    x["colour"] = x["colour"].astype("category")
    model = aekit.Autoencoder(bottleneck=3, epochs=10, random_state=0).fit(x)
    codes = model.transform(x)
    assert codes.shape == (len(x), 3) and np.isfinite(codes).all()
    unseen = x.copy()
    unseen["colour"] = unseen["colour"].cat.add_categories(["violet"])
    unseen.loc[0, "colour"] = "violet"
    again = model.transform(unseen)
    assert np.isfinite(again).all()
    np.testing.assert_allclose(again[1:], codes[1:], rtol=1e-6)
    assert not np.allclose(again[0], codes[0])


def test_max_categories_and_missing_are_parameters():
    x, _ = wine_mixed()
    # colour has 4 bands: with max_categories=3 it is left out.
    narrow = aekit.AnomalyDetector(max_categories=3, epochs=2, random_state=0).fit(x)
    assert not any(n.startswith("colour") for n in narrow.model_.feature_names())
    wide = aekit.Autoencoder(max_categories=4, epochs=2, random_state=0).fit(x)
    assert any(n.startswith("colour=") for n in wide.model_.feature_names())
    with pytest.raises(ValueError, match="missing"):
        aekit.AnomalyDetector(missing="error", epochs=2).fit(x)
    with pytest.raises(ValueError, match="missing"):
        aekit.Autoencoder(missing="drop", epochs=2).fit(x)
