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


def code_distance(c_tr, c_te):
    """Squared Mahalanobis distance of each code from the training codes
    (mean and covariance of all training rows' codes; a pseudo-inverse for
    a singular covariance)."""
    mu = c_tr.mean(axis=0)
    cov = np.atleast_2d(np.cov(c_tr - mu, rowvar=False, bias=True))
    inv = np.linalg.pinv(cov)
    d = lambda c: np.einsum("ij,jk,ik->i", c - mu, inv, c - mu)  # noqa: E731
    return d(c_tr), d(c_te)


def code_idea_set(args):
    """Idea A: the default recipe, each member's score joined by how unusual
    the row's code is (Mahalanobis distance from the training codes), both
    z-normalised by their training values. Trains each member's refit again
    (the first fits come from the cache) to read its codes with `aekit encode`.
    One JSON line per (set, seed, variant)."""
    exe, set_name, seeds, cache = args
    _, x, y = anomaly_data.load(set_name)
    runner = anomaly.Runner(exe, threads=1, cache_dir=cache)
    lines = []
    for seed in range(1, seeds + 1):
        xtr, xte, ytr, yte = anomaly.split(x, y, seed)
        c, s = anomaly.fit_scaler(xtr, "robust")
        xtr_s, xte_s = (xtr - c) / s, (xte - c) / s
        key = (set_name, "robust", seed)
        parts = []  # per member: (mse_tr, mse_te, maha_tr, maha_te)
        for w in anomaly.widths_for("ens_pow2", xtr_s):
            e_tr, _ = runner.errors(key, xtr_s, xte_s, w, seed, "linear")
            sc = e_tr.mean(axis=1)
            keep = sc <= np.quantile(sc, 0.7)
            f = Path(cache) / f"codes_{set_name}_{seed}_{w}.npz"
            if f.exists():
                z = np.load(f)
                r = (z["etr"], z["ete"], z["ctr"], z["cte"])
            else:
                r = anomaly.aekit_errors(exe, xtr_s, xte_s, w, seed, threads=1, fit_rows=keep,
                                         codes=True)
                np.savez(f, etr=r[0], ete=r[1], ctr=r[3], cte=r[4])
                r = (r[0], r[1], r[3], r[4])
            m_tr, m_te = code_distance(r[2], r[3])
            parts.append((r[0].mean(axis=1), r[1].mean(axis=1), m_tr, m_te))
        z = lambda tr, te: (te - tr.mean()) / (tr.std() + anomaly.EPS)  # noqa: E731
        variants = {
            "robust/linear/ens_pow2/mse/trim0.3": [z(a, b) for a, b, _, _ in parts]
            if len(parts) > 1 else [parts[0][1]],
            "robust/linear/ens_pow2/mse+code/trim0.3": [z(a, b) + z(c, d) for a, b, c, d in parts],
            "robust/linear/ens_pow2/mse+code_widest/trim0.3":
                [z(a, b) for a, b, _, _ in parts] + [z(parts[-1][2], parts[-1][3])],
        }
        for v, terms in variants.items():
            auc, ap = anomaly.metrics(yte, np.mean(terms, axis=0))
            lines.append({"dataset": set_name, "seed": seed, "recipe": v + ("/rerun" if "code" not in v else ""),
                          "roc_auc": round(auc, 4), "average_precision": round(ap, 4)})
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--aekit", default=str(anomaly.ROOT / "target" / "release" / "aekit"))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sets", default=",".join(anomaly_data.SETS))
    ap.add_argument("--out", default="anomaly_select.jsonl")
    ap.add_argument("--cache", metavar="DIR", help="keep each model's errors here (.npz) for later runs")
    ap.add_argument("--analyse", metavar="JSONL", help="only analyse an earlier run's results")
    ap.add_argument("--code-idea", metavar="GRID_JSONL", help="run idea A (code Mahalanobis term, "
                    "needs --cache) and analyse it together with an earlier grid run's results")
    a = ap.parse_args()
    if a.analyse:
        analyse(a.analyse)
        return
    if a.code_idea:
        sets = sorted(a.sets.split(","), key=lambda s: -len(anomaly_data.load(s)[2]))
        with open(a.out, "w") as f, ProcessPoolExecutor(a.jobs) as pool:
            f.write(Path(a.code_idea).read_text())
            for lines in pool.map(code_idea_set, [(a.aekit, s, a.seeds, a.cache) for s in sets]):
                for line in lines:
                    f.write(json.dumps(line) + "\n")
                f.flush()
        analyse(a.out)
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
