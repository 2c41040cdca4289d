"""Text benchmarks: aekit's default text classifier vs scikit-learn's
TF-IDF + logistic regression on held-out texts, several seeds; and the
document autoencoder's codes vs TruncatedSVD codes of the same width.

usage: python bench/text.py DATADIR [AEKIT] [--seeds 3] [--sets a,b] [--no-autoencoder]
                            [extra text-train flags...]
(sets: fortunes, austen (where the defaults were chosen), fortunes_de,
fortunes_es (where they are judged); all four by default)
(DATADIR from bench/text_data.py; needs scikit-learn)
"""
import csv, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split


def read(path):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def write(path, texts, labels):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(zip(texts, labels))


def baseline(xtr, ytr, xte, yte):
    vec = TfidfVectorizer(sublinear_tf=True)
    clf = LogisticRegression(max_iter=2000, C=10.0)
    clf.fit(vec.fit_transform(xtr), ytr)
    return float(np.mean(clf.predict(vec.transform(xte)) == np.array(yte)))


def aekit_clf(aekit, d, seed, extra):
    model = d / "m.aekit"
    t = time.time()
    subprocess.run([aekit, "text", "train", str(d / "train.csv"), "--out", str(model),
                    "--seed", str(seed), "--quiet", *extra], check=True)
    secs = time.time() - t
    out = subprocess.run([aekit, "text", "predict", str(model), str(d / "test.csv"),
                          "--out", str(d / "p.csv"), "--json"], check=True,
                         capture_output=True, text=True)
    import json
    return json.loads(out.stdout)["accuracy"], secs


def codes_eval(z, y, ztest, ytest):
    zn = z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-9)
    sims = zn @ zn.T
    same = np.array(y)[:, None] == np.array(y)[None, :]
    np.fill_diagonal(same, False)
    off = ~np.eye(len(y), dtype=bool)
    intra, inter = sims[same].mean(), sims[off & ~same].mean()
    clf = LogisticRegression(max_iter=2000).fit(z, y)
    return intra, inter, float(np.mean(clf.predict(ztest) == np.array(ytest)))


def read_codes(path, k):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    return np.array([[float(v) for v in r[:k]] for r in rows])


def main():
    args = sys.argv[1:]
    data = Path(args[0])
    aekit = args[1] if len(args) > 1 and not args[1].startswith("--") else "target/release/aekit"
    seeds = 3
    extra = [a for a in args[2:] if a != aekit]
    if "--seeds" in extra:
        i = extra.index("--seeds")
        seeds = int(extra[i + 1])
        del extra[i:i + 2]
    sets = ["fortunes", "austen", "fortunes_de", "fortunes_es"]
    if "--sets" in extra:
        i = extra.index("--sets")
        sets = extra[i + 1].split(",")
        del extra[i:i + 2]
    autoencoder = "--no-autoencoder" not in extra
    extra = [a for a in extra if a != "--no-autoencoder"]
    for name in sets:
        texts, labels = read(data / f"{name}.csv")
        ours, base, secs = [], [], []
        for seed in range(seeds):
            xtr, xte, ytr, yte = train_test_split(texts, labels, test_size=0.2, random_state=seed, stratify=labels)
            with tempfile.TemporaryDirectory() as d:
                d = Path(d)
                write(d / "train.csv", xtr, ytr)
                write(d / "test.csv", xte, yte)
                acc, s = aekit_clf(aekit, d, seed, extra)
                ours.append(acc)
                secs.append(s)
                base.append(baseline(xtr, ytr, xte, yte))
        print(f"{name}: aekit text train {np.mean(ours):.4f} +- {np.std(ours):.4f} "
              f"({np.mean(secs):.1f} s) | TF-IDF + LR {np.mean(base):.4f} +- {np.std(base):.4f}", flush=True)
        if not autoencoder:
            continue
        # Document autoencoder, seed 0 split.
        xtr, xte, ytr, yte = train_test_split(texts, labels, test_size=0.2, random_state=0, stratify=labels)
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            write(d / "train.csv", xtr, ytr)
            write(d / "test.csv", xte, yte)
            t = time.time()
            subprocess.run([aekit, "text", "autoencoder", str(d / "train.csv"), "--out", str(d / "a.aekit"), "--quiet"], check=True)
            secs = time.time() - t
            for part in ("train", "test"):
                subprocess.run([aekit, "encode", str(d / "a.aekit"), str(d / f"{part}.csv"), "--out", str(d / f"{part}_z.csv")], check=True, capture_output=True)
            k = 64
            z, zt = read_codes(d / "train_z.csv", k), read_codes(d / "test_z.csv", k)
            ai, ae, alr = codes_eval(z, ytr, zt, yte)
            vec = TfidfVectorizer(sublinear_tf=True, min_df=2)
            svd = TruncatedSVD(k, random_state=0)
            s = svd.fit_transform(vec.fit_transform(xtr))
            st = svd.transform(vec.transform(xte))
            si, se, slr = codes_eval(s, ytr, st, yte)
        print(f"{name}: doc autoencoder ({secs:.1f} s) intra {ai:.3f} inter {ae:.3f} LR {alr:.4f} | "
              f"TruncatedSVD-{k} intra {si:.3f} inter {se:.3f} LR {slr:.4f}")


if __name__ == "__main__":
    main()
