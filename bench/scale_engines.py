"""One worker against two on the real engines (issue 31, done-when 2):
trains the seed tutorial's model (W1) with aekit.spark's Estimator on a
local Spark session, or aekit.ray on a local Ray instance, at 1 and 2
workers for each seed, and prints a Markdown table of the
logistic-regression accuracy of the test rows' codes and each run's wall
time. Needs pyspark and Java, or ray.

    python bench/scale_engines.py spark [--seeds 1,2,3] [--epochs 20] [--sync 1]
    python bench/scale_engines.py ray   [--seeds 1,2,3] [--epochs 20] [--sync 1]
"""

import argparse
import pathlib
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
TUTORIAL = {"hidden": [200, 100], "bottleneck": 50, "batch_norm": True,
            "activation": "leaky_relu", "batch_size": 16}


def load(name):
    names = open(DATA / name).readline().strip().split(",")
    v = np.loadtxt(DATA / name, delimiter=",", skiprows=1)
    f = [i for i, n in enumerate(names) if n != "label"]
    return v[:, f], v[:, names.index("label")].astype(int)


def accuracy(model, train, test):
    clf = LogisticRegression(max_iter=5000).fit(model.transform(train[0]), train[1])
    return clf.score(model.transform(test[0]), test[1])


def spark_trainer(workers_max):
    from pyspark.sql import SparkSession
    from aekit.spark import AutoencoderEstimator

    spark = (SparkSession.builder.master(f"local[{workers_max}]").appName("aekit-bench")
             .config("spark.ui.enabled", "false").getOrCreate())
    frame = spark.read.csv(str(DATA / "clf_train.csv"), header=True, inferSchema=True)
    columns = [c for c in frame.columns if c != "label"]

    def train(workers, seed, epochs, sync):
        est = AutoencoderEstimator(inputCols=columns, numWorkers=workers, syncEvery=sync,
                                   aekitParams=dict(TUTORIAL, epochs=epochs), seed=seed)
        return est.fit(frame).estimator

    return train, spark.stop


def ray_trainer(workers_max):
    import ray
    import aekit.ray as aekit_ray

    ray.init(num_cpus=workers_max, include_dashboard=False, log_to_driver=False)
    dataset = ray.data.read_csv(str(DATA / "clf_train.csv"))
    names = [c for c in dataset.columns() if c != "label"]

    def train(workers, seed, epochs, sync):
        model = aekit_ray.train(dataset, names, workers, dict(TUTORIAL, seed=seed), epochs, sync)
        return aekit_ray.model_from_bytes(model)

    return train, ray.shutdown


def main():
    p = argparse.ArgumentParser()
    p.add_argument("engine", choices=["spark", "ray"])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--sync", type=int, default=1, help="steps between averagings")
    p.add_argument("--seeds", default="1,2,3")
    a = p.parse_args()
    train_rows, test_rows = load("clf_train.csv"), load("clf_test.csv")
    train, stop = (spark_trainer if a.engine == "spark" else ray_trainer)(2)
    print(f"{a.engine}, {a.epochs} epochs, averaging every {a.sync} steps")
    print("| seed | 1 worker | 2 workers | 2 - 1 | wall 1 / 2 workers |\n| --- | --- | --- | --- | --- |")
    gaps = []
    try:
        for seed in [int(s) for s in a.seeds.split(",")]:
            accs, walls = [], []
            for workers in (1, 2):
                t = time.time()
                model = train(workers, seed, a.epochs, a.sync)
                walls.append(time.time() - t)
                accs.append(accuracy(model, train_rows, test_rows))
            gaps.append(accs)
            print(f"| {seed} | {accs[0]:.4f} | {accs[1]:.4f} | {accs[1] - accs[0]:+.4f} | "
                  f"{walls[0]:.0f} s / {walls[1]:.0f} s |", flush=True)
    finally:
        stop()
    one, two = np.mean([g[0] for g in gaps]), np.mean([g[1] for g in gaps])
    print(f"| mean | {one:.4f} | {two:.4f} | {two - one:+.4f} | |")


if __name__ == "__main__":
    main()
