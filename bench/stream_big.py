#!/usr/bin/env python3
"""Out-of-core training at scale (issue 31): writes a Parquet file of
GB gigabytes (rows of 32 float32 features on an 8-dimensional subspace,
plus noise and 1 % of rows off it), then trains on it with `aekit train
--stream` and `aekit detect --stream` under `/usr/bin/time -v`, and
prints each run's peak memory (maximum resident set size) and wall time.

    python3 bench/stream_big.py --gb 8 --dir /tmp/aekit-big [--keep]

The file is not kept unless --keep (it is not for committing). Needs
numpy and pyarrow.
"""

import argparse
import os
import re
import subprocess
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

COLS = 32
LATENT = 8
GROUP = 1 << 19  # rows per row group


def generate(path, gb, seed=0):
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(LATENT, COLS)).astype(np.float32)
    names = [f"x{j}" for j in range(COLS)]
    schema = pa.schema([(n, pa.float32()) for n in names])
    target = gb * (1 << 30)
    rows = 0
    with pq.ParquetWriter(path, schema, compression="snappy") as w:
        while os.path.exists(path) and (rows == 0 or os.path.getsize(path) < target):
            z = rng.normal(size=(GROUP, LATENT)).astype(np.float32)
            x = z @ basis + 0.1 * rng.normal(size=(GROUP, COLS)).astype(np.float32)
            off = rng.random(GROUP) < 0.01
            x[off] += rng.normal(scale=3.0, size=(off.sum(), COLS)).astype(np.float32)
            w.write_table(pa.Table.from_arrays([pa.array(x[:, j]) for j in range(COLS)], schema=schema))
            rows += GROUP
    return rows


def measured(cmd):
    start = time.time()
    p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.time() - start
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    streamed = [l for l in p.stderr.splitlines() if l.startswith("streamed")]
    return peak_kb / 1024, wall, streamed[0] if streamed else ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gb", type=float, default=8.0)
    ap.add_argument("--dir", default="/tmp/aekit-big")
    ap.add_argument("--aekit", default="target/release/aekit")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    data = os.path.join(a.dir, "big.parquet")
    t = time.time()
    rows = generate(data, a.gb)
    size = os.path.getsize(data)
    print(f"file: {data}, {size / (1 << 30):.2f} GiB, {rows} rows x {COLS} columns, written in {time.time() - t:.0f} s")
    common = ["--stream", "--hidden", "16", "--bottleneck", str(LATENT), "--epochs", str(a.epochs),
              "--batch-size", "256", "--lr", "0.003", "--threads", str(a.threads), "--seed", "1"]
    try:
        for command in ("train", "detect"):
            out = os.path.join(a.dir, f"{command}.aekit")
            extra = ["--validation-split", "0", "--scale", "standard"] if command == "detect" else []
            peak, wall, line = measured([a.aekit, command, data, *common, *extra, "--out", out])
            print(f"aekit {command}: peak {peak:.0f} MiB, {wall:.0f} s; {line}")
    finally:
        if not a.keep:
            os.remove(data)


if __name__ == "__main__":
    main()
