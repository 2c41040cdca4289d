#!/usr/bin/env python3
"""Screens member mixes for the detector default on every set (issue 32),
with PCA standing in for each linear autoencoder as bench/anomaly_ideas.py
does, then chooses leave-one-set-out.

    python3 bench/anomaly_mix.py [--seeds 3] [--sets a,b] [--out mix.jsonl]
    python3 bench/anomaly_mix.py --analyse mix.jsonl [--peers peers.jsonl]

Members (fitted on the robust-scaled training part of bench/anomaly.py's
split; a raw set as the peers get it, one-hot and median-imputed):
  ae      widths 1, 2, 4, ... d/2, each refitted without its 30 % worst
          rebuilt rows, MSE (today's autoencoders)
  hbos    10-bin per-feature histograms (today's width-0 member)
  knn     distance to the 5th nearest of up to 2 000 training rows
          (the training rows' own scores leave themselves out)
  iforest scikit-learn's IsolationForest (100 trees of 256 rows)
Mixes: `a+b` averages the members' z-scores (each standardised by its
training scores), every autoencoder width a member of its own; `[a+b]`
averages groups, the autoencoders' mean z one group; `w[...]` weighs each
group by max(0, Spearman correlation of its training scores with the mean
of the other groups' training scores), `c[...]` with the mean of all
groups (itself included), `cA+B` the same on members (each kind's weight
on each of its members: aekit's `--weighting agreeing-kinds`), `b[...]`
the autoencoders by the share of non-binary columns; labels unused.
One JSON line per (set, seed, mix) with ROC AUC and average precision.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parent))
import anomaly  # noqa: E402
import anomaly_data  # noqa: E402

EPS = 1e-12
KNN_K, KNN_REF = 5, 2000


def zs(tr, te):
    m, s = tr.mean(), tr.std() + EPS
    return (tr - m) / s, (te - m) / s


def pca_member(xtr, xte, k, trim=0.3):
    def fit(x):
        mu = x.mean(0)
        _, _, vt = np.linalg.svd(x - mu, full_matrices=False)
        return mu, vt[:k]

    def mse(x, mu, v):
        xc = x - mu
        return ((xc - xc @ v.T @ v) ** 2).mean(1)
    mu, v = fit(xtr)
    first = mse(xtr, mu, v)
    mu, v = fit(xtr[first <= np.quantile(first, 1 - trim)])
    return mse(xtr, mu, v), mse(xte, mu, v)


def hbos(xtr, xte, bins=10):
    n = len(xtr)
    lo, hi = xtr.min(0), xtr.max(0)
    out = []
    for x in (xtr, xte):
        s = np.zeros(len(x))
        for j in range(xtr.shape[1]):
            span = hi[j] - lo[j]
            def binof(v):
                if span <= 0:
                    return np.where(v == lo[j], 0, -1)
                b = np.floor((v - lo[j]) / span * bins).astype(int)
                b = np.where(v == hi[j], bins - 1, b)
                return np.where((v < lo[j]) | (v > hi[j]), -1, b)
            counts = np.bincount(binof(xtr[:, j]), minlength=bins)[:bins]
            nlp = -np.log((counts + 1) / (n + bins))
            b = binof(x[:, j])
            s += np.where(b >= 0, nlp[np.clip(b, 0, bins - 1)], -np.log(1 / (n + bins)))
        out.append(s)
    return out[0], out[1]


def knn(xtr, xte, seed):
    rng = np.random.default_rng(seed)
    ref_idx = np.arange(len(xtr)) if len(xtr) <= KNN_REF else np.sort(
        rng.choice(len(xtr), KNN_REF, replace=False))
    ref = xtr[ref_idx]
    rn = (ref ** 2).sum(1)

    def kth(x, self_idx=None):
        out = np.empty(len(x))
        for a in range(0, len(x), 1024):
            xb = x[a:a + 1024]
            d2 = np.maximum((xb ** 2).sum(1)[:, None] + rn[None, :] - 2 * xb @ ref.T, 0)
            if self_idx is not None:
                pos = np.searchsorted(ref_idx, self_idx[a:a + 1024])
                hit = (pos < len(ref_idx)) & (ref_idx[np.minimum(pos, len(ref_idx) - 1)] == self_idx[a:a + 1024])
                d2[np.where(hit)[0], pos[hit]] = np.inf
            out[a:a + 1024] = np.sqrt(np.partition(d2, KNN_K - 1, axis=1)[:, KNN_K - 1])
        return out
    return kth(xtr, np.arange(len(xtr))), kth(xte)


def iforest(xtr, xte, seed):
    from sklearn.ensemble import IsolationForest
    f = IsolationForest(random_state=seed).fit(xtr)
    return -f.score_samples(xtr), -f.score_samples(xte)


def members(xtr, xte, seed):
    c, s = anomaly.fit_scaler(xtr, "robust")
    a, b = (xtr - c) / s, (xte - c) / s
    out = {}
    out["ae"] = [zs(*pca_member(a, b, k)) for k in anomaly.widths_for("ens_pow2", a)]
    out["hbos"] = [zs(*hbos(a, b))]
    out["knn"] = [zs(*knn(a, b, seed))]
    out["iforest"] = [zs(*iforest(a, b, seed))]
    return out


def binary_share(xtr):
    return float(np.mean([len(np.unique(xtr[:, j])) <= 2 for j in range(xtr.shape[1])]))


def mix(m, spec, weighted, xtr):
    """Test scores of one mix: spec like 'ae+hbos' (members) or '[ae+hbos]'
    (groups)."""
    if spec.startswith("["):
        names = spec[1:-1].split("+")
        groups = []
        for n in names:
            tr = np.mean([t for t, _ in m[n]], 0)
            te = np.mean([t for _, t in m[n]], 0)
            groups.append((tr, te))
        w = np.ones(len(groups))
        if weighted in ("agree", "consensus"):
            # agree: against the other groups' mean; consensus: against all
            # groups' mean, itself included (a kind opposed to the rest)
            for i, (tr, _) in enumerate(groups):
                pool = [g[0] for j, g in enumerate(groups) if j != i or weighted == "consensus"]
                w[i] = max(0.0, spearmanr(tr, np.mean(pool, 0))[0])
        elif weighted == "binary" and "ae" in names:
            w[names.index("ae")] = 1 - binary_share(xtr)
        if w.sum() <= 0:
            w = np.ones(len(groups))
        return np.sum([wi * te for wi, (_, te) in zip(w, groups)], 0) / w.sum()
    if weighted == "consensus":
        # member spec, kinds weighed by consensus, each member in its kind
        # counted: the kinds' weights spread over their members
        names = spec.split("+")
        trs = {n: np.mean([t for t, _ in m[n]], 0) for n in names}
        allmean = np.mean([t for n in names for t, _ in m[n]], 0)
        w = {n: max(0.0, spearmanr(trs[n], allmean)[0]) for n in names}
        if sum(w.values()) <= 0:
            w = {n: 1.0 for n in names}
        num = sum(w[n] * te for n in names for _, te in m[n])
        return num / sum(w[n] * len(m[n]) for n in names)
    terms = [te for n in spec.split("+") for _, te in m[n]]
    return np.mean(terms, 0)


MIXES = [("ae+hbos", None), ("ae", None), ("hbos", None), ("knn", None), ("iforest", None),
         ("[ae+hbos]", None), ("ae+hbos+knn", None), ("[ae+hbos+knn]", None),
         ("[ae+hbos+knn]", "agree"), ("[ae+hbos+iforest]", None), ("[ae+hbos+iforest]", "agree"),
         ("[ae+hbos+knn+iforest]", None), ("[ae+hbos+knn+iforest]", "agree"),
         ("[ae+knn]", None), ("[ae+knn]", "agree"), ("[ae+hbos]", "binary"), ("[ae+hbos+knn]", "binary"),
         ("[ae+iforest]", None), ("[ae+hbos+knn]", "consensus"),
         ("[ae+hbos+knn+iforest]", "consensus"), ("[ae+hbos+iforest]", "consensus"),
         ("ae+hbos+knn", "consensus"), ("ae+hbos+iforest", None), ("ae+hbos+knn+iforest", None)]


def mix_name(spec, w):
    return {"agree": "w", "binary": "b", "consensus": "c"}.get(w, "") + spec


def run(sets, seeds, out):
    with open(out, "a") as f:
        for name in sets:
            for seed in range(1, seeds + 1):
                xtr, xte, _, yte, _ = anomaly.split_set(name, seed)
                cache = Path(f"/tmp/ab/members/{name}_{seed}.npz")
                if cache.exists():
                    z = np.load(cache)
                    m = {}
                    for key in z.files:
                        kind, i, part = key.split("__")
                        m.setdefault(kind, {}).setdefault(int(i), [None, None])[part == "te"] = z[key]
                    m = {k: [tuple(v[i]) for i in sorted(v)] for k, v in m.items()}
                else:
                    m = members(xtr, xte, seed)
                    cache.parent.mkdir(parents=True, exist_ok=True)
                    np.savez(cache, **{f"{k}__{i}__{p}": arr for k, v in m.items()
                                       for i, pair in enumerate(v) for p, arr in zip(("tr", "te"), pair)})
                for spec, w in MIXES:
                    auc, ap = anomaly.metrics(yte, mix(m, spec, w, xtr))
                    f.write(json.dumps({"dataset": name, "seed": seed, "recipe": mix_name(spec, w),
                                        "roc_auc": round(auc, 4), "average_precision": round(ap, 4)}) + "\n")
                f.flush()
            print(name, flush=True, file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--sets", default=",".join(anomaly_data.SETS))
    ap.add_argument("--out", default="anomaly_mix.jsonl")
    ap.add_argument("--analyse", metavar="JSONL")
    a = ap.parse_args()
    if a.analyse:
        import anomaly_select
        anomaly_select.analyse(a.analyse)
        return
    run(a.sets.split(","), a.seeds, a.out)


if __name__ == "__main__":
    main()
