"""Train an aekit autoencoder data-parallel on a local Spark session.

    python python/examples/spark_train.py data/clf_train.csv --label label \
        --workers 2 --out clf.aekit
    aekit encode clf.aekit data/clf_test.csv --out codes.csv

Each of the --workers barrier tasks trains on its partition; the workers
average their parameters every --sync-every steps through Spark's
BarrierTaskContext.allGather (docs/scale.md). On a cluster, the same code
runs with SparkSession.builder.master("spark://...") and aekit installed
on the executors; the barrier stage needs --workers free task slots.
"""

import argparse
import json
import os
import sys

from pyspark.sql import SparkSession

from aekit.spark import AutoencoderEstimator


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data", help="a CSV file with a header")
    p.add_argument("--label", help="a column to leave out of the features")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", required=True, help="the model file to write")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--sync-every", type=int, default=1, help="steps between averagings")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--params",
        default='{"hidden": [200, 100], "bottleneck": 50, "batch_norm": true, '
        '"activation": "leaky_relu", "batch_size": 16}',
        help="aekit parameters as JSON (default: the seed tutorial's model)",
    )
    args = p.parse_args(argv)
    params = json.loads(args.params)
    params["epochs"] = args.epochs
    spark = (
        SparkSession.builder.master(f"local[{args.workers}]")
        .appName("aekit-train")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    try:
        frame = spark.read.csv(args.data, header=True, inferSchema=True)
        columns = [c for c in frame.columns if c != args.label]
        estimator = AutoencoderEstimator(
            inputCols=columns,
            numWorkers=args.workers,
            syncEvery=args.sync_every,
            aekitParams=params,
            seed=args.seed,
        )
        model = estimator.fit(frame)
        model.save_model(args.out)
        print(f"wrote {os.path.abspath(args.out)}: {model.estimator.summary().splitlines()[0]}")
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())
