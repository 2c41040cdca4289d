#!/usr/bin/env python3
"""Anomaly-detection benchmark (issues 14, 32): aekit's detector against
scikit-learn's IsolationForest and PyOD's KNN, HBOS, ECOD, PCA and
AutoEncoder (all with their defaults) on the public sets of
bench/anomaly_data.py, in one run. A raw set (strings, missing cells) is
given to aekit as its CSV and to the peers as pandas' get_dummies of it,
missing numbers imputed by the training part's median.

    python3 bench/anomaly.py [--aekit PATH] [--seeds N] [--sets a,b] [--update BENCHMARKS.md]
        [--methods aekit,iforest,...] [--aekit-flags "--neighbours 5"] [--jsonl results.jsonl]

Protocol: per set and seed, a 60/40 split stratified by the label; every
method fits on the (contaminated) 60 % without labels and scores the 40 %;
ROC AUC and average precision on that 40 %, averaged over the seeds (seed s
splits with random_state s and seeds the detectors with s). Prints JSON
lines, then a table; --update FILE writes the table between the markers
`<!-- bench/anomaly.py begin -->` and `<!-- bench/anomaly.py end -->` of FILE.

aekit runs as a user runs it: `aekit detect TRAIN --seed s --out M` with
every other setting at its default (the ensemble that
bench/anomaly_select.py chose by leave-one-set-out, DEFAULT_RECIPE below),
then `aekit score M TEST`, whose `score` column is the test score. The
recipe machinery (`recipe_scores`) stays for bench/anomaly_select.py, which
emulates candidate defaults on the CLI (`--scale none` on rows scaled here).

Install: see bench/anomaly_data.py (apt r-cran-mlbench; pip numpy pandas
scikit-learn pyreadr pyod torch tqdm).
"""
import argparse
import csv
import datetime
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
import anomaly_data  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EPS = 1e-12


# ---------------------------------------------------------------- protocol

def split(x, y, seed):
    """The 60/40 split, stratified by the label."""
    return train_test_split(x, y, test_size=0.4, stratify=y, random_state=seed)


def metrics(y, s):
    return float(roc_auc_score(y, s)), float(average_precision_score(y, s))


# ---------------------------------------------------------------- scaling

def fit_scaler(xtr, kind):
    """(centre, spread) per column, fitted on the training part only.
    standard: mean and population standard deviation; robust: median and
    inter-quartile range. A spread of 0 (a constant column) becomes 1."""
    if kind == "standard":
        c, s = xtr.mean(axis=0), xtr.std(axis=0)
    elif kind == "robust":
        q1, c, q3 = np.percentile(xtr, [25, 50, 75], axis=0)
        s = q3 - q1
        # a column with IQR 0 but not constant: fall back to its standard deviation
        sd = xtr.std(axis=0)
        s = np.where(s > 0, s, sd)
    else:
        raise ValueError(kind)
    return c, np.where(s > 0, s, 1.0)


def pca_width(xs, share):
    """Smallest k whose leading k principal components of the (scaled)
    training rows explain at least `share` of the variance; 1 <= k <= d - 1."""
    d = xs.shape[1]
    xc = xs - xs.mean(axis=0)
    ev = np.linalg.svd(xc, compute_uv=False) ** 2
    ratio = np.cumsum(ev) / max(ev.sum(), EPS)
    k = int(np.searchsorted(ratio, share - 1e-12) + 1)
    return max(1, min(k, d - 1))


# ---------------------------------------------------------------- aekit

def write_csv(path, x):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([f"f{j}" for j in range(x.shape[1])])
        w.writerows([[f"{v:.9g}" for v in row] for row in x])


def read_csv(path, d):
    with open(path, newline="") as f:
        r = csv.reader(f)
        next(r)
        return np.array([[float(v) for v in row[:d]] for row in r])


def aekit_errors(exe, xtr_s, xte_s, width, seed, hidden=None, activation="linear",
                 epochs=100, patience=10, threads=None, fit_rows=None, codes=False):
    """Trains `aekit detect --scale none` on already-scaled rows (those of
    `fit_rows` only, if given) and returns the squared reconstruction errors
    per row and feature of all training and test rows, and the seconds the
    training took; with `codes`, also the codes of the training and test rows
    (`aekit encode`)."""
    d = xtr_s.shape[1]
    with tempfile.TemporaryDirectory() as tmp:
        tr, te = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
        fit = os.path.join(tmp, "fit.csv") if fit_rows is not None else tr
        model = os.path.join(tmp, "m.aekit")
        write_csv(tr, xtr_s)
        write_csv(te, xte_s)
        if fit_rows is not None:
            write_csv(fit, xtr_s[fit_rows])
        cmd = [exe, "detect", fit, "--scale", "none", "--bottleneck", str(width),
               "--hidden", ",".join(map(str, hidden)) if hidden else "none",
               "--activation", activation, "--epochs", str(epochs), "--patience", str(patience),
               "--seed", str(seed), "--quiet", "--out", model]
        if threads:
            cmd += ["--threads", str(threads)]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - t0
        out = []
        for path in (tr, te):
            rec = os.path.join(tmp, "rec.csv")
            rcmd = [exe, "reconstruct", model, path, "--out", rec]
            if threads:
                rcmd += ["--threads", str(threads)]
            subprocess.run(rcmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            xs = xtr_s if path == tr else xte_s
            out.append((read_csv(rec, d) - xs) ** 2)
        if codes:
            for path in (tr, te):
                enc = os.path.join(tmp, "enc.csv")
                ecmd = [exe, "encode", model, path, "--out", enc]
                if threads:
                    ecmd += ["--threads", str(threads)]
                subprocess.run(ecmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                out.append(read_csv(enc, width))
            return out[0], out[1], seconds, out[2], out[3]
    return out[0], out[1], seconds


def row_scores(e_tr, e_te, score):
    """Per-row scores from squared errors. mse: mean over features;
    fstd: mean over features of err_ij / mean_over_training_rows(err_.j)."""
    if score == "mse":
        return e_tr.mean(axis=1), e_te.mean(axis=1)
    if score == "fstd":
        m = e_tr.mean(axis=0) + EPS
        return (e_tr / m).mean(axis=1), (e_te / m).mean(axis=1)
    raise ValueError(score)


def combine(members, how="z"):
    """Averages members' test scores after normalising each by its own
    training scores: z, (s - mean) / sd; logz, the same on log(s + 1e-12);
    rank, the share of training scores below s. `members` holds
    (train scores, test scores) pairs."""
    if len(members) == 1:
        return members[0][1]
    out = []
    for tr, te in members:
        if how == "logz":
            tr, te = np.log(tr + EPS), np.log(te + EPS)
        if how == "rank":
            out.append(np.searchsorted(np.sort(tr), te) / len(tr))
        else:
            out.append((te - tr.mean()) / (tr.std() + EPS))
    return np.mean(out, axis=0)


def widths_for(rule, xs):
    """The code widths of the ensemble members a width rule gives for the
    scaled training rows `xs` (one width for a single model)."""
    d = xs.shape[1]
    cap = lambda k: max(1, min(int(k), d - 1))  # noqa: E731
    if rule.startswith("fixed"):
        return [cap(rule[5:])]
    if rule.startswith("pca"):
        return [pca_width(xs, int(rule[3:]) / 100)]
    if rule == "half":
        return [cap(math.ceil(d / 2))]
    if rule == "sqrt":
        return [cap(math.ceil(math.sqrt(d)))]
    if rule == "ens248":
        return sorted({cap(2), cap(4), cap(8)})
    if rule == "ens_pow2":  # 1, 2, 4, ... up to d / 2
        out, k = [], 1
        while k <= max(1, d // 2):
            out.append(cap(k))
            k *= 2
        return sorted(set(out))
    if rule == "ens_pow2_all":  # 1, 2, 4, ... up to d - 1
        out, k = [], 1
        while k <= d - 1:
            out.append(k)
            k *= 2
        return out or [1]
    if rule.startswith("ens_pow2_from"):  # from, 2 from, ... up to d / 2
        out, k = [], int(rule[len("ens_pow2_from"):])
        while k <= max(1, d // 2):
            out.append(cap(k))
            k *= 2
        return sorted(set(out)) or [cap(1)]
    if rule.startswith("ens_upto"):  # 1, 2, ..., min(n, d - 1)
        return list(range(1, cap(rule[len("ens_upto"):]) + 1))
    if rule == "ens_pca":  # the widths explaining 80, 90 and 95 %
        return sorted({pca_width(xs, p) for p in (0.8, 0.9, 0.95)})
    raise ValueError(rule)


class Runner:
    """Trains aekit models, cached by everything that decides them."""

    def __init__(self, exe, threads=None, cache_dir=None):
        self.exe, self.threads, self.cache, self.seconds = exe, threads, {}, []
        self.cache_dir = Path(cache_dir) if cache_dir else None

    def errors(self, key, xtr_s, xte_s, width, seed, arch, fit_rows=None):
        k = key + (width, seed, arch)
        if k not in self.cache:
            f = self.cache_dir / ("_".join(map(str, k)) + ".npz") if self.cache_dir else None
            if f and f.exists():
                z = np.load(f)
                self.cache[k] = (z["tr"], z["te"])
                return self.cache[k]
            hidden, act = ARCHS[arch]
            hidden = hidden(xtr_s.shape[1], width) if hidden else None
            e_tr, e_te, sec = aekit_errors(self.exe, xtr_s, xte_s, width, seed, hidden, act,
                                           threads=self.threads, fit_rows=fit_rows)
            self.cache[k] = (e_tr, e_te)
            self.seconds.append((key[0], sec))
            if f:
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                np.savez(f, tr=e_tr, te=e_te)
        return self.cache[k]


# hidden widths (from d and the code width) and activation of each architecture
ARCHS = {
    "linear": (None, "linear"),
    "relu": (lambda d, k: [max(2 * k, min(64, d))], "relu"),
}


def recipe_scores(runner, recipe, set_name, xtr, xte, seed):
    """Test scores of one recipe: dict with scale, arch, width, seeds, score."""
    c, s = fit_scaler(xtr, recipe["scale"])
    xtr_s, xte_s = (xtr - c) / s, (xte - c) / s
    key = (set_name, recipe["scale"], seed)
    trim = recipe.get("trim", 0)
    members = []
    for w in widths_for(recipe["width"], xtr_s):
        for m in range(recipe.get("seeds", 1)):
            e_tr, e_te = runner.errors(key, xtr_s, xte_s, w, seed + 1000 * m, recipe["arch"])
            if trim:
                # refit on the training rows below the (1 - trim) quantile of the first fit's scores
                tr_scores = e_tr.mean(axis=1)
                keep = tr_scores <= np.quantile(tr_scores, 1 - trim)
                e_tr, e_te = runner.errors(key + (f"trim{trim}",), xtr_s, xte_s, w, seed + 1000 * m,
                                           recipe["arch"], fit_rows=keep)
            members.append(row_scores(e_tr, e_te, recipe["score"]))
    return combine(members, recipe.get("combine", "z"))


# The default chosen by bench/anomaly_select.py (leave-one-set-out; BENCHMARKS.md):
# robust scaling (median / IQR); one linear autoencoder (d -> k -> d, no hidden
# layer) per width k in 1, 2, 4, ... <= max(1, d // 2) (capped to d - 1), each
# trained with detect's training defaults and seed s, then trained again from
# scratch (same seed) on the training rows whose MSE under the first fit is at
# most the 0.7 quantile; a row's score is the mean over members of
# (mse_k - mean_k) / sd_k, mean and population sd of member k's MSE over all
# training rows.
DEFAULT_RECIPE = {"scale": "robust", "arch": "linear", "width": "ens_pow2", "score": "mse", "trim": 0.3}


def run_aekit_default(exe, xtr, xte, seed, threads=1, raw=None, extra=()):
    """Test scores and `is_anomaly` flags of `aekit detect` with its defaults
    (and seed `seed`; `extra` flags added), read back from `aekit score`.
    `raw`: the (train, test) frames of a raw set, written as the CSV a user
    has (strings and empty cells) instead of `xtr` and `xte`."""
    with tempfile.TemporaryDirectory() as tmp:
        tr, te = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
        model, out = os.path.join(tmp, "m.aekit"), os.path.join(tmp, "scores.csv")
        if raw is not None:
            for path, df in zip((tr, te), raw):
                Path(path).write_text(anomaly_data.raw_csv(df))
        else:
            write_csv(tr, xtr)
            write_csv(te, xte)
        subprocess.run([exe, "detect", tr, "--seed", str(seed), "--threads", str(threads), "--quiet",
                        *extra, "--out", model], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([exe, "score", model, te, "--threads", str(threads), "--quiet", "--out", out],
                       check=True, stdout=subprocess.DEVNULL)
        with open(out, newline="") as f:
            r = csv.reader(f)
            head = next(r)
            col, flag = head.index("score"), head.index("is_anomaly")
            rows = [(float(row[col]), int(row[flag])) for row in r]
            return np.array([s for s, _ in rows]), np.array([a for _, a in rows])


# ---------------------------------------------------------------- baselines

def run_iforest(xtr, xte, seed):
    from sklearn.ensemble import IsolationForest
    return -IsolationForest(random_state=seed).fit(xtr).score_samples(xte)


def run_pyod_ae(xtr, xte, seed):
    from pyod.models.auto_encoder import AutoEncoder
    return AutoEncoder(random_state=seed, verbose=0).fit(xtr).decision_function(xte)


def run_pyod_pca(xtr, xte, seed):
    """PyOD's PCA with its defaults, on the columns that vary in the training
    part: with a constant column (optdigits has several) its defaults divide
    by a zero explained variance and every score is infinite; where that
    still happens, as many components as the training rows' rank."""
    from pyod.models.pca import PCA
    keep = xtr.std(axis=0) > 0
    s = PCA(random_state=seed).fit(xtr[:, keep]).decision_function(xte[:, keep])
    if not np.isfinite(s).all():
        # One-hot blocks (income) leave components of zero variance, which its
        # defaults divide by: keep as many components as the rows' rank.
        rank = int(np.linalg.matrix_rank(xtr[:, keep] - xtr[:, keep].mean(axis=0)))
        s = PCA(n_components=rank, random_state=seed).fit(xtr[:, keep]).decision_function(xte[:, keep])
    return s


def run_pyod_knn(xtr, xte, seed):
    from pyod.models.knn import KNN
    return KNN().fit(xtr).decision_function(xte)


def run_pyod_hbos(xtr, xte, seed):
    from pyod.models.hbos import HBOS
    return HBOS().fit(xtr).decision_function(xte)


def run_pyod_ecod(xtr, xte, seed):
    from pyod.models.ecod import ECOD
    return ECOD().fit(xtr).decision_function(xte)


BASELINES = {"iforest": run_iforest, "pyod_knn": run_pyod_knn, "pyod_hbos": run_pyod_hbos,
             "pyod_ecod": run_pyod_ecod, "pyod_pca": run_pyod_pca, "pyod_ae": run_pyod_ae}
LABELS = {"aekit": "aekit (default)", "iforest": "IsolationForest", "pyod_ae": "PyOD AutoEncoder",
          "pyod_pca": "PyOD PCA", "pyod_knn": "PyOD KNN", "pyod_hbos": "PyOD HBOS", "pyod_ecod": "PyOD ECOD"}


def split_set(name, seed):
    """One seed's split of a set: (xtr, xte, ytr, yte, raw) with the peers'
    rows (a missing number imputed by the training part's median) and, for
    a raw set, its (train, test) frames as aekit reads them."""
    _, x, y = anomaly_data.load(name)
    itr, ite = split(np.arange(len(y)), y, seed)[:2]
    xtr, xte = x[itr].copy(), x[ite].copy()
    if np.isnan(xtr).any() or np.isnan(xte).any():
        med = np.nanmedian(xtr, axis=0)
        med = np.where(np.isnan(med), 0.0, med)
        for part in (xtr, xte):
            r, c = np.where(np.isnan(part))
            part[r, c] = med[c]
    raw = anomaly_data.raw(name)
    frames = (raw[0].iloc[itr], raw[0].iloc[ite]) if raw is not None else None
    return xtr, xte, y[itr], y[ite], frames


# ---------------------------------------------------------------- report

def markdown(table, methods, sets, seeds, seconds):
    lines = [f"ROC AUC (average precision in brackets), mean of {seeds} seeds; 60/40 stratified "
             f"split, fitted without labels on the contaminated 60 %, scored on the 40 %; the last "
             f"column: precision / recall of aekit's `is_anomaly` (contamination 0.1) on the 40 % "
             f"({datetime.date.today().isoformat()}, `python3 bench/anomaly.py --seeds {seeds}`).", "",
             "| data set | rows | dims | % anom. | " + " | ".join(LABELS[m] for m in methods)
             + " | aekit P / R at threshold |",
             "| --- | --- | --- | --- | " + " | ".join("---" for _ in methods) + " | --- |"]
    for name in sets + ["mean"]:
        rs = {m: next(t for t in table if t["dataset"] == name and t["method"] == m) for m in methods}
        r0 = rs[methods[0]]
        head = (f"| {name} | {r0['rows']} | {r0['dims']} | {r0['pct_anomalies']:.1f} |" if name != "mean"
                else f"| **mean of {len(sets)}** | | | |")
        pr = rs["aekit"] if "aekit" in rs else None
        pr = (f" {pr['precision']:.2f} / {pr['recall']:.2f} |" if pr and "precision" in pr else " |")
        lines.append(head + "".join(f" {rs[m]['roc_auc']:.3f} ({rs[m]['average_precision']:.3f}) |"
                                    for m in methods) + pr)
    lines.append("")
    lines.append("Seconds per method, all sets and seeds (one thread each; results reused from "
                 "--cache count as 0): " + ", ".join(f"{LABELS[m]} {seconds[m]:.0f}" for m in methods) + ".")
    return "\n".join(lines)


def update(path, block):
    begin, end = "<!-- bench/anomaly.py begin -->", "<!-- bench/anomaly.py end -->"
    text = Path(path).read_text()
    if begin in text and end in text:
        text = text[:text.index(begin) + len(begin)] + "\n" + block + "\n" + text[text.index(end):]
    else:
        text = text.rstrip("\n") + f"\n\n{begin}\n{block}\n{end}\n"
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def run_one(args):
    """Scores of every method on one (set, seed): {method: (auc, ap, seconds[, precision, recall])}."""
    exe, name, seed, methods, cache, extra = args
    import torch
    torch.set_num_threads(1)
    xtr, xte, ytr, yte, frames = split_set(name, seed)
    out = {}
    for m in methods:
        f = Path(cache) / f"{m}_{name}_{seed}.npy" if cache and m != "aekit" else None
        t0 = time.perf_counter()
        if m == "aekit":
            s, flags = run_aekit_default(exe, xtr, xte, seed, raw=frames, extra=extra)
            tp = int(((flags == 1) & (yte == 1)).sum())
            pr = (tp / max(1, int(flags.sum())), tp / max(1, int(yte.sum())))
            out[m] = metrics(yte, s) + (time.perf_counter() - t0,) + pr
            continue
        if f and f.exists():
            s = np.load(f)
        else:
            s = BASELINES[m](xtr, xte, seed)
            if f:
                np.save(f, s)
        out[m] = metrics(yte, s) + (time.perf_counter() - t0,)
    return name, seed, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--aekit", default=str(ROOT / "target" / "release" / "aekit"))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--sets", default=",".join(anomaly_data.SETS))
    ap.add_argument("--jobs", type=int, default=2, help="(set, seed) pairs run at once, one thread each")
    ap.add_argument("--cache", metavar="DIR", help="keep scores and model errors here; a later run "
                    "with the same DIR reuses them (delete DIR after changing a method)")
    ap.add_argument("--update", metavar="FILE")
    ap.add_argument("--methods", default=",".join(["aekit"] + list(BASELINES)))
    ap.add_argument("--aekit-flags", default="", help="extra `aekit detect` flags (space-separated)")
    ap.add_argument("--jsonl", metavar="FILE", help="append each (set, seed) result as it finishes")
    a = ap.parse_args()
    sets = a.sets.split(",")
    methods = a.methods.split(",")
    if a.cache:
        Path(a.cache).mkdir(parents=True, exist_ok=True)
    extra = tuple(a.aekit_flags.split())
    jobs = [(a.aekit, n, seed, methods, a.cache, extra) for n in sets for seed in range(1, a.seeds + 1)]
    jobs.sort(key=lambda j: -len(anomaly_data.load(j[1])[2]))  # the largest sets first
    results, seconds = {}, {m: 0.0 for m in methods}
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(a.jobs) as pool:
        for name, seed, out in pool.map(run_one, jobs):
            results[name, seed] = out
            if a.jsonl:
                with open(a.jsonl, "a") as f:
                    f.write(json.dumps({"dataset": name, "seed": seed, "flags": a.aekit_flags,
                                        "out": out}) + "\n")
    table = []
    for name in sets:
        _, x, y = anomaly_data.load(name)
        for m in methods:
            runs = [results[name, seed][m] for seed in range(1, a.seeds + 1)]
            seconds[m] += sum(r[2] for r in runs)
            auc, ap_ = np.mean([r[:2] for r in runs], axis=0)
            raw = anomaly_data.raw(name)
            row = {"dataset": name, "method": m, "rows": len(y),
                   "dims": raw[0].shape[1] if raw is not None else x.shape[1],
                   "pct_anomalies": round(100 * float(y.mean()), 2), "roc_auc": round(float(auc), 4),
                   "average_precision": round(float(ap_), 4),
                   "roc_auc_runs": [round(r[0], 4) for r in runs]}
            if len(runs[0]) > 3:
                row["precision"], row["recall"] = (round(float(v), 4) for v in
                                                   np.mean([r[3:5] for r in runs], axis=0))
            print(json.dumps(row), flush=True)
            table.append(row)
    for m in methods:
        rs = [t for t in table if t["method"] == m]
        row = {"dataset": "mean", "method": m, "roc_auc": round(float(np.mean([t["roc_auc"] for t in rs])), 4),
               "average_precision": round(float(np.mean([t["average_precision"] for t in rs])), 4)}
        if rs and "precision" in rs[0]:
            row["precision"] = round(float(np.mean([t["precision"] for t in rs])), 4)
            row["recall"] = round(float(np.mean([t["recall"] for t in rs])), 4)
        print(json.dumps(row), flush=True)
        table.append(row)
    block = markdown(table, methods, sets, a.seeds, seconds)
    print()
    print(block)
    if a.update:
        update(a.update, block)


if __name__ == "__main__":
    main()
