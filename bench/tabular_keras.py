#!/usr/bin/env python3
"""The seed tutorial's Keras code on the sets of bench/tabular_defaults.py
(same splits, same recipe, same judge: scikit-learn's LogisticRegression()
on the codes), seeds 1-5 through `keras.utils.set_random_seed`: the peer
aekit's figures are set beside.

    KERAS_BACKEND=torch python3 bench/tabular_keras.py [--sets clf,wine] [--jsonl out.jsonl]

Needs `pip install keras torch` (Keras 3 on PyTorch's CPU backend; the
tutorial used TensorFlow's, whose layers and defaults are the same).
"""
import argparse
import json
import os
import statistics
import sys
import time
import warnings

os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
import torch  # noqa: E402
from keras import layers  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

from tabular_defaults import load, sklearn_lr  # noqa: E402


def tutorial_encoder(x_train, x_test, seed):
    keras.utils.set_random_seed(seed)
    d = x_train.shape[1]
    visible = keras.Input(shape=(d,))
    e = visible
    for width in (2 * d, d):
        e = layers.LeakyReLU()(layers.BatchNormalization()(layers.Dense(width)(e)))
    bottleneck = layers.Dense(max(1, round(d / 2)))(e)
    h = bottleneck
    for width in (d, 2 * d):
        h = layers.LeakyReLU()(layers.BatchNormalization()(layers.Dense(width)(h)))
    output = layers.Dense(d, activation="linear")(h)
    model = keras.Model(inputs=visible, outputs=output)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x_train, x_train, epochs=200, batch_size=16, verbose=0,
              validation_data=(x_test, x_test))
    return keras.Model(inputs=visible, outputs=bottleneck)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="clf,breast_cancer,wine,digits,sonar,ionosphere,vehicle")
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--jsonl")
    a = ap.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    out = open(a.jsonl, "a") if a.jsonl else None
    for name in a.sets.split(","):
        train, test = load(name)
        scaler = MinMaxScaler().fit(train.drop(columns="label"))
        xtr = scaler.transform(train.drop(columns="label")).astype("float32")
        xte = scaler.transform(test.drop(columns="label")).astype("float32")
        accs, secs = [], []
        for seed in [int(s) for s in a.seeds.split(",")]:
            t0 = time.perf_counter()
            encoder = tutorial_encoder(xtr, xte, seed)
            secs.append(time.perf_counter() - t0)
            ztr = encoder.predict(xtr, verbose=0)
            zte = encoder.predict(xte, verbose=0)
            accs.append(sklearn_lr(ztr, train["label"], zte, test["label"]))
            print(f"{name} seed {seed}: {accs[-1]:.4f} ({secs[-1]:.0f}s)", flush=True)
        print(f"{name:>14}  keras {statistics.median(accs):.4f} "
              f"[{min(accs):.4f}-{max(accs):.4f}] {accs}  {statistics.mean(secs):.1f}s",
              flush=True)
        if out:
            out.write(json.dumps({"set": name, "config": "keras_itself", "sklearn": accs,
                                  "seconds": statistics.mean(secs)}) + "\n")
            out.flush()


if __name__ == "__main__":
    sys.exit(main())
