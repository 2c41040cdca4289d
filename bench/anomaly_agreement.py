#!/usr/bin/env python3
"""Can the ensemble tell, from its training rows alone, which member ranks
worse than chance? (issue 32: musk and zoo, the two public sets below 0.5.)

    python3 bench/anomaly_agreement.py [--aekit PATH] [--sets musk,zoo] [--seeds 3]
    python3 bench/anomaly_agreement.py --screen screen.jsonl [--cache DIR]   # every set

Per set and seed (bench/anomaly.py's split), every member of the default
is fitted on the training part: each autoencoder width end to end with
`aekit detect --widths W --histogram-bins 0 --neighbours 0` (one member,
its raw score), the histograms and neighbours as bench/anomaly_mix.py
emulates them, and one member the default does not have: "angles", the
neighbour member on rows divided by their length (the 5th nearest cosine
distance of the robust-scaled row), and "shrunk", the neighbour member on
rows whose length r is replaced by log(1 + r). Printed per member: the test ROC AUC
(labels used only here), the Spearman correlation of its training scores
with the consensus (the mean z over the default's members; what
`--weighting agreeing-kinds` weighs by) and the skewness of its training
scores; then mixes of the members' z-scores (standardised by training).

--screen: the same mixes on every set of bench/anomaly_data.py, PCA
standing in for each autoencoder width as in bench/anomaly_mix.py (whose
member cache, --cache, it reads and fills), the kinds' weights equal or,
`agree`, each kind's max(0, Spearman correlation of its mean training z
with the mean over all members) as `--weighting agreeing-kinds` weighs,
or the maximum over the kinds (`max z`, or `max rank`: of each kind's
share of training scores below the row's, PyOD's maximization);
one JSON line per (set, seed, mix), then bench/anomaly_select.py's
leave-one-set-out over the mixes.
Needs what bench/anomaly.py needs (see bench/anomaly_data.py).
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
from scipy.stats import skew, spearmanr
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import anomaly  # noqa: E402
import anomaly_data  # noqa: E402
import anomaly_mix as mx  # noqa: E402


def aekit_member(exe, tr, te, seed, width, tmp):
    """Training and test scores of one autoencoder member, end to end."""
    model, out = os.path.join(tmp, "m.aekit"), os.path.join(tmp, "s.csv")
    subprocess.run([exe, "detect", tr, "--seed", str(seed), "--threads", "1", "--quiet",
                    "--widths", str(width), "--histogram-bins", "0", "--neighbours", "0",
                    "--out", model], check=True, stdout=subprocess.DEVNULL)
    scores = []
    for path in (tr, te):
        subprocess.run([exe, "score", model, path, "--threads", "1", "--quiet", "--out", out],
                       check=True, stdout=subprocess.DEVNULL)
        with open(out, newline="") as f:
            r = csv.reader(f)
            col = next(r).index("score")
            scores.append(np.array([float(row[col]) for row in r]))
    return scores[0], scores[1]


def unit_rows(x):
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return np.where(n > 0, x / np.where(n > 0, n, 1.0), 0.0)


def shrunk_rows(x):
    """Each row's length r replaced by log(1 + r), its direction kept."""
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return unit_rows(x) * np.log1p(n)


def members(exe, name, seed):
    xtr, xte, _, yte, raw = anomaly.split_set(name, seed)
    c, s = anomaly.fit_scaler(xtr, "robust")
    a, b = (xtr - c) / s, (xte - c) / s
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tr, te = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
        if raw is not None:
            for path, df in zip((tr, te), raw):
                Path(path).write_text(anomaly_data.raw_csv(df))
        else:
            anomaly.write_csv(tr, xtr)
            anomaly.write_csv(te, xte)
        for w in anomaly.widths_for("ens_pow2", a):
            out[f"ae{w}"] = mx.zs(*aekit_member(exe, tr, te, seed, w, tmp))
    out["hbos"] = mx.zs(*mx.hbos(a, b))
    out["knn"] = mx.zs(*mx.knn(a, b, seed))
    out["angles"] = mx.zs(*mx.knn(unit_rows(a), unit_rows(b), seed))
    out["shrunk"] = mx.zs(*mx.knn(shrunk_rows(a), shrunk_rows(b), seed))
    return out, yte


def cached_members(name, seed, xtr, xte, cache):
    """bench/anomaly_mix.py's members ({kind: [(train z, test z)]}), read
    from or written to `cache`."""
    path = Path(cache) / f"{name}_{seed}.npz" if cache else None
    if path is not None and path.exists():
        z = np.load(path)
        m = {}
        for key in z.files:
            kind, i, part = key.split("__")
            m.setdefault(kind, {}).setdefault(int(i), [None, None])[part == "te"] = z[key]
        return {k: [tuple(v[i]) for i in sorted(v)] for k, v in m.items()}
    m = mx.members(xtr, xte, seed)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **{f"{k}__{i}__{p}": arr for k, v in m.items()
                          for i, pair in enumerate(v) for p, arr in zip(("tr", "te"), pair)})
    return m


SCREEN = [("members:ae+hbos+knn", None), ("members:ae+hbos+knn+angles", None),
          ("members:ae+hbos+shrunk", None),
          ("kinds:ae+hbos+knn", None), ("kinds:ae+hbos+knn+angles", None),
          ("kinds:ae+hbos+knn", "agree"), ("kinds:ae+hbos+knn+angles", "agree"),
          ("kinds:ae+hbos+angles", None), ("kinds:ae+hbos+knn+angles", "max z"),
          ("kinds:ae+hbos+knn+angles", "max rank")]


def training_rank(tr, x):
    """The share of training scores at or below each of `x`."""
    return np.searchsorted(np.sort(tr), x, side="right") / len(tr)


def screen(out, seeds, cache):
    with open(out, "a") as f:
        for name in anomaly_data.SETS:
            for seed in range(1, seeds + 1):
                xtr, xte, _, yte, _ = anomaly.split_set(name, seed)
                m = cached_members(name, seed, xtr, xte, cache)
                c, s = anomaly.fit_scaler(xtr, "robust")
                a, b = (xtr - c) / s, (xte - c) / s
                m["angles"] = [mx.zs(*mx.knn(unit_rows(a), unit_rows(b), seed))]
                m["shrunk"] = [mx.zs(*mx.knn(shrunk_rows(a), shrunk_rows(b), seed))]
                for spec, weighted in SCREEN:
                    how, names = spec.split(":")
                    names = names.split("+")
                    if how == "members":
                        te = np.mean([t for n in names for _, t in m[n]], 0)
                    else:
                        groups = [(np.mean([t for t, _ in m[n]], 0), np.mean([t for _, t in m[n]], 0))
                                  for n in names]
                        w = np.ones(len(groups))
                        if weighted == "max z":
                            te = np.max([t for _, t in groups], 0)
                        elif weighted == "max rank":
                            te = np.max([training_rank(tr, t) for tr, t in groups], 0)
                        if weighted == "agree":
                            allm = np.mean([t for n in names for t, _ in m[n]], 0)
                            w = np.array([max(0.0, spearmanr(tr, allm)[0]) for tr, _ in groups])
                            w = w if w.sum() > 0 else np.ones(len(groups))
                        if not (weighted or "").startswith("max"):
                            te = np.sum([wi * t for wi, (_, t) in zip(w, groups)], 0) / w.sum()
                    auc, ap = anomaly.metrics(yte, te)
                    f.write(json.dumps({"dataset": name, "seed": seed,
                                        "recipe": spec + (f" {weighted}" if weighted else ""),
                                        "roc_auc": round(auc, 4), "average_precision": round(ap, 4)}) + "\n")
                f.flush()
            print(name, file=sys.stderr, flush=True)
    loso(out)


def loso(path):
    """Leave-one-set-out over the mixes, as bench/anomaly_select.py judges:
    each set scored by the mix with the best mean ROC AUC on the others."""
    rows = [json.loads(line) for line in open(path) if line.strip()]
    sets = list(dict.fromkeys(r["dataset"] for r in rows))
    mixes = list(dict.fromkeys(r["recipe"] for r in rows))

    def mean(s, rc, key):
        return np.mean([r[key] for r in rows if r["dataset"] == s and r["recipe"] == rc])
    auc = {(s, rc): mean(s, rc, "roc_auc") for s in sets for rc in mixes}
    ap = {(s, rc): mean(s, rc, "average_precision") for s in sets for rc in mixes}
    print(f"{'mix':<34} {'mean AUC':>8} {'mean AP':>8}  lowest set")
    for rc in mixes:
        low = min(sets, key=lambda s: auc[s, rc])
        print(f"{rc:<34} {np.mean([auc[s, rc] for s in sets]):8.4f} "
              f"{np.mean([ap[s, rc] for s in sets]):8.4f}  {low} {auc[low, rc]:.3f}")
    held, chosen = [], {}
    for s in sets:
        best = max(mixes, key=lambda rc: np.mean([auc[o, rc] for o in sets if o != s]))
        chosen[best] = chosen.get(best, 0) + 1
        held.append((auc[s, best], ap[s, best]))
    held = np.array(held)
    print(f"leave-one-set-out: held-out mean AUC {held[:, 0].mean():.4f} (AP {held[:, 1].mean():.4f}); "
          f"chosen: {chosen}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--aekit", default=str(anomaly.ROOT / "target" / "release" / "aekit"))
    ap.add_argument("--sets", default="musk,zoo")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--screen", metavar="JSONL")
    ap.add_argument("--cache", metavar="DIR", help="bench/anomaly_mix.py's member cache")
    a = ap.parse_args()
    if a.screen:
        screen(a.screen, a.seeds, a.cache)
        return
    for name in a.sets.split(","):
        per, mixes = {}, {}
        for seed in range(1, a.seeds + 1):
            m, yte = members(a.aekit, name, seed)
            ae = [k for k in m if k.startswith("ae")]
            default = ae + ["hbos", "knn"]
            consensus = np.mean([m[k][0] for k in default], 0)
            for k, (tr, te) in m.items():
                per.setdefault(k, []).append((roc_auc_score(yte, te),
                                              spearmanr(tr, consensus)[0], skew(tr)))

            def mix(weights):
                te = sum(w * m[k][1] for k, w in weights.items())
                return roc_auc_score(yte, te / sum(weights.values()))
            kinds = {k: 1 / len(ae) for k in ae}

            def agree(groups):
                """Each kind's members weighted by max(0, Spearman correlation
                of the kind's mean training z with the mean over all members)."""
                allm = np.mean([m[k][0] for g in groups for k in g], 0)
                w = {}
                for g in groups:
                    rho = max(0.0, spearmanr(np.mean([m[k][0] for k in g], 0), allm)[0])
                    w.update({k: rho / len(g) for k in g})
                return w if sum(w.values()) > 0 else {k: 1 / len(g) for g in groups for k in g}
            for label, w in [("default (members equal)", {k: 1 for k in default}),
                             ("default + angles (members equal)", {k: 1 for k in default + ["angles"]}),
                             ("kinds equal: ae, hbos, knn", {**kinds, "hbos": 1, "knn": 1}),
                             ("kinds equal: ae, hbos, knn, angles",
                              {**kinds, "hbos": 1, "knn": 1, "angles": 1}),
                             ("kinds agreeing: ae, hbos, knn", agree([ae, ["hbos"], ["knn"]])),
                             ("kinds agreeing: ae, hbos, knn, angles",
                              agree([ae, ["hbos"], ["knn"], ["angles"]])),
                             ("neighbours on shrunk rows instead", {k: 1 for k in ae + ["hbos", "shrunk"]}),
                             ("angles alone", {"angles": 1})]:
                mixes.setdefault(label, []).append(mix(w))
        print(f"\n{name} ({a.seeds} seeds): member, test ROC AUC, training Spearman with "
              "the consensus, training skewness (means; per seed in brackets)")
        for k, v in per.items():
            v = np.array(v)
            print(f"  {k:8s} {v[:, 0].mean():.3f} ({' '.join(f'{x:.2f}' for x in v[:, 0])})"
                  f"  rho {v[:, 1].mean():+.2f} ({' '.join(f'{x:+.2f}' for x in v[:, 1])})"
                  f"  skew {v[:, 2].mean():.1f}")
        for label, v in mixes.items():
            print(f"  {label:38s} {np.mean(v):.3f} ({' '.join(f'{x:.2f}' for x in v)})")


if __name__ == "__main__":
    main()
