"""The Python package's overhead: W1 (training) and S1 (scoring) through
``aekit`` in Python beside the same work in Rust, in one run, same threads.

    python3 bench/python.py [--threads 2] [--rounds 3]

W1: the seed tutorial's model (100-200-100-50-100-200-100, batch norm, leaky
relu, Adam, batch 16) on data/clf_train.csv; seconds per epoch as the slope
between a short and a long fit (so start-up and file reading cancel), for
``aekit train`` and for ``aekit.Autoencoder.fit`` on the same rows and seed.
S1: per-row reconstruction error of W3's model (784-256-64-256-784) over
1 000 000 rows in chunks of 4096, through ``score_samples`` (no scaling),
beside the Rust benchmark's S1 (target/release/deps/workloads-*, the same
inference path in memory). Needs ``pip install ./python`` and a
``cargo build --release`` / ``cargo bench --workspace --no-run`` build.
"""

import argparse
import glob
import os
import pathlib
import statistics
import subprocess
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
CLI = os.environ.get("AEKIT_BIN", str(ROOT / "target" / "release" / "aekit"))
RECIPE = dict(hidden=[200, 100], bottleneck=50, batch_norm=True, activation="leaky_relu",
              batch_size=16, random_state=1)
FLAGS = ["--hidden", "200,100", "--bottleneck", "50", "--batch-norm", "--activation",
         "leaky_relu", "--batch-size", "16", "--seed", "1"]
SHORT, LONG = 10, 60


def cli_fit_seconds(epochs, threads, out):
    started = time.perf_counter()
    subprocess.run([CLI, "train", str(ROOT / "data" / "clf_train.csv"), "--label", "label",
                    "--epochs", str(epochs), "--threads", str(threads), *FLAGS, "--out", out],
                   check=True, capture_output=True)
    return time.perf_counter() - started


def python_fit_seconds(aekit, x, epochs, threads):
    started = time.perf_counter()
    aekit.Autoencoder(epochs=epochs, threads=threads, **RECIPE).fit(x)
    return time.perf_counter() - started


def rust_s1(threads):
    benches = sorted(glob.glob(str(ROOT / "target" / "release" / "deps" / "workloads-*")),
                     key=os.path.getmtime)
    benches = [b for b in benches if os.access(b, os.X_OK) and not b.endswith(".d")]
    if not benches:
        raise SystemExit("python.py: no workloads benchmark: cargo bench --workspace --bench workloads --no-run")
    done = subprocess.run([benches[-1], "--threads", str(threads), "--only", "S1", "--repeat", "1"],
                          check=True, capture_output=True, text=True)
    import json
    for line in done.stdout.splitlines():
        if line.startswith("{") and '"S1"' in line:
            return json.loads(line)["rows_per_s_median"]
    raise SystemExit("python.py: the benchmark printed no S1 line")


def python_s1(aekit, threads, rows=1_000_000, chunk=4096):
    rng = np.random.default_rng(2)
    x = rng.random((chunk, 784), dtype=np.float32)
    model = aekit.Autoencoder(hidden=[256], bottleneck=64, activation="relu",
                              bottleneck_activation="relu", output_activation="sigmoid", loss="bce",
                              scale="none", epochs=1, threads=threads, random_state=1).fit(x)
    started = time.perf_counter()
    done = 0
    while done < rows:
        model.score_samples(x)
        done += chunk
    return rows / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import aekit

    data = np.loadtxt(ROOT / "data" / "clf_train.csv", delimiter=",", skiprows=1)
    with open(ROOT / "data" / "clf_train.csv") as f:
        names = f.readline().strip().split(",")
    x = data[:, [i for i, n in enumerate(names) if n != "label"]]
    w1 = {"cli": [], "python": []}
    s1 = {"rust": [], "python": []}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "m.aekit")
        for r in range(args.rounds):
            cli = (cli_fit_seconds(LONG, args.threads, out) - cli_fit_seconds(SHORT, args.threads, out)) / (LONG - SHORT)
            py = (python_fit_seconds(aekit, x, LONG, args.threads)
                  - python_fit_seconds(aekit, x, SHORT, args.threads)) / (LONG - SHORT)
            w1["cli"].append(cli)
            w1["python"].append(py)
            s1["rust"].append(rust_s1(args.threads))
            s1["python"].append(python_s1(aekit, args.threads))
            print(f"round {r + 1}: W1 cli {cli:.5f} python {py:.5f} s/epoch; "
                  f"S1 rust {s1['rust'][-1]:,.0f} python {s1['python'][-1]:,.0f} rows/s", flush=True)
    m = {k: statistics.median(v) for k, v in {**{f"w1_{k}": v for k, v in w1.items()},
                                              **{f"s1_{k}": v for k, v in s1.items()}}.items()}
    print(f"threads {args.threads}, {args.rounds} rounds, medians")
    print(f"W1 s/epoch: CLI {m['w1_cli']:.5f}, Python {m['w1_python']:.5f}, "
          f"Python/CLI {m['w1_python'] / m['w1_cli']:.3f}")
    print(f"S1 rows/s: Rust {m['s1_rust']:,.0f}, Python {m['s1_python']:,.0f}, "
          f"Python/Rust {m['s1_python'] / m['s1_rust']:.3f}")


if __name__ == "__main__":
    main()
