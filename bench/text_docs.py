"""Document autoencoder codes vs TruncatedSVD codes of the same width
(issue 34): `aekit text autoencoder` (with the defaults, or each set of
candidate flags) then `aekit encode` on the training and test texts, a
logistic regression on the codes; against scikit-learn's TruncatedSVD of
the same width W over the TF-IDF bag the autoencoder sees (the same
tokens: lower-cased words, `--ngrams` / `--char-ngrams` as given, in at
least `--min-count` texts, at most `--max-vocab`, sublinear tf, each
block L2-normalised) and the same logistic regression.

The logistic regression (both sides): the codes scaled by one factor to
a mean row norm of 1 on the training rows (the columns keep their
relative spread, which SVD's ranking of components needs), C from 0.1,
1, 10, ..., 100 000 picked by 3-fold stratified cross-validation on the
training rows, refit on all of them, judged on the test rows. Stratified
80/20 splits, seeds 0.. (those of bench/text.py); the autoencoder's seed
is the split's.

usage: python bench/text_docs.py DATADIR [AEKIT] [--seeds 3] [--sets a,b]
                                 [--candidates 'flags|flags|...'] [--no-svd]
--candidates: also run each set of `aekit text autoencoder` flags (the
default is candidate 0) and print the leave-one-set-out choice: for each
set, the candidate with the best mean margin over SVD on the other sets,
judged on the held-out one.
(sets: fortunes, austen, fortunes_de, fortunes_es; DATADIR from
bench/text_data.py; needs scikit-learn)
"""
import csv, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import FeatureUnion

from text import read, write  # the same CSV of text,label as the classifier bench

# Words as aekit's UAX #29 tokens keep them: apostrophes inside a word
# stay in it ("don't"), one-letter words count.
WORD = r"(?u)\b\w+(?:['\u2019]\w+)*\b"
C_GRID = [0.1, 1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0]


def flag(flags, name, default):
    return flags[flags.index(name) + 1] if name in flags else default


def spec(flags):
    """The bag and width the flags give the autoencoder (its defaults otherwise)."""
    chars = flag(flags, "--char-ngrams", "none")
    return (int(flag(flags, "--bottleneck", 64)), int(flag(flags, "--min-count", 2)),
            int(flag(flags, "--max-vocab", 20000)), int(flag(flags, "--ngrams", 1)), chars)


def bag(s):
    _, min_count, max_vocab, ngrams, chars = s
    words = TfidfVectorizer(sublinear_tf=True, min_df=min_count, max_features=max_vocab,
                            token_pattern=WORD, ngram_range=(1, ngrams))
    if chars == "none":
        return words
    lo, hi = (int(v) for v in chars.split("-"))
    return FeatureUnion([("words", words),
                         ("chars", TfidfVectorizer(sublinear_tf=True, min_df=min_count, max_features=max_vocab,
                                                   analyzer="char_wb", ngram_range=(lo, hi)))])


def logistic(z, y, zt, yt, seed):
    """Test accuracy of a logistic regression on codes scaled to a mean row
    norm of 1 (one factor for all columns, from the training rows), C by
    3-fold CV on the training rows."""
    scale = max(float(np.mean(np.linalg.norm(z, axis=1))), 1e-12)
    search = GridSearchCV(LogisticRegression(max_iter=500, tol=1e-3), {"C": C_GRID},
                          cv=StratifiedKFold(3, shuffle=True, random_state=seed))
    search.fit(z / scale, y)
    return float(np.mean(search.predict(zt / scale) == np.array(yt))), f"{search.best_params_['C']:g}"


def read_codes(path):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.reader(f))
    cols = [i for i, h in enumerate(rows[0]) if h.startswith("z") and h[1:].isdigit()]
    return np.array([[float(r[i]) for i in cols] for r in rows[1:]])


def autoencoder(aekit, d, seed, flags):
    t = time.time()
    subprocess.run([aekit, "text", "autoencoder", str(d / "train.csv"), "--out", str(d / "a.aekit"),
                    "--seed", str(seed), "--quiet", *flags], check=True)
    secs = time.time() - t
    for part in ("train", "test"):
        subprocess.run([aekit, "encode", str(d / "a.aekit"), str(d / f"{part}.csv"),
                        "--out", str(d / f"{part}_z.csv")], check=True, capture_output=True)
    return read_codes(d / "train_z.csv"), read_codes(d / "test_z.csv"), secs


def svd(xtr, xte, s, seed):
    t = time.time()
    vec = bag(s)
    x = vec.fit_transform(xtr)
    m = TruncatedSVD(s[0], random_state=seed)
    z = m.fit_transform(x)
    return z, m.transform(vec.transform(xte)), time.time() - t, x.shape[1]


def main():
    args = sys.argv[1:]
    data = Path(args[0])
    aekit = args[1] if len(args) > 1 and not args[1].startswith("--") else "target/release/aekit"
    rest = [a for a in args[1:] if a != aekit]

    def option(name, default):
        if name in rest:
            i = rest.index(name)
            v = rest[i + 1]
            del rest[i:i + 2]
            return v
        return default

    seeds = int(option("--seeds", 3))
    sets = option("--sets", "fortunes,austen,fortunes_de,fortunes_es").split(",")
    candidates = [[]] + [c.split() for c in option("--candidates", "").split("|") if c.strip()]
    run_svd = "--no-svd" not in rest
    ms = lambda v: f"{np.mean(v):.4f} +- {np.std(v):.4f}"
    margin = {}  # (set, candidate) -> mean (AE - SVD)
    for name in sets:
        texts, labels = read(data / f"{name}.csv")
        ae = [[] for _ in candidates]
        secs = [[] for _ in candidates]
        cs = [[] for _ in candidates]
        peer = {}  # spec -> [(acc, secs, C, features)]
        for seed in range(seeds):
            xtr, xte, ytr, yte = train_test_split(texts, labels, test_size=0.2, random_state=seed, stratify=labels)
            with tempfile.TemporaryDirectory() as d:
                d = Path(d)
                write(d / "train.csv", xtr, ytr)
                write(d / "test.csv", xte, yte)
                for j, flags in enumerate(candidates):
                    z, zt, s = autoencoder(aekit, d, seed, flags)
                    acc, c = logistic(z, ytr, zt, yte, seed)
                    ae[j].append(acc)
                    secs[j].append(s)
                    cs[j].append(c)
                    print(f"  {name} seed {seed} [{' '.join(flags) or 'default'}] W {z.shape[1]}: "
                          f"{acc:.4f} (C {c}, {s:.1f} s)", flush=True)
            for s in {spec(f) for f in candidates} if run_svd else []:
                z, zt, t, nf = svd(xtr, xte, s, seed)
                acc, c = logistic(z, ytr, zt, yte, seed)
                peer.setdefault(s, []).append((acc, t, c, nf))
                print(f"  {name} seed {seed} TruncatedSVD-{s[0]} over {nf} features {s[1:]}: {acc:.4f} (C {c}, {t:.1f} s)",
                      flush=True)
        for j, flags in enumerate(candidates):
            line = (f"{name}: aekit text autoencoder {' '.join(flags) or '(default)'}: {ms(ae[j])} "
                    f"({np.mean(secs[j]):.1f} s; C {', '.join(cs[j])})")
            if run_svd:
                acc, t, c, nf = zip(*peer[spec(flags)])
                margin[name, j] = np.mean(ae[j]) - np.mean(acc)
                line += f" | TruncatedSVD-{spec(flags)[0]} ({nf[0]} features): {ms(acc)} ({np.mean(t):.1f} s) | margin {margin[name, j]:+.4f}"
            print(line, flush=True)
    if run_svd and len(candidates) > 1 and len(sets) > 1:
        print("leave one set out (candidate with the best mean margin over SVD on the other sets -> held-out margin):")
        for name in sets:
            others = [np.mean([margin[o, j] for o in sets if o != name]) for j in range(len(candidates))]
            j = int(np.argmax(others))
            print(f"  {name}: candidate {j} ({' '.join(candidates[j]) or 'default'}) -> {margin[name, j]:+.4f}")


if __name__ == "__main__":
    main()
