"""Text benchmarks: aekit's default text classifier vs scikit-learn's
LinearSVC and LogisticRegression over the same features (a FeatureUnion
of word and char_wb 3-5 TF-IDF blocks, sublinear tf, min_df 2, each block
L2-normalised, as aekit's bag) on held-out texts, several seeds; and the
document autoencoder's codes vs TruncatedSVD codes of the same width.

The peers' C is chosen as aekit's: the best accuracy on a seeded 10 %
split of the training rows, then a refit on all of them; the best C on
the test rows (an oracle) is printed beside it.

usage: python bench/text.py DATADIR [AEKIT] [--seeds 3] [--sets a,b] [--no-autoencoder]
                            [--candidates 'flags|flags|...'] [--peers LinearSVC,LR]
                            [extra text-train flags...]
--candidates: also run `aekit text train` with each set of flags (the
default is candidate 0) and print the leave-one-set-out choice: for each
set, the candidate with the best mean accuracy on the other sets, judged
on the held-out one.
(sets: fortunes, austen, fortunes_de, fortunes_es; all four by default)
(DATADIR from bench/text_data.py; needs scikit-learn)
"""
import csv, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

SVC_GRID = [0.03, 0.1, 0.3, 1.0, 3.0]
LR_GRID = [1.0, 3.0, 10.0, 30.0, 100.0]


def read(path):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def write(path, texts, labels):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(zip(texts, labels))


def features():
    # aekit's default bag: words (1-letter ones too, as UAX #29 keeps them)
    # and char_wb 3-5-grams, each seen in two texts, blocks apart.
    return FeatureUnion([
        ("words", TfidfVectorizer(sublinear_tf=True, min_df=2, token_pattern=r"(?u)\b\w+\b")),
        ("chars", TfidfVectorizer(sublinear_tf=True, min_df=2, analyzer="char_wb", ngram_range=(3, 5))),
    ])


def peers(xtr, ytr, xte, yte, seed, names):
    """{name: (accuracy with C chosen on a 10 % split, C, seconds, oracle accuracy, oracle C)}."""
    out = {}
    xa, xv, ya, yv = train_test_split(xtr, ytr, test_size=0.1, random_state=seed, stratify=ytr)
    for name, make, grid in (("LinearSVC", lambda c: LinearSVC(C=c), SVC_GRID),
                             ("LR", lambda c: LogisticRegression(C=c, max_iter=2000), LR_GRID)):
        if name not in names:
            continue
        t = time.time()
        vec = features()
        xa_, xv_ = vec.fit_transform(xa), vec.transform(xv)
        val = [np.mean(make(c).fit(xa_, ya).predict(xv_) == np.array(yv)) for c in grid]
        c = grid[int(np.argmax(val))]
        vec = features()
        x = vec.fit_transform(xtr)
        clf = make(c).fit(x, ytr)
        secs = time.time() - t
        xt = vec.transform(xte)
        acc = float(np.mean(clf.predict(xt) == np.array(yte)))
        test = [acc if g == c else float(np.mean(make(g).fit(x, ytr).predict(xt) == np.array(yte))) for g in grid]
        out[name] = (acc, c, secs, max(test), grid[int(np.argmax(test))])
    return out


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
    candidates = [[]]
    if "--candidates" in extra:
        i = extra.index("--candidates")
        candidates += [c.split() for c in extra[i + 1].split("|")]
        del extra[i:i + 2]
    names = ["LinearSVC", "LR"]
    if "--peers" in extra:
        i = extra.index("--peers")
        names = extra[i + 1].split(",")
        del extra[i:i + 2]
    autoencoder = "--no-autoencoder" not in extra
    extra = [a for a in extra if a != "--no-autoencoder"]
    ms = lambda v: f"{np.mean(v):.4f} +- {np.std(v):.4f}"
    table = {}
    for name in sets:
        texts, labels = read(data / f"{name}.csv")
        ours = [[] for _ in candidates]
        secs = [[] for _ in candidates]
        peer = {}
        for seed in range(seeds):
            xtr, xte, ytr, yte = train_test_split(texts, labels, test_size=0.2, random_state=seed, stratify=labels)
            with tempfile.TemporaryDirectory() as d:
                d = Path(d)
                write(d / "train.csv", xtr, ytr)
                write(d / "test.csv", xte, yte)
                for j, flags in enumerate(candidates):
                    acc, s = aekit_clf(aekit, d, seed, extra + flags)
                    ours[j].append(acc)
                    secs[j].append(s)
            for k, v in peers(xtr, ytr, xte, yte, seed, names).items():
                peer.setdefault(k, []).append(v)
        table[name] = [np.mean(o) for o in ours]
        for j, flags in enumerate(candidates):
            print(f"{name}: aekit text train {' '.join(extra + flags) or '(default)'}: "
                  f"{ms(ours[j])} ({np.mean(secs[j]):.1f} s)", flush=True)
        for k, v in peer.items():
            acc, c, t, oracle, oc = zip(*v)
            print(f"{name}: {k} (C on the split: {', '.join(f'{x:g}' for x in c)}): {ms(acc)} "
                  f"({np.mean(t):.1f} s) | C on the test rows ({', '.join(f'{x:g}' for x in oc)}): {ms(oracle)}",
                  flush=True)
    if len(candidates) > 1 and len(sets) > 1:
        print("leave one set out (candidate chosen on the other sets -> its accuracy on the held-out set):")
        for name in sets:
            others = [np.mean([table[o][j] for o in sets if o != name]) for j in range(len(candidates))]
            j = int(np.argmax(others))
            print(f"  {name}: candidate {j} ({' '.join(candidates[j]) or 'default'}) -> {table[name][j]:.4f}")
    for name in sets if autoencoder else []:
        texts, labels = read(data / f"{name}.csv")
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
