#!/usr/bin/env python3
"""Measures the detector's width-0 member by leave-one-set-out (issue 14).

    python3 bench/anomaly_width0.py [--aekit PATH] [--seeds 3] [--cache DIR]

aekit's linear autoencoders (widths 1, 2, 4, ... d/2, each refitted without
its 30 % worst-rebuilt training rows, as `aekit detect` fits them) score a
row by reconstruction error; every such score tried sat at 0.80-0.83 mean
ROC AUC, blind where anomalies lie on the normal rows' subspace (optdigits).
A width-0 autoencoder rebuilds every row as the training centre, so its
per-feature errors are the scaled inputs themselves; judged per feature by a
10-bin histogram (PyOD's HBOS default, not tuned) it is a score of another
kind. This script trains the members once with `aekit detect` /
`reconstruct` / `encode` (cached), then compares the candidates below on
bench/anomaly.py's sets, splits and metric, and reports leave-one-set-out
over them (each set judged by the candidate best on the other ten), once
over every candidate and once over those with autoencoders in them.

Candidates (members z-normalised by their training scores, then averaged):
  mse         the autoencoders' reconstruction MSE (the default before)
  rhist       per-feature histograms of each autoencoder's residuals
  coderhist   histograms of each autoencoder's codes (rotated to their
              principal axes) and residuals
  width0      the width-0 member alone (HBOS of the scaled inputs)
  mse+width0  the autoencoders' MSE and the width-0 member (the default now)
  rhist+width0, coderhist+width0
"""
import argparse
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import anomaly  # noqa: E402
import anomaly_data  # noqa: E402

BINS = 10


def z(tr, te):
    return (te - tr.mean()) / (tr.std() + anomaly.EPS)


def hist_scores(tr, te, bins=BINS):
    """Sum over columns of -log of each value's bin probability, (count + 1)
    / (n + bins), 1 / (n + bins) outside the training range (as aekit's)."""
    s_tr, s_te = np.zeros(len(tr)), np.zeros(len(te))
    n = len(tr)
    for j in range(tr.shape[1]):
        h, e = np.histogram(tr[:, j], bins=bins)
        p = (h + 1) / (n + bins)
        for c, s in ((tr, s_tr), (te, s_te)):
            idx = np.clip(np.searchsorted(e, c[:, j], side="right") - 1, 0, bins - 1)
            out = (c[:, j] < e[0]) | (c[:, j] > e[-1])
            s += -np.log(np.where(out, 1 / (n + bins), p[idx]))
    return s_tr, s_te


def principal(c_tr, c_te):
    mu = c_tr.mean(0)
    _, v = np.linalg.eigh(np.atleast_2d(np.cov(c_tr - mu, rowvar=False, bias=True)))
    return (c_tr - mu) @ v, (c_te - mu) @ v


def run(exe, args, tmp):
    subprocess.run([exe, *args, "--threads", "1"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def member(exe, a, b, width, seed, fit_rows=None):
    """Signed residuals and codes of training and test rows for one linear
    autoencoder trained as `aekit detect` trains a member."""
    with tempfile.TemporaryDirectory() as tmp:
        tr, te, fit, model = (os.path.join(tmp, n) for n in ("tr.csv", "te.csv", "fit.csv", "m.aekit"))
        anomaly.write_csv(tr, a)
        anomaly.write_csv(te, b)
        if fit_rows is None:
            fit = tr
        else:
            anomaly.write_csv(fit, a[fit_rows])
        run(exe, ["detect", fit, "--scale", "none", "--bottleneck", str(width), "--hidden", "none",
                  "--activation", "linear", "--epochs", "100", "--patience", "10", "--seed", str(seed),
                  "--quiet", "--out", model], tmp)
        out, rec = [], os.path.join(tmp, "out.csv")
        for path, x in ((tr, a), (te, b)):
            run(exe, ["reconstruct", model, path, "--out", rec], tmp)
            out.append(x - anomaly.read_csv(rec, a.shape[1]))
        for path in (tr, te):
            run(exe, ["encode", model, path, "--out", rec], tmp)
            out.append(anomaly.read_csv(rec, width))
    return out


def set_seed(job):
    exe, name, seed, cache = job
    _, x, y = anomaly_data.load(name)
    xtr, xte, _, yte = anomaly.split(np.asarray(x, float), y, seed)
    c, s = anomaly.fit_scaler(xtr, "robust")
    a, b = (xtr - c) / s, (xte - c) / s
    f = Path(cache) / f"width0_{name}_{seed}.npz" if cache else None
    if f and f.exists():
        m = dict(np.load(f))
    else:
        m = {}
        for w in anomaly.widths_for("ens_pow2", a):
            first = member(exe, a, b, w, seed)[0]
            e = (first ** 2).mean(1)
            parts = member(exe, a, b, w, seed, np.where(e <= np.quantile(e, 0.7))[0])
            for key, v in zip(("rtr", "rte", "ctr", "cte"), parts):
                m[f"{key}{w}"] = v
        if f:
            np.savez(f, **m)
    widths = sorted(int(k[3:]) for k in m if k.startswith("rtr"))
    ms = [(m[f"rtr{w}"], m[f"rte{w}"], *principal(m[f"ctr{w}"], m[f"cte{w}"])) for w in widths]
    mse = [z((r ** 2).mean(1), (t ** 2).mean(1)) for r, t, _, _ in ms]
    rhist = [z(*hist_scores(r, t)) for r, t, _, _ in ms]
    coderhist = [z(*hist_scores(np.hstack([r, c]), np.hstack([t, d]))) for r, t, c, d in ms]
    width0 = z(*hist_scores(a, b))
    cands = {"mse": mse, "rhist": rhist, "coderhist": coderhist, "width0": [width0],
             "mse+width0": mse + [width0], "rhist+width0": rhist + [width0],
             "coderhist+width0": coderhist + [width0]}
    return name, {k: roc_auc_score(yte, np.mean(v, 0)) for k, v in cands.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--aekit", default=str(Path(__file__).resolve().parents[1] / "target/release/aekit"))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--cache", metavar="DIR", help="keep the members' residuals and codes here")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    if a.cache:
        Path(a.cache).mkdir(parents=True, exist_ok=True)
    sets = anomaly_data.SETS
    jobs = [(a.aekit, n, seed, a.cache) for n in sets for seed in range(1, a.seeds + 1)]
    per = {}
    with ProcessPoolExecutor(a.jobs) as pool:
        for name, aucs in pool.map(set_seed, jobs):
            for k, v in aucs.items():
                per.setdefault(k, {}).setdefault(name, []).append(v)
    table = {k: [np.mean(v[n]) for n in sets] for k, v in per.items()}
    print("ROC AUC, mean of", a.seeds, "seeds")
    print("candidate".ljust(17), *[n[:8].rjust(8) for n in sets], "mean".rjust(7))
    for k, row in table.items():
        print(k.ljust(17), *[f"{v:8.3f}" for v in row], f"{np.mean(row):7.3f}")
    for label, pool in (("every candidate", list(table)),
                        ("candidates with autoencoders (not width0 alone)",
                         [k for k in table if k != "width0"])):
        held = []
        print(f"leave-one-set-out over {label}:")
        for i, n in enumerate(sets):
            best = max(pool, key=lambda k: np.mean([v for j, v in enumerate(table[k]) if j != i]))
            held.append(table[best][i])
            print(f"  leave out {n}: best on the others {best}, on {n} {table[best][i]:.3f}")
        print(f"  held-out mean ROC AUC {np.mean(held):.3f}")


if __name__ == "__main__":
    main()
