"""Incremental fitting: ``Autoencoder.partial_fit`` follows scikit-learn's
contract (first call fixes columns and scaler, later calls continue the
optimiser), and dask-ml's ``Incremental`` trains aekit over a Dask array."""

import pickle

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import aekit
from conftest import DATA, read_csv, run_cli

SMALL = dict(hidden=[64], bottleneck=16, batch_size=16, random_state=1, threads=1)
# The seed tutorial's model (W1).
TUTORIAL = dict(hidden=[200, 100], bottleneck=50, batch_norm=True, activation="leaky_relu",
                batch_size=16, random_state=1, threads=1)


def _chunks(x, n):
    return np.array_split(x, n)


def test_partial_fit_continues_training_chunk_by_chunk(tutorial_data, tmp_path):
    d = tutorial_data
    model = aekit.Autoencoder(**TUTORIAL)
    errors = []
    for _ in range(8):
        for chunk in _chunks(d["x_train"], 4):
            model.partial_fit(chunk)
        errors.append(float(np.mean(model.score_samples(d["x_test"]))))
    # One pass per call: 32 epochs recorded, the error falls with them.
    assert len(model.history_["loss"]) == 32
    assert errors[-1] < 0.7 * errors[0], errors
    assert model.n_features_in_ == d["x_train"].shape[1]
    # The first chunk's min-max scaler is kept: a fresh fit on chunk 0 alone
    # gives the same codes for one pass.
    first = _chunks(d["x_train"], 4)[0]
    one = aekit.Autoencoder(**SMALL).partial_fit(first)
    again = aekit.Autoencoder(**SMALL).partial_fit(first)
    np.testing.assert_array_equal(one.transform(d["x_test"]), again.transform(d["x_test"]))
    # A later chunk of another width is refused, naming the mismatch.
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(d["x_train"][:, :10])
    # The codes are as useful as those of a fit for as many epochs (0.933
    # vs 0.915 when written), and the saved file is the CLI's.
    def accuracy(m):
        clf = LogisticRegression(max_iter=5000).fit(m.transform(d["x_train"]), d["y_train"])
        return clf.score(m.transform(d["x_test"]), d["y_test"])

    whole = aekit.Autoencoder(epochs=8, **TUTORIAL).fit(d["x_train"])
    assert accuracy(model) > accuracy(whole) - 0.02
    assert accuracy(model) > 0.9
    path = tmp_path / "inc.aekit"
    model.save(path)
    run_cli("encode", path, DATA / "clf_test.csv", "--out", tmp_path / "codes.csv")
    names, codes = read_csv(tmp_path / "codes.csv")
    z = [i for i, n in enumerate(names) if n.startswith("z")]
    np.testing.assert_allclose(codes[:, z], model.transform(d["x_test"]), atol=1e-6)


def test_unpickled_estimators_predict_but_refuse_to_continue(tutorial_data):
    d = tutorial_data
    model = aekit.Autoencoder(**SMALL).partial_fit(d["x_train"][:200])
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.transform(d["x_test"]), model.transform(d["x_test"]))
    with pytest.raises(ValueError, match="unpickled"):
        restored.partial_fit(d["x_train"][200:])
    # fit starts afresh and drops the incremental state.
    model.fit(d["x_train"][:100])
    assert len(model.history_["loss"]) > 1
    model.partial_fit(d["x_train"][:100])


def test_nan_in_a_chunk_names_its_row_and_column(tutorial_data):
    d = tutorial_data
    model = aekit.Autoencoder(missing="error", **SMALL).partial_fit(d["x_train"][:100])
    bad = d["x_train"][100:200].copy()
    bad[7, 3] = np.nan
    with pytest.raises(ValueError) as err:
        model.partial_fit(bad)
    message = str(err.value)
    assert "row 7, column 'x3'" in message, message


def test_dask_ml_incremental_trains_aekit_over_a_dask_array(tutorial_data):
    da = pytest.importorskip("dask.array", reason="dask is not installed")
    wrappers = pytest.importorskip("dask_ml.wrappers", reason="dask-ml is not installed")
    import dask

    d = tutorial_data
    x = da.from_array(d["x_train"], chunks=(168, d["x_train"].shape[1]))
    assert x.numblocks[0] == 4
    inc = wrappers.Incremental(aekit.Autoencoder(**SMALL), shuffle_blocks=False)
    with dask.config.set(scheduler="synchronous"):
        for _ in range(6):
            inc.partial_fit(x)
    fitted = inc.estimator_
    # Each block was one partial_fit call: 6 passes over 4 blocks.
    assert len(fitted.history_["loss"]) == 24
    assert fitted.history_["loss"][-1] < 0.5 * fitted.history_["loss"][0]
    # The same calls on the blocks by hand give the same codes.
    by_hand = aekit.Autoencoder(**SMALL)
    for _ in range(6):
        for start in range(0, len(d["x_train"]), 168):
            by_hand.partial_fit(d["x_train"][start : start + 168])
    np.testing.assert_array_equal(fitted.transform(d["x_test"]), by_hand.transform(d["x_test"]))
    # And the wrapper transforms a Dask array lazily, block by block.
    codes = inc.transform(da.from_array(d["x_test"], chunks=(100, d["x_test"].shape[1])))
    np.testing.assert_allclose(codes.compute(), by_hand.transform(d["x_test"]), atol=0)
