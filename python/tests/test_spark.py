"""Scoring on Spark (mapInArrow, the model file shipped with addFile) gives
the CLI's scores. Needs pyspark and a Java runtime: skipped, saying so,
where Java is missing."""

import pathlib
import shutil
import sys

import numpy as np
import pytest

import aekit
from conftest import DATA, read_csv, run_cli

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed")
if shutil.which("java") is None:
    pytest.skip("no Java runtime (apt install openjdk-17-jre-headless)", allow_module_level=True)

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "examples"))
import spark_score  # noqa: E402

ROWS = 100_000


def test_spark_scores_100k_rows_in_partitions_as_the_cli(spark, tmp_path):
    import pandas as pd

    model = tmp_path / "wine.aekit"
    run_cli("detect", DATA / "wine.csv", "--label", "label", "--seed", "5", "--out", model)
    names, wine = read_csv(DATA / "wine.csv")
    features = [n for n in names if n != "label"]
    rng = np.random.default_rng(0)
    base = wine[rng.integers(0, len(wine), ROWS)][:, [names.index(n) for n in features]]
    rows = base * rng.normal(1.0, 0.05, size=base.shape)
    frame = pd.DataFrame(rows, columns=features)
    frame.insert(0, "id", np.arange(ROWS, dtype=np.int64))
    csv = tmp_path / "rows.csv"
    frame.to_csv(csv, index=False, float_format="%.17g")

    run_cli("score", model, csv, "--out", tmp_path / "cli.csv")
    cli_names, cli = read_csv(tmp_path / "cli.csv")
    assert cli.shape[0] == ROWS

    sdf = spark.createDataFrame(frame).repartition(8)
    assert sdf.rdd.getNumPartitions() == 8
    scored = spark_score.score(spark, model, sdf, keep=["id"]).toPandas().sort_values("id")
    assert len(scored) == ROWS

    # The CLI writes one row per input row, in order; ids are 0..ROWS-1.
    np.testing.assert_array_equal(scored["id"].to_numpy(), np.arange(ROWS))
    # The CLI prints 8 significant digits; the executors' scores are the
    # same f64 values before printing.
    np.testing.assert_allclose(
        scored["score"].to_numpy(), cli[:, cli_names.index("score")], rtol=1e-6, atol=1e-7
    )
    np.testing.assert_array_equal(
        scored["is_anomaly"].to_numpy(), cli[:, cli_names.index("is_anomaly")] == 1
    )
    # And exactly the package's own scores on one machine.
    local = -aekit.load(model).score_samples(rows)
    np.testing.assert_array_equal(scored["score"].to_numpy(), local)
