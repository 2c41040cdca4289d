"""Shared helpers: the repository's data and the `aekit` binary the Rust
build made, so the tests can compare the package with the command line."""

import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "data"


def aekit_binary():
    """The CLI to compare with: $AEKIT_BIN, else target/release/aekit."""
    path = os.environ.get("AEKIT_BIN") or str(ROOT / "target" / "release" / "aekit")
    if not os.path.exists(path):
        path = shutil.which("aekit")
    if not path:
        pytest.fail("no aekit binary: run `cargo build --release` or set AEKIT_BIN")
    return path


def run_cli(*args):
    """Runs the CLI, failing the test with its stderr on a non-zero exit."""
    done = subprocess.run([aekit_binary(), *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"aekit {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done


def read_csv(path):
    """A CSV file as (column names, float64 matrix) with numpy only."""
    with open(path) as f:
        names = f.readline().strip().split(",")
    values = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return names, values


@pytest.fixture(scope="session")
def tutorial_data():
    """The seed tutorial's split: (features, labels) for train and test."""
    names, train = read_csv(DATA / "clf_train.csv")
    _, test = read_csv(DATA / "clf_test.csv")
    label = names.index("label")
    features = [i for i in range(len(names)) if i != label]
    return {
        "columns": [names[i] for i in features],
        "x_train": train[:, features],
        "y_train": train[:, label].astype(int),
        "x_test": test[:, features],
        "y_test": test[:, label].astype(int),
    }


@pytest.fixture(scope="session")
def spark():
    """One local Spark session of two task slots for every Spark test (the
    modules using it skip first where pyspark or Java is missing)."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("aekit-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    yield session
    session.stop()
