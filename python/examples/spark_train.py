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

import json
import os
import sys

from pyspark.sql import SparkSession

from aekit.spark import AutoencoderEstimator

import train_arguments  # beside this file


def main(argv=None):
    args = train_arguments.parse(__doc__.split("\n\n")[0], argv)
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
