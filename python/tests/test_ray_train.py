"""Data-parallel training on Ray (actors fed by a Ray Dataset, parameters
averaged through the object store): codes as useful as one worker's, the
same bytes on a rerun, and bad input in a shard failing with the library's
message and no model file. Skipped, saying so, where Ray is not installed."""

import pathlib
import subprocess
import sys

import pytest
from sklearn.linear_model import LogisticRegression

from conftest import DATA, read_csv, run_cli

ray = pytest.importorskip("ray", reason="ray is not installed (pip install ray)")
import aekit.ray as aekit_ray  # noqa: E402

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "ray_train.py"
PARAMS = {"hidden": [200, 100], "bottleneck": 50, "batch_norm": True,
          "activation": "leaky_relu", "batch_size": 16, "seed": 1}
EPOCHS = 20


@pytest.fixture(scope="module")
def dataset():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray.data.read_csv(str(DATA / "clf_train.csv"))
    ray.shutdown()


def _accuracy(model, d):
    clf = LogisticRegression(max_iter=5000).fit(model.transform(d["x_train"]), d["y_train"])
    return clf.score(model.transform(d["x_test"]), d["y_test"])


def test_two_actors_give_codes_as_good_as_one_and_the_same_bytes_twice(dataset, tutorial_data):
    names = [c for c in dataset.columns() if c != "label"]
    one = aekit_ray.train(dataset, names, 1, PARAMS, EPOCHS, sync_every=1)
    two = aekit_ray.train(dataset, names, 2, PARAMS, EPOCHS, sync_every=1)
    acc_one = _accuracy(aekit_ray.model_from_bytes(one), tutorial_data)
    acc_two = _accuracy(aekit_ray.model_from_bytes(two), tutorial_data)
    print(f"ray, {EPOCHS} epochs: 1 worker {acc_one:.4f}, 2 workers {acc_two:.4f}")
    assert abs(acc_one - acc_two) <= 0.01
    assert acc_two > 0.9
    again = aekit_ray.train(dataset, names, 2, PARAMS, 2, sync_every=1)
    assert again == aekit_ray.train(dataset, names, 2, PARAMS, 2, sync_every=1)


def test_the_example_writes_a_model_the_cli_reads_and_fails_cleanly_on_bad_input(tmp_path):
    out = tmp_path / "ray.aekit"
    subprocess.run([sys.executable, str(EXAMPLE), str(DATA / "clf_train.csv"), "--label", "label",
                    "--workers", "2", "--epochs", "2", "--out", str(out)],
                   check=True, capture_output=True)
    run_cli("encode", out, DATA / "clf_test.csv", "--out", tmp_path / "codes.csv")
    names, _ = read_csv(tmp_path / "codes.csv")
    assert sum(n.startswith("z") for n in names) == 50

    header, *lines = open(DATA / "clf_train.csv").read().splitlines()
    cells = lines[500].split(",")
    cells[header.split(",").index("x3")] = "NaN"
    lines[500] = ",".join(cells)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([header, *lines]) + "\n")
    out = tmp_path / "bad.aekit"
    done = subprocess.run([sys.executable, str(EXAMPLE), str(bad), "--label", "label",
                           "--workers", "2", "--epochs", "1", "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode != 0
    # Rows are dealt round-robin: row 500 of the file is row 250 of shard 0.
    assert "partition 0: in-memory data, row 250, column 'x3': missing value" in done.stderr, (
        done.stderr[-3000:])
    assert not out.exists()
    # A text column is refused before any actor starts, naming it.
    lines[500] = lines[500].replace("NaN", "abc")
    bad.write_text("\n".join([header, *lines]) + "\n")
    done = subprocess.run([sys.executable, str(EXAMPLE), str(bad), "--label", "label",
                           "--workers", "2", "--epochs", "1", "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode != 0
    assert "column 'x3' is string, not numeric" in done.stderr, done.stderr[-3000:]
    assert not out.exists()
