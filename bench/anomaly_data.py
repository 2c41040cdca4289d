"""Public tabular anomaly-detection sets for bench/anomaly.py, built offline
with the usual ODDS / ADBench constructions: one or more rare (or
down-sampled) classes of a well-known classification set are the anomalies,
the rest are normal. Nothing here downloads anything; the data is not
committed, each builder makes its set from an installed package.

Install (once, as root; Debian 12 and PyPI only):

    apt-get update && apt-get install -y r-cran-mlbench
    pip install numpy pandas scikit-learn pyreadr pyod torch

`r-cran-mlbench` puts R data files (.rda) under
/usr/lib/R/site-library/mlbench/data/, read here with `pyreadr`;
scikit-learn's `load_*` sets ship inside the wheel (its `fetch_*` sets need
the internet and are not used).

Sets (rows, features, % anomalies as built):
  shuttle     mlbench Shuttle (58 000, 9 numeric). ODDS "shuttle": class
              Rad.Flow normal, the five smallest classes (Bypass, Fpv.Open,
              Fpv.Close, Bpv.Open, Bpv.Close) anomalies, class High dropped:
              49 097 x 9, 7.15 %.
  satellite   mlbench Satellite (Statlog Landsat, 6 435 x 36). ODDS
              "satellite": the three smallest classes (cotton crop, damp grey
              soil, vegetation stubble) anomalies: 6 435 x 36, 31.6 %.
  satimage-2  mlbench Satellite. ODDS "satimage-2": every class but cotton
              crop normal, 71 random cotton-crop rows anomalies:
              5 803 x 36, 1.22 %.
  ionosphere  mlbench Ionosphere (351 x 34). ODDS "ionosphere": class "bad"
              anomalies; the constant second column dropped: 351 x 33, 35.9 %.
  glass       mlbench Glass (214 x 9). ODDS "glass": type 6 (tableware)
              anomalies, the other types normal: 214 x 9, 4.2 %.
  pima        mlbench PimaIndiansDiabetes (768 x 8). ODDS "pima": diabetes
              "pos" anomalies: 768 x 8, 34.9 %.
  breastw     mlbench BreastCancer (Wisconsin original, 699 x 9 ordinal).
              ODDS "breastw": rows with a missing value and the Id dropped,
              malignant anomalies: 683 x 9, 35.0 %.
  wbc         scikit-learn load_breast_cancer (Wisconsin diagnostic,
              569 x 30). ODDS "wbc": benign normal, 21 random malignant rows
              anomalies: 378 x 30, 5.6 %.
  wine        scikit-learn load_wine (178 x 13; also data/wine.csv). ODDS
              "wine": classes 1 and 2 normal, 10 random class-0 wines
              anomalies: 129 x 13, 7.75 %.
  optdigits   scikit-learn load_digits (the 1 797-row 8x8 part of UCI
              optdigits; also data/digits.csv). ODDS "optdigits": digits 1-9
              normal, zeros down-sampled to ODDS's 2.9 %: 1 669 x 64 with
              50 zeros, 3.0 %.
  vowel       mlbench Vowel (Deterding's vowels, 990 x 10). ADBench-style
              down-sampling of one class: the other 10 vowels normal, 25
              random rows of "hud" anomalies; V1 (the speaker-group marker)
              dropped: 925 x 9, 2.7 %.

Random down-sampling uses a fixed seed (2026), so a set is the same file on
every run, as ODDS ships one file; the seeds of the benchmark vary the
60/40 split and the detectors.
"""
from pathlib import Path

import numpy as np

MLBENCH = Path("/usr/lib/R/site-library/mlbench/data")
BUILD_SEED = 2026


def _rda(name):
    import pyreadr
    path = MLBENCH / f"{name}.rda"
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: apt-get install r-cran-mlbench")
    return next(iter(pyreadr.read_r(str(path)).values()))


def _numeric(df):
    return df.apply(lambda c: c.astype(float)).to_numpy(dtype=float)


def _downsample(y, keep_normal, anomaly, n, rng):
    """Indices of every row in `keep_normal` plus `n` random rows of `anomaly`."""
    normal = np.where(keep_normal)[0]
    anomalies = rng.choice(np.where(anomaly)[0], n, replace=False)
    return np.sort(np.concatenate([normal, anomalies]))


def shuttle():
    df = _rda("Shuttle")
    cls = df["Class"].astype(str).to_numpy()
    keep = cls != "High"
    x = _numeric(df.drop(columns="Class"))[keep]
    y = (cls[keep] != "Rad.Flow").astype(int)
    return list(df.columns[:-1]), x, y


def _satellite():
    df = _rda("Satellite")
    return list(df.columns[:-1]), _numeric(df.drop(columns="classes")), df["classes"].astype(str).to_numpy()


def satellite():
    names, x, cls = _satellite()
    y = np.isin(cls, ["cotton crop", "damp grey soil", "vegetation stubble"]).astype(int)
    return names, x, y


def satimage2():
    names, x, cls = _satellite()
    idx = _downsample(cls, cls != "cotton crop", cls == "cotton crop", 71, np.random.default_rng(BUILD_SEED))
    return names, x[idx], (cls[idx] == "cotton crop").astype(int)


def ionosphere():
    df = _rda("Ionosphere").drop(columns="V2")
    y = (df["Class"].astype(str).to_numpy() == "bad").astype(int)
    df = df.drop(columns="Class")
    return list(df.columns), _numeric(df), y


def glass():
    df = _rda("Glass")
    y = (df["Type"].astype(str).to_numpy() == "6").astype(int)
    df = df.drop(columns="Type")
    return list(df.columns), _numeric(df), y


def pima():
    df = _rda("PimaIndiansDiabetes")
    y = (df["diabetes"].astype(str).to_numpy() == "pos").astype(int)
    df = df.drop(columns="diabetes")
    return list(df.columns), _numeric(df), y


def breastw():
    df = _rda("BreastCancer").drop(columns="Id").dropna()
    y = (df["Class"].astype(str).to_numpy() == "malignant").astype(int)
    df = df.drop(columns="Class")
    return list(df.columns), df.apply(lambda c: c.astype(str).astype(float)).to_numpy(), y


def wbc():
    from sklearn.datasets import load_breast_cancer
    d = load_breast_cancer()
    malignant = d.target == 0
    idx = _downsample(d.target, ~malignant, malignant, 21, np.random.default_rng(BUILD_SEED))
    return [str(n) for n in d.feature_names], d.data[idx], malignant[idx].astype(int)


def wine():
    from sklearn.datasets import load_wine
    d = load_wine()
    zero = d.target == 0
    idx = _downsample(d.target, ~zero, zero, 10, np.random.default_rng(BUILD_SEED))
    return [str(n) for n in d.feature_names], d.data[idx], zero[idx].astype(int)


def optdigits():
    from sklearn.datasets import load_digits
    d = load_digits()
    zero = d.target == 0
    idx = _downsample(d.target, ~zero, zero, 50, np.random.default_rng(BUILD_SEED))
    return [f"pixel_{i}" for i in range(64)], d.data[idx], zero[idx].astype(int)


def vowel():
    df = _rda("Vowel")
    cls = df["Class"].astype(str).to_numpy()
    x_df = df.drop(columns=["Class", "V1"])
    hud = cls == "hud"
    idx = _downsample(cls, ~hud, hud, 25, np.random.default_rng(BUILD_SEED))
    return list(x_df.columns), _numeric(x_df)[idx], hud[idx].astype(int)


SETS = {
    "shuttle": shuttle,
    "satellite": satellite,
    "satimage-2": satimage2,
    "ionosphere": ionosphere,
    "glass": glass,
    "pima": pima,
    "breastw": breastw,
    "wbc": wbc,
    "wine": wine,
    "optdigits": optdigits,
    "vowel": vowel,
}


def load(name):
    """(feature names, x as float64 rows, y with 1 = anomaly) of one set."""
    names, x, y = SETS[name]()
    names = [n.replace(",", "_").replace(" ", "_") for n in names]
    assert x.shape == (len(y), len(names)) and np.isfinite(x).all(), name
    return names, x, np.asarray(y, dtype=int)


if __name__ == "__main__":
    for name in SETS:
        names, x, y = load(name)
        print(f"{name:<11} {x.shape[0]:>6} rows {x.shape[1]:>3} features {100 * y.mean():5.2f} % anomalies")
