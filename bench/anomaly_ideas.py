#!/usr/bin/env python3
"""More anomaly-score ideas for issue 14, screened quickly with PCA.

    python3 bench/anomaly_ideas.py [--seeds 3]

aekit's default detector averages linear autoencoders of code widths 1, 2,
4, ... d/2, each refitted without its 30 % worst-rebuilt training rows,
scores z-normalised by the member's training scores (bench/anomaly_select.py).
A linear autoencoder trained to convergence spans the principal subspace,
so PCA of the same width stands in for each member here: the emulation
("default") lands within 0.01 of aekit's mean ROC AUC, in seconds instead
of minutes, which is what screening ideas needs. An idea that wins here
is then to be run through aekit itself (bench/anomaly_select.py).

Ideas (bench/anomaly.py's sets, split and metrics):
  scaling   minmax (range of the training part), quantile (scikit-learn's
            QuantileTransformer to a normal)
  residual  rmaha: the residual in the minor directions whitened by
            their training variance (floored at 0.3 x their mean), the
            Mahalanobis-like weighting of PyOD's PCA, kept per member
  tail      per feature, -log of the share of training |residuals| at
            least as large, summed (ECOD's tail probabilities, on residuals)
  hybrid    the default averaged with ECOD-style tails of the raw
            features (not reconstruction: how far a default of the other
            kind would go)
"""
import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import anomaly  # noqa: E402
import anomaly_data  # noqa: E402

EPS = 1e-12


def z(tr, te):
    """Test scores z-normalised by the training scores."""
    return (te - tr.mean()) / (tr.std() + EPS)


def pca(x):
    mu = x.mean(0)
    _, s, vt = np.linalg.svd(x - mu, full_matrices=False)
    return mu, vt, s ** 2 / len(x)


def residual(x, mu, vt, k):
    xc = x - mu
    return xc - xc @ vt[:k].T @ vt[:k]


def tails(rtr, rte):
    atr, ate = np.abs(rtr), np.abs(rte)
    n = len(atr)
    out_tr, out_te = np.zeros(n), np.zeros(len(ate))
    for j in range(atr.shape[1]):
        srt = np.sort(atr[:, j])
        for a, out in ((atr, out_tr), (ate, out_te)):
            at_least = n - np.searchsorted(srt, a[:, j], side="left")
            out += -np.log((at_least + 1) / (n + 1))
    return out_tr, out_te


def member(xtr, xte, k, score, trim=0.3):
    mu, vt, ev = pca(xtr)
    first = (residual(xtr, mu, vt, k) ** 2).mean(1)
    mu, vt, ev = pca(xtr[first <= np.quantile(first, 1 - trim)])
    rtr, rte = residual(xtr, mu, vt, k), residual(xte, mu, vt, k)
    if score == "mse":
        return (rtr ** 2).mean(1), (rte ** 2).mean(1)
    if score == "rmaha":
        w, v = vt[k:], ev[k:] + 1e-6 * ev.sum() + 0.3 * ev[k:].mean()
        return ((rtr @ w.T) ** 2 / v).mean(1), ((rte @ w.T) ** 2 / v).mean(1)
    if score == "tail":
        return tails(rtr, rte)
    raise ValueError(score)


def scale(xtr, xte, kind):
    if kind == "minmax":
        lo, hi = xtr.min(0), xtr.max(0)
        span = np.where(hi > lo, hi - lo, 1.0)
        return (xtr - lo) / span, (xte - lo) / span
    if kind == "quantile":
        from sklearn.preprocessing import QuantileTransformer
        q = QuantileTransformer(n_quantiles=min(1000, len(xtr)), output_distribution="normal",
                                random_state=0).fit(xtr)
        return q.transform(xtr), q.transform(xte)
    c, s = anomaly.fit_scaler(xtr, kind)
    return (xtr - c) / s, (xte - c) / s


def ensemble(xtr, xte, kind="robust", score="mse"):
    a, b = scale(xtr, xte, kind)
    widths = anomaly.widths_for("ens_pow2", a)
    return np.mean([z(*member(a, b, k, score)) for k in widths], 0)


def ecod_like(xtr, xte):
    m = np.median(xtr, 0)
    return z(*tails(xtr - m, xte - m))


IDEAS = {
    "default": lambda a, b: ensemble(a, b),
    "minmax": lambda a, b: ensemble(a, b, kind="minmax"),
    "quantile": lambda a, b: ensemble(a, b, kind="quantile"),
    "rmaha": lambda a, b: ensemble(a, b, score="rmaha"),
    "tail": lambda a, b: ensemble(a, b, score="tail"),
    "def+rmaha": lambda a, b: (ensemble(a, b) + ensemble(a, b, score="rmaha")) / 2,
    "hybrid": lambda a, b: (ensemble(a, b) + ecod_like(a, b)) / 2,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    a = ap.parse_args()
    names = list(IDEAS)
    means = {n: [] for n in names}
    print("set".ljust(11), *[n.rjust(9) for n in names])
    for s in anomaly_data.SETS:
        _, x, y = anomaly_data.load(s)
        x = np.asarray(x, float)
        row = {n: [] for n in names}
        for seed in range(1, a.seeds + 1):
            xtr, xte, _, yte = anomaly.split(x, y, seed)
            for n in names:
                row[n].append(roc_auc_score(yte, IDEAS[n](xtr, xte)))
        for n in names:
            means[n].append(np.mean(row[n]))
        print(s.ljust(11), *[f"{np.mean(row[n]):9.3f}" for n in names], flush=True)
    print("mean".ljust(11), *[f"{np.mean(means[n]):9.3f}" for n in names])


if __name__ == "__main__":
    main()
