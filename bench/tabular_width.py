#!/usr/bin/env python3
"""The code width `aekit train` picks on a plain table when no architecture
parameter is given (BENCHMARKS.md "Tabular defaults: code width"). Each
candidate is a rule of the input count d (after column handling) and the
training row count n, judged on held-out test rows by `aekit evaluate
--json`: logistic regression on the codes (the criterion), reconstruction
MSE against the exact PCA at the same width, and training seconds.
`--report` adds leave-one-set-out choices; `--compressing` keeps to the
candidates whose code is narrower than the input on every set.

    AEKIT_BIN=target/release/aekit python3 bench/tabular_width.py \
        [--sets clf,wine] [--configs w2,c32_34_s5k] [--seeds 1,2,3,4,5] \
        [--jobs 2] --jsonl out.jsonl
    python3 bench/tabular_width.py --report out.jsonl [--only a,b] [--compressing]

Give the candidates' flags explicitly to a build whose default is already
the rule (the `default` candidate is no flag at all). SPLIT_SEED=2 redraws
the train/test split of every set but clf and digits.

Needs scikit-learn, pandas, and for the mlbench sets `apt-get install
r-cran-mlbench` and `pip install pyreadr` (all install offline from their
registries). Sets (train/test): clf and digits, the shipped files
(data/); the others a stratified 67/33 split, random_state 1: wine and
breast_cancer (scikit-learn's bundled copies), and from mlbench sonar,
ionosphere (constant V2 dropped), vehicle, glass, vowel (speaker column
dropped), pima, satellite, letter (5000 of its 20000 rows), dna (180 binary
indicators), bcw (BreastCancer without its rows with NA).

Everything but the candidate's flags is aekit's default: min-max scaling,
Adam lr 1e-3, 50 epochs, batch 32, linear code and output. One thread per
training.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

ROOT = Path(__file__).resolve().parent.parent
AEKIT = os.environ.get("AEKIT_BIN", str(ROOT / "target/release/aekit"))
SETS = ("clf,digits,wine,breast_cancer,sonar,ionosphere,vehicle,glass,vowel,pima,"
        "satellite,letter,dna,bcw")


def cap(k, d):
    """min(d, k), at least 2 (the earlier candidates' convention)."""
    return max(2, min(d, k))


def half(d):
    return cap(round(d / 2), d)


def compress(d, top, num, den):
    """min(top, num*d/den rounded half up), below d for d >= 2, at least 1:
    the always-compressing rules (aekit's table_defaults::code_width)."""
    return max(1, min(top, (num * d + den // 2) // den, d - 1))


def steps(n, target=5000, batch=32):
    """Epochs for at least `target` gradient steps at `batch`, at least 50."""
    return max(50, -(-target * batch // n))


def bw(k):
    return ["--bottleneck", str(k)]


# Candidate -> (d, n_train) -> flags. wK: linear d -> K -> d, K = min(d, K);
# _s5k: epochs = steps(n); cT_AB: compress(d, T, A, B).
CONFIGS = {
    "default": lambda d, n: [],
    "w2": lambda d, n: bw(2),  # the default before the rule
    "w16": lambda d, n: bw(cap(16, d)),
    "w32": lambda d, n: bw(cap(32, d)),
    "wd": lambda d, n: bw(d),
    "wd2": lambda d, n: bw(half(d)),
    "wd4": lambda d, n: bw(cap(round(d / 4), d)),
    "w16_s5k": lambda d, n: bw(cap(16, d)) + ["--epochs", str(steps(n))],
    "w32_s5k": lambda d, n: bw(cap(32, d)) + ["--epochs", str(steps(n))],
    "wd_s5k": lambda d, n: bw(d) + ["--epochs", str(steps(n))],
    "wd2_s5k": lambda d, n: bw(half(d)) + ["--epochs", str(steps(n))],
    # min(16, round(3d/4)), the earlier "w16c" candidates.
    "w16c": lambda d, n: bw(cap(min(16, round(3 * d / 4)), d)),
    "w16c_s5k": lambda d, n: bw(cap(min(16, round(3 * d / 4)), d)) + ["--epochs", str(steps(n))],
    "w16c_s10k": lambda d, n: bw(cap(min(16, round(3 * d / 4)), d))
    + ["--epochs", str(steps(n, 10000))],
    "c32_34_s5k": lambda d, n: bw(compress(d, 32, 3, 4)) + ["--epochs", str(steps(n))],
    "c32_12_s5k": lambda d, n: bw(compress(d, 32, 1, 2)) + ["--epochs", str(steps(n))],
    "c64_34_s5k": lambda d, n: bw(compress(d, 64, 3, 4)) + ["--epochs", str(steps(n))],
    "c_34_s5k": lambda d, n: bw(compress(d, 10**9, 3, 4)) + ["--epochs", str(steps(n))],
    "c32_34": lambda d, n: bw(compress(d, 32, 3, 4)),
}


def mlbench(name):
    import pyreadr

    path = f"/usr/lib/R/site-library/mlbench/data/{name}.rda"
    return next(iter(pyreadr.read_r(path).values()))


def load(name):
    """(train DataFrame, test DataFrame): features f0.., then `label`."""
    if name in ("clf", "digits"):
        return (pd.read_csv(ROOT / f"data/{name}_train.csv"),
                pd.read_csv(ROOT / f"data/{name}_test.csv"))
    if name in ("wine", "breast_cancer"):
        from sklearn import datasets

        b = getattr(datasets, f"load_{name}")()
        x, y = pd.DataFrame(b.data), b.target
    else:
        source, target, drop = {
            "sonar": ("Sonar", "Class", []),
            "ionosphere": ("Ionosphere", "Class", ["V2"]),
            "vehicle": ("Vehicle", "Class", []),
            "glass": ("Glass", "Type", []),
            "vowel": ("Vowel", "Class", ["V1"]),
            "pima": ("PimaIndiansDiabetes", "diabetes", []),
            "satellite": ("Satellite", "classes", []),
            "letter": ("LetterRecognition", "lettr", []),
            "dna": ("DNA", "Class", []),
            "bcw": ("BreastCancer", "Class", ["Id"]),
        }.get(name) or sys.exit(f"unknown set {name}")
        df = mlbench(source).drop(columns=drop)
        if name == "bcw":
            df = df.dropna()
        if name == "letter":  # 5000 of the 20000 rows, to keep a run short
            df, _ = train_test_split(df, train_size=5000, random_state=1, stratify=df[target])
        x = df.drop(columns=target).apply(lambda c: c.astype(str).astype(float)
                                          if c.dtype.name == "category" else c)
        y = df[target].astype(str)
    x = x.astype(float)
    x.columns = [f"f{i}" for i in range(x.shape[1])]
    y = pd.Series(pd.factorize(pd.Series(np.asarray(y)), sort=True)[0], name="label")
    split = int(os.environ.get("SPLIT_SEED", "1"))
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.33, random_state=split, stratify=y)
    return (xtr.assign(label=ytr.values).reset_index(drop=True),
            xte.assign(label=yte.values).reset_index(drop=True))


def run(files, flags, seed, work, tag):
    model = work / f"m_{tag}_{seed}.aekit"
    cmd = [AEKIT, "train", str(files[0]), "--label", "label", *flags, "--seed", str(seed),
           "--threads", "1", "--quiet", "--out", str(model)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    seconds = time.perf_counter() - t0
    ev = subprocess.run([AEKIT, "evaluate", str(model), "--train", str(files[0]), "--test",
                         str(files[1]), "--json", "--threads", "1"],
                        check=True, capture_output=True, text=True)
    rep = json.loads(ev.stdout)
    acc = {c["features"]: c["accuracy"] for c in rep["classification"]}
    rec = rep["reconstruction"]
    model.unlink()
    return {"encoded": acc["encoded"], "pca": acc.get("pca"), "raw": acc["raw"],
            "width": rep["bottleneck"], "ae_mse": rec["autoencoder_mse"],
            "pca_mse": rec["pca_mse"], "seconds": seconds}


def main_run(a):
    warnings.filterwarnings("ignore")
    seeds = [int(s) for s in a.seeds.split(",")]
    done = set()
    if Path(a.jsonl).exists():
        for line in open(a.jsonl):
            r = json.loads(line)
            done.add((r["set"], r["config"], tuple(r["seeds"])))
    out = open(a.jsonl, "a")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in a.sets.split(","):
            train, test = load(name)
            files = (work / f"{name}_train.csv", work / f"{name}_test.csv")
            train.to_csv(files[0], index=False)
            test.to_csv(files[1], index=False)
            d = train.shape[1] - 1
            print(f"## {name}: {len(train)}/{len(test)} rows, {d} features", flush=True)
            for config in a.configs.split(","):
                if (name, config, tuple(seeds)) in done:
                    continue
                flags = CONFIGS[config](d, len(train))
                with ThreadPoolExecutor(a.jobs) as pool:
                    rows = list(pool.map(lambda s: run(files, flags, s, work, config), seeds))
                row = {"set": name, "config": config, "d": d, "n_train": len(train),
                       "n_test": len(test), "flags": flags, "seeds": seeds,
                       "raw": rows[0]["raw"], "width": rows[0]["width"],
                       **{k: [r[k] for r in rows] for k in
                          ("encoded", "pca", "ae_mse", "pca_mse", "seconds")}}
                e = row["encoded"]
                print(f"{config:>12} w={row['width']:<3} enc {statistics.mean(e):.4f} "
                      f"[{min(e):.4f}-{max(e):.4f}] raw {row['raw']:.4f} "
                      f"{statistics.mean(row['seconds']):.2f}s", flush=True)
                out.write(json.dumps(row) + "\n")
                out.flush()


_DATA = {}


def exact_pca_mse(name, k):
    """Test-row MSE of scikit-learn's exact PCA (full SVD) with k components
    on the min-max scaled inputs, scaler and PCA fitted on the training rows."""
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import MinMaxScaler

    if name not in _DATA:
        tr, te = load(name)
        x, y = tr.drop(columns="label").to_numpy(), te.drop(columns="label").to_numpy()
        sc = MinMaxScaler().fit(x)
        _DATA[name] = (sc.transform(x), sc.transform(y))
    x, y = _DATA[name]
    p = PCA(min(k, *x.shape), svd_solver="full").fit(x)
    return float(((p.inverse_transform(p.transform(y)) - y) ** 2).mean())


def report(paths, only=None, compressing=False, pca=True):
    rows = {}
    for path in paths:
        for line in open(path):
            r = json.loads(line)
            key = (r["set"], r["config"])
            if key in rows:  # more seeds of one candidate: pooled
                for k in ("seeds", "encoded", "ae_mse", "seconds"):
                    rows[key][k] = rows[key][k] + r[k]
            else:
                rows[key] = r
    sets = list(dict.fromkeys(s for s, _ in rows))
    configs = [c for c in dict.fromkeys(c for _, c in rows)
               if all((s, c) in rows for s in sets) and (not only or c in only)]
    if compressing:
        configs = [c for c in configs if all(rows[(s, c)]["width"] < rows[(s, c)]["d"]
                                             for s in sets)]
    acc = {(s, c): statistics.mean(rows[(s, c)]["encoded"]) for s in sets for c in configs}
    raw = statistics.mean(rows[(s, configs[0])]["raw"] for s in sets)
    p = print
    p("## Mean encoded LR accuracy over seeds, ± sd (code width) [training seconds]\n")
    p("| set | d | n train/test | raw LR | " + " | ".join(configs) + " |")
    p("|---|---|---|---|" + "---|" * len(configs))
    for s in sets:
        r0 = rows[(s, configs[0])]
        cells = []
        for c in configs:
            r = rows[(s, c)]
            sd = statistics.stdev(r["encoded"]) if len(r["encoded"]) > 1 else 0
            cells.append(f"{acc[(s, c)]:.3f}±{sd:.3f} ({r['width']}) "
                         f"[{statistics.mean(r['seconds']):.2f}]")
        p(f"| {s} | {r0['d']} | {r0['n_train']}/{r0['n_test']} | {r0['raw']:.3f} | "
          + " | ".join(cells) + " |")
    mean_acc = {c: statistics.mean(acc[(s, c)] for s in sets) for c in configs}
    secs = {c: statistics.mean(statistics.mean(rows[(s, c)]["seconds"]) for s in sets)
            for c in configs}
    p(f"| **mean** | | | {raw:.3f} | "
      + " | ".join(f"**{mean_acc[c]:.3f}** [{secs[c]:.2f}]" for c in configs) + " |")
    seeds = {c: min(len(rows[(s, c)]["seeds"]) for s in sets) for c in configs}
    p("| seeds | | | | " + " | ".join(str(seeds[c]) for c in configs) + " |")
    p("")
    if pca:
        p("## Autoencoder test MSE / exact PCA's at the same width ('=d': no compression)\n")
        p("| set | " + " | ".join(configs) + " |")
        p("|---|" + "---|" * len(configs))
        for s in sets:
            cells = []
            for c in configs:
                r = rows[(s, c)]
                if r["width"] >= r["d"]:
                    cells.append("=d")
                    continue
                pm = exact_pca_mse(s, r["width"])
                am = statistics.mean(r["ae_mse"])
                cells.append(f"rank<=w" if pm < 1e-10 else f"{am / pm:.2f}")
            p(f"| {s} | " + " | ".join(cells) + " |")
        p("")
    p("## Leave-one-set-out: the candidate of best mean accuracy on the other sets\n")
    p("| held-out set | chosen | its accuracy there | raw |")
    p("|---|---|---|---|")
    picks = []
    for s in sets:
        others = [o for o in sets if o != s]
        best = max(configs, key=lambda c: statistics.mean(acc[(o, c)] for o in others))
        picks.append((s, best))
        p(f"| {s} | {best} | {acc[(s, best)]:.3f} | {rows[(s, best)]['raw']:.3f} |")
    held = statistics.mean(acc[(s, b)] for s, b in picks)
    p(f"| **mean held-out** | | **{held:.3f}** | {raw:.3f} |")
    p("")
    p("In-sample mean accuracy: " + ", ".join(
        f"{c} {mean_acc[c]:.3f}" for c in sorted(configs, key=lambda c: -mean_acc[c])))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--report", nargs="+", metavar="JSONL")
    ap.add_argument("--only", help="candidates to include in the report")
    ap.add_argument("--compressing", action="store_true",
                    help="report only candidates narrower than the input on every set")
    ap.add_argument("--no-pca", action="store_true", help="skip the exact PCA table")
    ap.add_argument("--sets", default=SETS)
    ap.add_argument("--configs", default="w2,w16c_s5k,c32_34_s5k,c32_12_s5k,c64_34_s5k")
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--jsonl")
    a = ap.parse_args()
    if a.report:
        return report(a.report, a.only.split(",") if a.only else None, a.compressing,
                      not a.no_pca)
    if not a.jsonl:
        sys.exit("--jsonl is needed to run")
    main_run(a)


if __name__ == "__main__":
    sys.exit(main())
