"""Accuracy vs averaging interval of aekit's data-parallel training, on one
machine: the same worker code the Spark and Ray trainers run
(aekit._parallel), its exchange done by threads in this process, so the
figures are the engines' minus their transport. Prints a Markdown table of
logistic-regression accuracy on the codes of the seed tutorial's test rows.

    python bench/scale_averaging.py [--epochs 20] [--workers 1,2,4] [--sync 1,4,16,1000]

The shards and batch of the comparison in docs/scale.md (each seed's
accuracy and test reconstruction error, 2 workers against 1):

    python bench/scale_averaging.py --workers 1,2 --sync 1 --seeds 1,2,3,4,5,6,7,8,9,10 \
        --per-seed [--shards contiguous] [--whole-batch]
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


def train_in_threads(x, names, workers, epochs, sync_every, seed,
                     contiguous=False, whole_batch=False):
    """Round-robin partitions (as Spark's repartition and aekit.ray), or
    contiguous ones, one thread each; ``whole_batch``: every worker steps
    on the whole batch (the behaviour before 2026-12-08)."""
    n = len(x)
    if contiguous:
        parts = [x[n * r // workers:n * (r + 1) // workers] for r in range(workers)]
    else:
        parts = [x[r::workers] for r in range(workers)]
    params = _parallel.mapping(dict(TUTORIAL, seed=seed), 1 if whole_batch else workers)
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
    p.add_argument("--shards", choices=["round-robin", "contiguous"], default="round-robin")
    p.add_argument("--whole-batch", action="store_true",
                   help="every worker steps on the whole batch_size (before 2026-12-08)")
    p.add_argument("--per-seed", action="store_true",
                   help="each seed's accuracy and test reconstruction error")
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
                m = train_in_threads(x, names, w, a.epochs, k, seed,
                                     a.shards == "contiguous", a.whole_batch)
                clf = LogisticRegression(max_iter=5000).fit(m.transform(x), y)
                accs.append(clf.score(m.transform(xt), yt))
                if a.per_seed:
                    print(f"workers {w}, sync {k}, seed {seed}: accuracy {accs[-1]:.4f}, "
                          f"reconstruction error {-m.score(xt):.5f}", flush=True)
            print(f"| {w} | {k} | {np.mean(accs):.4f} ({min(accs):.4f}-{max(accs):.4f}) |", flush=True)
            if w == 1:
                break  # one worker never exchanges


if __name__ == "__main__":
    main()
