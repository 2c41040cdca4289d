"""Denoising on the image sets of bench/image_data.py: aekit's defaults and
candidate flags against the Keras conv denoising recipe and a dense Keras
denoiser, both written out in PyTorch (aekit has no max-pooling layers, so
the recipe cannot be spelled in its flags).

Every model sees the same noisy test images (seeded, drawn once):
gaussian:0.3 adds N(0, 0.3^2) and clips to [0, 1], as the Keras recipe
does; mask:0.3 zeroes each pixel with probability 0.3. The figure is the
MSE of the model's output to the clean test images, in pixel units
([0, 1]), with the training time (wall clock, this machine) beside it.

  keras_conv  the keras.io denoiser (Valdarrama's "Convolutional
              autoencoder for image denoising", after Chollet's blog):
              Conv2D 32 3x3 relu same, MaxPool 2, Conv2D 32 3x3 relu same,
              MaxPool 2, Conv2DTranspose 32 3x3/2 relu same (twice),
              Conv2D 1 3x3 sigmoid same; binary cross-entropy, Adam (lr
              1e-3, eps 1e-7), batch 128, 100 epochs, Glorot-uniform
              kernels and zero biases as Keras; trained on one noisy copy
              of the training images, as the recipe.
  keras_dense Chollet's deep dense autoencoder: 128-64-32-64-128 relu,
              sigmoid output, binary cross-entropy, Adam, batch 256, 100
              epochs, the same noisy copy.
  aekit:NAME  aekit train --kind conv (or what the flags say) with
              --noise SPEC --image-shape HxW --seed 1 plus the candidate's
              flags (none for `default`), then aekit denoise.

usage: python bench/image_defaults.py DATADIR [--sets a,b] [--noises gaussian,mask]
         [--candidates name,...|all] [--peers] [--jsonl FILE]
Results are appended to the JSONL file (default DATADIR/../results.jsonl)
and a run already there is skipped.
"""
import argparse
import json
import os
import subprocess
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
AEKIT = os.environ.get("AEKIT_BIN", str(ROOT / "target/release/aekit"))
SIDES = {"digits8": 8, "photo16": 16, "photo28": 28, "texture16": 16, "glyphs28": 28}
NOISES = {"gaussian": "gaussian:0.3", "mask": "mask:0.3"}

# Candidate flags for aekit (after --noise/--image-shape/--seed). `default`
# passes none: what a user gets.
CANDIDATES = {
    "default": [],
    "conv_kind": ["--kind", "conv"],
    "dense_kind": ["--kind", "dense"],
    "vae_kind": ["--kind", "vae"],
}


def load(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    x = np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(len(header) - 1))
    return header, x


def noisy(x, kind, seed=7):
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        return np.clip(x + 0.3 * rng.standard_normal(x.shape), 0.0, 1.0)
    return x * (rng.random(x.shape) >= 0.3)


def write(path, header, x):
    with open(path, "w") as f:
        f.write(",".join(header[:-1]) + "\n")
        for row in x:
            f.write(",".join(f"{v:.5f}" for v in row) + "\n")


def run_aekit(data, work, set_name, noise, flags):
    side = SIDES[set_name]
    model = work / "model.aekit"
    cmd = [AEKIT, "train", str(data / f"{set_name}_train.csv"), "--label", "label",
           "--noise", NOISES[noise], "--image-shape", f"{side}x{side}", "--seed", "1",
           "-q", "--out", str(model)]
    pix = side * side
    flags = [f.format(pix=pix, half=pix // 2, quarter=pix // 4) for f in flags]
    if "--kind" not in flags:
        cmd[2:2] = ["--kind", "conv"]
    start = time.time()
    subprocess.run(cmd + flags, check=True)
    seconds = time.time() - start
    out = work / "denoised.csv"
    subprocess.run([AEKIT, "denoise", str(model), str(work / f"{set_name}_{noise}_noisy.csv"),
                    "--out", str(out)], check=True, capture_output=True)
    _, y = load_plain(out)
    return y, seconds


def load_plain(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    return header, np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


def torch_models(side):
    import torch
    from torch import nn

    def keras_init(m):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)

    conv = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        # Keras 'same' for a 3x3 stride-2 transposed conv doubles the side.
        nn.ConvTranspose2d(32, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(32, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.Conv2d(32, 1, 3, padding=1), nn.Sigmoid(),
    )
    n = side * side
    dense = nn.Sequential(
        nn.Flatten(), nn.Linear(n, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
        nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 128),
        nn.ReLU(), nn.Linear(128, n), nn.Sigmoid(), nn.Unflatten(1, (1, side, side)),
    )
    conv.apply(keras_init)
    dense.apply(keras_init)
    return {"keras_conv": (conv, 128), "keras_dense": (dense, 256)}


def run_torch(name, x_train, noise, x_test_noisy, side, epochs=100, report=None):
    import torch

    torch.manual_seed(1)
    torch.set_num_threads(1)
    model, batch = torch_models(side)[name]
    clean = torch.tensor(x_train, dtype=torch.float32).reshape(-1, 1, side, side)
    inputs = torch.tensor(noisy(x_train, noise, seed=11), dtype=torch.float32)
    inputs = inputs.reshape(-1, 1, side, side)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.BCELoss()
    start = time.time()

    def predict():
        with torch.no_grad():
            t = torch.tensor(x_test_noisy, dtype=torch.float32).reshape(-1, 1, side, side)
            return model(t).reshape(len(x_test_noisy), -1).numpy()

    for epoch in range(1, epochs + 1):
        if report and epoch in (11, 26, 51):
            # The test figure part-way, in case the full run is cut short.
            report(epoch - 1, predict(), time.time() - start)
        order = torch.randperm(len(clean))
        for i in range(0, len(clean), batch):
            idx = order[i : i + batch]
            opt.zero_grad()
            loss = loss_fn(model(inputs[idx]), clean[idx])
            loss.backward()
            opt.step()
    return predict(), time.time() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data", type=Path)
    ap.add_argument("--sets", default=",".join(SIDES))
    ap.add_argument("--noises", default="gaussian,mask")
    ap.add_argument("--candidates", default="default")
    ap.add_argument("--flags", action="append", default=[],
                    help="an ad-hoc candidate NAME=FLAGS (space-separated; {pix}, {half},"
                    " {quarter}: the image's pixels, half and quarter of them)")
    ap.add_argument("--peers", action="store_true")
    ap.add_argument("--peer-epochs", type=int, default=100,
                    help="the Keras recipes' epochs (100; fewer where machine time is short,"
                    " recorded as keras_conv@E)")
    ap.add_argument("--jsonl", type=Path, default=None)
    a = ap.parse_args()
    jsonl = a.jsonl or a.data.parent / "results.jsonl"
    done = set()
    if jsonl.exists():
        for line in jsonl.read_text().splitlines():
            r = json.loads(line)
            done.add((r["set"], r["noise"], r["model"]))
    cands = dict(CANDIDATES)
    names = list(cands) if a.candidates == "all" else [n for n in a.candidates.split(",") if n]
    for spec in a.flags:
        name, flags = spec.split("=", 1)
        cands[name] = flags.split()
        names.append(name)
    work = a.data.parent / f"work-{os.getpid()}"
    work.mkdir(exist_ok=True)
    for set_name in a.sets.split(","):
        side = SIDES[set_name]
        header, x_train = load(a.data / f"{set_name}_train.csv")
        _, x_test = load(a.data / f"{set_name}_test.csv")
        for noise in a.noises.split(","):
            x_noisy = noisy(x_test, noise)
            write(work / f"{set_name}_{noise}_noisy.csv", header, x_noisy)
            runs = [("aekit:" + n, n) for n in names]
            if a.peers:
                runs += [("keras_dense", None), ("keras_conv", None)]
            for model, cand in runs:
                if (set_name, noise, model) in done:
                    continue

                def record(model, y, secs, flags):
                    r = {"set": set_name, "noise": noise, "model": model, "flags": flags,
                         "mse": float(np.mean((y - x_test) ** 2)),
                         "noisy_mse": float(np.mean((x_noisy - x_test) ** 2)),
                         "seconds": round(secs, 1)}
                    print(json.dumps(r), flush=True)
                    with open(jsonl, "a") as f:
                        f.write(json.dumps(r) + "\n")

                if cand is None:
                    partial = lambda e, y, secs, m=model: record(f"{m}@{e}", y, secs, None)
                    y, secs = run_torch(model, x_train, noise, x_noisy, side,
                                        epochs=a.peer_epochs, report=partial)
                    if a.peer_epochs != 100:
                        model = f"{model}@{a.peer_epochs}"
                    flags = None
                else:
                    flags = cands[cand]
                    y, secs = run_aekit(a.data, work, set_name, noise, flags)
                record(model, y, secs, flags)


if __name__ == "__main__":
    main()
