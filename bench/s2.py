#!/usr/bin/env python3
"""S2 (DESIGN.md, Performance): `aekit score` end to end on a 1 GB CSV file
and on the same rows as Parquet, beside what a Python user would write:
pyarrow reads the file in batches, PyTorch runs the same network with the
weights read from the model file, pyarrow writes the scores.

The model is one dense autoencoder, 100-64-16-64-100 (ReLU, robust
scaling), trained by `aekit detect` with architecture flags on a 20 000-row
sample, so it carries a threshold and `aekit score` writes `score,
is_anomaly`: score = the row's reconstruction MSE in the scaled space,
is_anomaly = score > threshold. The reference mirrors exactly that (checked:
max |score difference| over every row).

Data: 100 float columns of low-rank-plus-noise rows (seed 7), rounded to 5
decimals, so the CSV text and the Parquet float64 values are the same
numbers. Generated once into the cache directory (outside the repository).

Each round runs, in this order, aekit on CSV, the reference on CSV, aekit on
Parquet, the reference on Parquet, each under /usr/bin/time -v (wall
seconds, peak RSS); the table shows medians over rounds. MB/s = input file
bytes / wall seconds (each format its own file size); rows/s is comparable
across formats.

Usage: python3 bench/s2.py [--rounds 3] [--threads 2] [--cache DIR]
       (build first: cargo build --release --workspace --locked)
"""

import argparse
import json
import os
import re
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AEKIT = ROOT / "target" / "release" / "aekit"
COLUMNS = 100
ROWS = 1_050_000
SAMPLE_ROWS = 20_000
BATCH_ROWS = 65_536


def generate(cache: Path) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    csv_path, pq_path, sample = cache / "big.csv", cache / "big.parquet", cache / "sample.csv"
    if csv_path.exists() and pq_path.exists() and sample.exists():
        return
    cache.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    basis = rng.normal(size=(8, COLUMNS))
    names = [f"x{j}" for j in range(COLUMNS)]
    csv_tmp, pq_tmp = cache / "big.csv.tmp", cache / "big.parquet.tmp"
    schema = pa.schema([(n, pa.float64()) for n in names])
    pq_writer = pq.ParquetWriter(pq_tmp, schema, compression="snappy")
    csv_writer = pacsv.CSVWriter(csv_tmp, schema)
    done = 0
    while done < ROWS:
        n = min(BATCH_ROWS, ROWS - done)
        x = rng.normal(size=(n, 8)) @ basis + 0.3 * rng.normal(size=(n, COLUMNS))
        x = np.round(x, 5)
        table = pa.Table.from_arrays([pa.array(x[:, j]) for j in range(COLUMNS)], names=names)
        csv_writer.write_table(table)
        pq_writer.write_table(table, row_group_size=BATCH_ROWS)
        if done == 0:
            pacsv.write_csv(table.slice(0, SAMPLE_ROWS), sample)
        done += n
    csv_writer.close()
    pq_writer.close()
    os.replace(csv_tmp, csv_path)
    os.replace(pq_tmp, pq_path)


def reference(model: str, data: str, out: str, threads: int) -> None:
    """What a Python user would write: pyarrow in batches, the network in
    PyTorch with the model file's weights and scaler, pyarrow out."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    import torch
    from safetensors.torch import load_file

    torch.set_num_threads(threads)
    pa.set_cpu_count(threads)
    pa.set_io_thread_count(threads)
    raw = open(model, "rb").read(1 << 20)
    (n,) = struct.unpack("<Q", raw[:8])
    meta = json.loads(json.loads(raw[8 : 8 + n])["__metadata__"]["aekit"])
    assert meta["model"]["kind"] == "dense", meta["model"]["kind"]
    assert meta["model"]["activation"]["kind"] == "relu"
    assert meta["model"]["bottleneck_activation"]["kind"] == "linear"
    assert meta["model"]["output_activation"]["kind"] == "linear"
    assert not meta["model"]["batch_norm"]
    weights = load_file(model)
    features = meta["input"]["schema"]["features"]
    offset = torch.tensor(meta["input"]["scaler"]["offset"], dtype=torch.float32)
    scale = torch.tensor(meta["input"]["scaler"]["scale"], dtype=torch.float32)
    threshold = meta["tasks"]["anomaly"]["threshold"]
    layers = []
    for part in ("encoder", "decoder"):
        i = 0
        while f"{part}.{i}.weight" in weights:
            layers.append((weights[f"{part}.{i}.weight"], weights[f"{part}.{i}.bias"]))
            i += 1
    n_enc = sum(1 for k in weights if k.startswith("encoder.") and k.endswith(".weight"))

    def scores(x: torch.Tensor) -> torch.Tensor:
        z = (x - offset) / scale
        h = z
        for i, (w, b) in enumerate(layers):
            h = torch.addmm(b, h, w)  # aekit stores weights [in, out]
            last_of_part = i == n_enc - 1 or i == len(layers) - 1
            if not last_of_part:
                h = torch.relu(h)
        return ((h - z) ** 2).mean(dim=1)

    if data.endswith(".parquet"):
        batches = pq.ParquetFile(data).iter_batches(batch_size=BATCH_ROWS, columns=features)
    else:
        batches = pacsv.open_csv(data, read_options=pacsv.ReadOptions(block_size=8 << 20))
    out_schema = pa.schema([("score", pa.float32()), ("is_anomaly", pa.int64())])
    if out.endswith(".parquet"):
        writer = pq.ParquetWriter(out, out_schema, compression="snappy")
    else:
        writer = pacsv.CSVWriter(out, out_schema)
    with torch.inference_mode():
        for batch in batches:
            cols = [batch.column(batch.schema.get_field_index(f)) for f in features]
            x = torch.from_numpy(
                np.column_stack([c.to_numpy(zero_copy_only=False) for c in cols]).astype(np.float32)
            )
            s = scores(x).numpy()
            writer.write_batch(
                pa.record_batch(
                    [pa.array(s), pa.array((s > threshold).astype(np.int64))], schema=out_schema
                )
            )
    writer.close()


def timed(cmd: list) -> tuple:
    """Wall seconds and peak RSS (MB) of `cmd` under /usr/bin/time -v."""
    start = time.perf_counter()
    run = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{run.stderr}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1))
    return wall, rss / 1024


def read_scores(path: Path):
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pq.read_table(path) if path.suffix == ".parquet" else pacsv.read_csv(path)
    return table.column("score").to_numpy(), table.column("is_anomaly").to_numpy()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "aekit-bench" / "s2")
    ap.add_argument("--reference", nargs=3, metavar=("MODEL", "DATA", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.reference:
        reference(*args.reference, args.threads)
        return
    cache = args.cache
    t0 = time.perf_counter()
    generate(cache)
    print(f"data in {cache} ({time.perf_counter() - t0:.0f} s to make or find)")
    model = cache / "model.aekit"
    subprocess.run(
        [str(AEKIT), "detect", str(cache / "sample.csv"), "--hidden", "64", "--bottleneck", "16",
         "--epochs", "20", "--seed", "1", "--threads", str(args.threads), "--quiet",
         "--out", str(model)],
        check=True,
    )
    work = cache / "out"
    work.mkdir(exist_ok=True)
    runs = {}
    for fmt in ("csv", "parquet"):
        data = cache / f"big.{fmt}"
        runs[("aekit", fmt)] = [str(AEKIT), "score", str(model), str(data), "--quiet",
                                "--threads", str(args.threads), "--out", str(work / f"aekit.{fmt}")]
        runs[("torch", fmt)] = [sys.executable, __file__, "--threads", str(args.threads),
                                "--reference", str(model), str(data), str(work / f"torch.{fmt}")]
    results = {key: [] for key in runs}
    for r in range(args.rounds):
        for key in [("aekit", "csv"), ("torch", "csv"), ("aekit", "parquet"), ("torch", "parquet")]:
            wall, rss = timed(runs[key])
            results[key].append((wall, rss))
            print(f"round {r + 1}: {key[0]:5} {key[1]:7} {wall:7.2f} s  {rss:7.1f} MB", flush=True)
    for fmt in ("csv", "parquet"):
        a, a_flags = read_scores(work / f"aekit.{fmt}")
        t, t_flags = read_scores(work / f"torch.{fmt}")
        assert len(a) == len(t) == ROWS, (len(a), len(t))
        diff = abs(a.astype("float64") - t.astype("float64"))
        print(f"{fmt}: {len(a)} rows; max |score difference| {diff.max():.3g} "
              f"(median score {float(sorted(a[:100000])[50000]):.4f}); "
              f"is_anomaly differs on {int((a_flags != t_flags).sum())} rows")
    print()
    print(f"| input | size | aekit s | aekit MB/s | aekit rows/s | aekit peak RSS | "
          f"PyTorch s | PyTorch MB/s | PyTorch peak RSS | torch s / aekit s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for fmt in ("csv", "parquet"):
        size = (cache / f"big.{fmt}").stat().st_size / 1e6
        aw = statistics.median(w for w, _ in results[("aekit", fmt)])
        ar = statistics.median(m for _, m in results[("aekit", fmt)])
        tw = statistics.median(w for w, _ in results[("torch", fmt)])
        tr = statistics.median(m for _, m in results[("torch", fmt)])
        print(f"| {fmt} | {size:,.0f} MB | {aw:.2f} | {size / aw:.1f} | {ROWS / aw:,.0f} | "
              f"{ar:.0f} MB | {tw:.2f} | {size / tw:.1f} | {tr:.0f} MB | **{tw / aw:.2f}** |")


if __name__ == "__main__":
    main()
