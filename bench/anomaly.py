#!/usr/bin/env python3
"""Anomaly-detection benchmark: aekit's default detector against scikit-learn's
IsolationForest and PyOD's AutoEncoder (its defaults), on three data sets
built from the shipped data, in one run. Prints ROC AUC and average
precision per data set and method, as a table and as JSON lines.

    python3 bench/anomaly.py [--aekit target/release/aekit] [--seeds 3]

Data sets (labels are used only to score, never to fit):
  digits     digits 1-9 as normal, 80 random zeros as anomalies
  wine       classes 1 and 2 as normal, 10 random class-0 wines as anomalies
             (the construction of the ODDS "wine" set)
  synthetic  2000 rows near a 3-D subspace of R^20 plus noise, and 100 rows
             uniform over the data's bounding box as anomalies
Every method fits on the whole (contaminated) set and scores it, as PyOD's
benchmarks do. Needs numpy, scikit-learn; PyOD (with torch) if installed.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

ROOT = Path(__file__).resolve().parent.parent


def load(name):
    with open(ROOT / "data" / name, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def digits(rng):
    header, rows = load("digits.csv")
    y = np.array([int(r[-1]) for r in rows])
    x = np.array([[float(v) for v in r[:-1]] for r in rows])
    normal = np.where(y != 0)[0]
    anomalies = rng.choice(np.where(y == 0)[0], 80, replace=False)
    idx = np.concatenate([normal, anomalies])
    rng.shuffle(idx)
    return header[:-1], x[idx], (y[idx] == 0).astype(int)


def wine(rng):
    header, rows = load("wine.csv")
    y = np.array([int(r[-1]) for r in rows])
    x = np.array([[float(v) for v in r[:-1]] for r in rows])
    normal = np.where(y != 0)[0]
    anomalies = rng.choice(np.where(y == 0)[0], 10, replace=False)
    idx = np.concatenate([normal, anomalies])
    rng.shuffle(idx)
    return header[:-1], x[idx], (y[idx] == 0).astype(int)


def synthetic(rng):
    basis = rng.normal(size=(3, 20))
    inliers = rng.normal(size=(2000, 3)) @ basis + 0.1 * rng.normal(size=(2000, 20))
    lo, hi = inliers.min(axis=0), inliers.max(axis=0)
    outliers = rng.uniform(lo, hi, size=(100, 20))
    x = np.vstack([inliers, outliers])
    y = np.concatenate([np.zeros(2000, int), np.ones(100, int)])
    idx = rng.permutation(len(y))
    return [f"f{i}" for i in range(20)], x[idx], y[idx]


def write_csv(path, names, x, y):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names + ["is_anomaly_truth"])
        for row, label in zip(x, y):
            w.writerow([repr(float(v)) for v in row] + [int(label)])


def run_aekit(exe, names, x, y, seed, tmp):
    data = os.path.join(tmp, "data.csv")
    model = os.path.join(tmp, "detector.aekit")
    scores = os.path.join(tmp, "scores.csv")
    write_csv(data, names, x, y)
    subprocess.run([exe, "detect", data, "--drop", "is_anomaly_truth", "--seed", str(seed),
                    "--quiet", "--out", model], check=True)
    subprocess.run([exe, "score", model, data, "--quiet", "--out", scores], check=True,
                   stdout=subprocess.DEVNULL)
    with open(scores, newline="") as f:
        return np.array([float(r["score"]) for r in csv.DictReader(f)])


def run_iforest(x, seed):
    return -IsolationForest(random_state=seed).fit(x).score_samples(x)


def run_pyod(x, seed):
    from pyod.models.auto_encoder import AutoEncoder
    model = AutoEncoder(random_state=seed, verbose=0)
    model.fit(x)
    return model.decision_scores_


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aekit", default=str(ROOT / "target" / "release" / "aekit"))
    ap.add_argument("--seeds", type=int, default=3, help="runs per method, results averaged")
    a = ap.parse_args()
    try:
        import pyod  # noqa: F401
        import torch
        torch.set_num_threads(2)
        have_pyod = True
    except ImportError:
        have_pyod = False
        print("PyOD not installed (pip install pyod torch tqdm): skipping it", file=sys.stderr)

    methods = ["aekit", "iforest"] + (["pyod_ae"] if have_pyod else [])
    table = []
    for name, build in [("digits", digits), ("wine", wine), ("synthetic", synthetic)]:
        names, x, y = build(np.random.default_rng(2026))
        for method in methods:
            aucs, aps = [], []
            for seed in range(1, a.seeds + 1):
                with tempfile.TemporaryDirectory() as tmp:
                    if method == "aekit":
                        s = run_aekit(a.aekit, names, x, y, seed, tmp)
                    elif method == "iforest":
                        s = run_iforest(x, seed)
                    else:
                        s = run_pyod(x, seed)
                aucs.append(roc_auc_score(y, s))
                aps.append(average_precision_score(y, s))
            row = {"dataset": name, "method": method, "rows": len(y), "anomalies": int(y.sum()),
                   "roc_auc": round(float(np.mean(aucs)), 4), "average_precision": round(float(np.mean(aps)), 4),
                   "roc_auc_runs": [round(v, 4) for v in aucs]}
            print(json.dumps(row), flush=True)
            table.append(row)
    print()
    print(f"{'dataset':<10} " + " ".join(f"{m + ' AUC':>12} {m + ' AP':>11}" for m in methods))
    for name in ["digits", "wine", "synthetic"]:
        cells = []
        for m in methods:
            r = next(t for t in table if t["dataset"] == name and t["method"] == m)
            cells.append(f"{r['roc_auc']:>12.4f} {r['average_precision']:>11.4f}")
        print(f"{name:<10} " + " ".join(cells))


if __name__ == "__main__":
    main()
