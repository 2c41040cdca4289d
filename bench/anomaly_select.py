#!/usr/bin/env python3
"""Chooses aekit's anomaly-detection default by leave-one-set-out (issue 14).

    python3 bench/anomaly_select.py [--aekit PATH] [--seeds N] [--jobs 2] [--out results.jsonl]
    python3 bench/anomaly_select.py --analyse results.jsonl

Runs a modest grid of recipes (scaling x architecture x code-width rule x
score) on every set of bench/anomaly_data.py with bench/anomaly.py's
protocol, writing one JSON line per (set, seed, recipe). Then, for each set,
picks the recipe with the best mean ROC AUC on the *other* sets and reports
its ROC AUC on the held-out set; the mean of those held-out figures is the
honest estimate of how a default chosen this way transfers, printed beside
the in-sample mean of the overall winner.

Recipe vocabulary (bench/anomaly.py implements each):
  scale   standard (mean / population sd) | robust (median / IQR)
  arch    linear (inputs -> code -> outputs) | relu (one hidden layer of
          max(2k, min(64, d)) on each side, relu)
  width   fixed2/4/8/16 | pca80/90/95 (smallest k explaining that share of
          the scaled training data's variance) | half (ceil(d/2)) |
          sqrt (ceil(sqrt d)) | ens248 (members 2, 4, 8) | ens_pow2 (members
          1, 2, 4, ... <= d/2) | ens_pca (members pca80, pca90, pca95);
          every width capped to [1, d - 1]
  seeds   members per width with seeds s, s+1000, ... (default 1)
          | ens_pow2_from2 (2, 4, ... <= d/2) | ens_upto8 (1, 2, ..., 8)
          | ens_pow2_all (1, 2, 4, ... <= d - 1)
  seeds   members per width with seeds s, s+1000, ... (default 1)
  score   mse (mean squared error over features) | fstd (mean over features
          of err_j / mean training err_j)
  combine how members' scores are normalised by their own training
          scores before averaging: z (default; (s - mean) / sd) | logz (z of
          log s) | rank (share of training scores below s)
  trim    refit each member on the training rows below the (1 - trim)
          quantile of its first fit's scores (default: no refit)
"""
import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import anomaly  # noqa: E402
import anomaly_data  # noqa: E402


def grid():
    out = []
    for scale in ("standard", "robust"):
        for width in ("fixed2", "fixed4", "fixed8", "fixed16", "pca80", "pca90", "pca95", "half",
                      "sqrt", "ens248", "ens_pow2", "ens_pca"):
            for score in ("mse", "fstd"):
                out.append({"scale": scale, "arch": "linear", "width": width, "score": score})
    for width in ("fixed4", "pca90"):
        for score in ("mse", "fstd"):
            out.append({"scale": "standard", "arch": "linear", "width": width, "seeds": 3, "score": score})
            out.append({"scale": "standard", "arch": "relu", "width": width, "score": score})
    # round 2, after round 1 favoured ensembles over widths and robust scaling
    for scale in ("standard", "robust"):
        for width in ("ens_pow2", "ens_pow2_from2", "ens_upto8", "ens248", "ens_pca"):
            for score in ("mse", "fstd"):
                for how in ("logz", "rank"):
                    out.append({"scale": scale, "arch": "linear", "width": width, "score": score,
                                "combine": how})
        for width in ("fixed2", "ens_pow2"):
            for score in ("mse", "fstd"):
                out.append({"scale": scale, "arch": "linear", "width": width, "score": score, "trim": 0.1})
    # round 3, after round 2 favoured the refit: a deeper trim
    for score in ("mse", "fstd"):
        out.append({"scale": "robust", "arch": "linear", "width": "ens_pow2", "score": score, "trim": 0.2})
    # round 4: deeper still, and widths up to d - 1
    out.append({"scale": "robust", "arch": "linear", "width": "ens_pow2", "score": "mse", "trim": 0.3})
    for trim in (0.1, 0.2):
        out.append({"scale": "robust", "arch": "linear", "width": "ens_pow2_all", "score": "mse", "trim": trim})
    return out


def name(r):
    s = f"{r['scale']}/{r['arch']}/{r['width']}/{r['score']}"
    s += f"/x{r['seeds']}" if r.get("seeds", 1) > 1 else ""
    s += f"/{r['combine']}" if r.get("combine", "z") != "z" else ""
    return s + (f"/trim{r['trim']}" if r.get("trim") else "")


def run_set(args):
    exe, set_name, seeds, cache = args
    _, x, y = anomaly_data.load(set_name)
    runner = anomaly.Runner(exe, threads=1, cache_dir=cache)
    lines = []
    t0 = time.perf_counter()
    for seed in range(1, seeds + 1):
        xtr, xte, ytr, yte = anomaly.split(x, y, seed)
        for r in grid():
            auc, ap = anomaly.metrics(yte, anomaly.recipe_scores(runner, r, set_name, xtr, xte, seed))
            lines.append({"dataset": set_name, "seed": seed, "recipe": name(r), "roc_auc": round(auc, 4),
                          "average_precision": round(ap, 4)})
    train_s = sum(s for _, s in runner.seconds)
    return lines, {"dataset": set_name, "models": len(runner.seconds), "train_seconds": round(train_s, 1),
                   "wall_seconds": round(time.perf_counter() - t0, 1)}


SIMPLICITY = ["fixed", "pca", "half", "sqrt", "ens"]


def complexity(recipe):
    """Lower is simpler: one linear model, standard scaling, plain mse first."""
    scale, arch, width, score = recipe.split("/")[:4]
    c = 0 if arch == "linear" else 4
    c += 0 if scale == "standard" else 1
    c += 0 if score == "mse" else 1
    c += 0 if width.startswith("fixed") else (1 if not width.startswith("ens") else 3)
    c += 3 if "/x3" in recipe else 0
    c += 1 if "/logz" in recipe or "/rank" in recipe else 0
    c += 2 if "/trim" in recipe else 0
    return c


def analyse(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    sets = sorted({r["dataset"] for r in rows})
    recipes = sorted({r["recipe"] for r in rows})
    auc = {(s, rc): np.mean([r["roc_auc"] for r in rows if r["dataset"] == s and r["recipe"] == rc])
           for s in sets for rc in recipes}
    ap = {(s, rc): np.mean([r["average_precision"] for r in rows if r["dataset"] == s and r["recipe"] == rc])
          for s in sets for rc in recipes}
    mean = {rc: np.mean([auc[s, rc] for s in sets]) for rc in recipes}
    ranked = sorted(recipes, key=lambda rc: -mean[rc])
    print(f"{len(sets)} sets: {', '.join(sets)}\n")
    print(f"{'recipe':<38} {'mean AUC':>8} {'mean AP':>8} {'worst set':>18}")
    for rc in ranked:
        worst = min(sets, key=lambda s: auc[s, rc])
        print(f"{rc:<38} {mean[rc]:8.4f} {np.mean([ap[s, rc] for s in sets]):8.4f} "
              f"{worst:>11} {auc[worst, rc]:.3f}")
    print("\nleave-one-set-out: the recipe best on the other sets, judged on the held-out set")
    held = []
    for s in sets:
        others = [o for o in sets if o != s]
        best = max(recipes, key=lambda rc: np.mean([auc[o, rc] for o in others]))
        held.append(auc[s, best])
        print(f"  {s:<11} chose {best:<38} held-out AUC {auc[s, best]:.4f} (best possible here "
              f"{max(auc[s, rc] for rc in recipes):.4f})")
    winner = ranked[0]
    print(f"\nheld-out mean AUC {np.mean(held):.4f}  vs  in-sample mean AUC of the overall winner "
          f"{winner} {mean[winner]:.4f}")
    # noise: the standard error of a recipe's mean AUC difference to the winner, over sets
    print("\nwithin noise of the winner (mean difference > -1 standard error over sets), simplest first:")
    close = []
    for rc in recipes:
        diff = np.array([auc[s, rc] - auc[s, winner] for s in sets])
        se = diff.std(ddof=1) / np.sqrt(len(sets)) if len(sets) > 1 else 0
        if diff.mean() > -se:
            close.append((complexity(rc), -mean[rc], rc, diff.mean(), se))
    for c, m, rc, d, se in sorted(close):
        print(f"  {rc:<38} complexity {c}  mean AUC {-m:.4f}  diff {d:+.4f} (se {se:.4f})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--aekit", default=str(anomaly.ROOT / "target" / "release" / "aekit"))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sets", default=",".join(anomaly_data.SETS))
    ap.add_argument("--out", default="anomaly_select.jsonl")
    ap.add_argument("--cache", metavar="DIR", help="keep each model's errors here (.npz) for later runs")
    ap.add_argument("--analyse", metavar="JSONL", help="only analyse an earlier run's results")
    a = ap.parse_args()
    if a.analyse:
        analyse(a.analyse)
        return
    # largest set first so that it does not run alone at the end
    sets = sorted(a.sets.split(","), key=lambda s: -len(anomaly_data.load(s)[2]))
    with open(a.out, "w") as f, ProcessPoolExecutor(a.jobs) as pool:
        for lines, timing in pool.map(run_set, [(a.aekit, s, a.seeds, a.cache) for s in sets]):
            for line in lines:
                f.write(json.dumps(line) + "\n")
            f.flush()
            print(json.dumps(timing), file=sys.stderr, flush=True)
    analyse(a.out)


if __name__ == "__main__":
    main()
