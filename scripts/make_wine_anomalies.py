#!/usr/bin/env python3
"""Builds data/wine_anomalies.csv for the anomaly walk-through: wines of
classes 1 and 2 as normal rows and 10 random class-0 wines as anomalies
(the construction of the ODDS "wine" set), shuffled with a fixed seed, with
an `id` column and an `is_outlier` column (1 = anomaly). Standard library only."""
import csv
import random
from pathlib import Path

root = Path(__file__).resolve().parent.parent / "data"
with open(root / "wine.csv", newline="") as f:
    reader = csv.DictReader(f)
    features = [c for c in reader.fieldnames if c != "label"]
    rows = list(reader)
rng = random.Random(7)
normal = [r for r in rows if r["label"] != "0"]
anomalies = rng.sample([r for r in rows if r["label"] == "0"], 10)
data = [(r, 0) for r in normal] + [(r, 1) for r in anomalies]
rng.shuffle(data)
with open(root / "wine_anomalies.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id"] + features + ["is_outlier"])
    for i, (r, flag) in enumerate(data, start=1):
        w.writerow([f"w{i:03d}"] + [r[c] for c in features] + [flag])
print(len(data), "rows,", sum(flag for _, flag in data), "anomalies")
