"""Accuracy vs averaging interval of aekit's data-parallel training, on one
machine: the same worker code the Spark and Ray trainers run
(aekit._parallel), its exchange done by threads in this process, so the
figures are the engines' minus their transport. Prints a Markdown table of
logistic-regression accuracy on the codes of the seed tutorial's test rows.

    python bench/scale_averaging.py [--epochs 20] [--workers 1,2,4] [--sync 1,4,16,1000]
"""

import argparse
import json
import pathlib
import threading

import numpy as np
from sklearn.linear_model import LogisticRegression

import aekit
from aekit import _aekit, _parallel

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
TUTORIAL = {"hidden": [200, 100], "bottleneck": 50, "batch_norm": True,
            "activation": "leaky_relu", "batch_size": 16}


def load(name):
    names = open(DATA / name).readline().strip().split(",")
    v = np.loadtxt(DATA / name, delimiter=",", skiprows=1)
    f = [i for i, n in enumerate(names) if n != "label"]
    return v[:, f], v[:, names.index("label")].astype(int), [names[i] for i in f]


def train_in_threads(x, names, workers, epochs, sync_every, seed):
    """Round-robin partitions (as Spark's repartition), one thread each."""
    parts = [x[r::workers] for r in range(workers)]
    params = _parallel.mapping(dict(TUTORIAL, seed=seed), workers)
    barrier = threading.Barrier(workers)
    board = [None] * workers
    out = [None] * workers

    def run(rank):
        def all_gather(message):
            board[rank] = message
            barrier.wait()
            gathered = list(board)
            barrier.wait()
            return gathered

        worker = _parallel.Worker(params, rank, parts[rank], names)
        out[rank] = _parallel.train(worker, all_gather, epochs, sync_every)

    threads = [threading.Thread(target=run, args=(r,)) for r in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(o == out[0] for o in out), "workers ended with different models"
    model = aekit.Autoencoder()
    model.model_ = _aekit.Model.from_bytes(out[0])
    model.n_components_ = model.model_.bottleneck()
    return model


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--workers", default="1,2,4")
    p.add_argument("--sync", default="1,4,16,1000")
    p.add_argument("--seeds", default="1,2,3")
    a = p.parse_args()
    x, y, names = load("clf_train.csv")
    xt, yt, _ = load("clf_test.csv")
    seeds = [int(s) for s in a.seeds.split(",")]
    print(f"epochs {a.epochs}, seeds {seeds}: mean (min-max) accuracy of codes")
    print("| workers | sync every (steps) | accuracy |\n| --- | --- | --- |")
    for w in [int(v) for v in a.workers.split(",")]:
        for k in [int(v) for v in a.sync.split(",")]:
            accs = []
            for seed in seeds:
                m = train_in_threads(x, names, w, a.epochs, k, seed)
                clf = LogisticRegression(max_iter=5000).fit(m.transform(x), y)
                accs.append(clf.score(m.transform(xt), yt))
            print(f"| {w} | {k} | {np.mean(accs):.4f} ({min(accs):.4f}-{max(accs):.4f}) |", flush=True)
            if w == 1:
                break  # one worker never exchanges


if __name__ == "__main__":
    main()
