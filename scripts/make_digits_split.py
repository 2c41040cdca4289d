#!/usr/bin/env python3
"""Builds data/digits_train.csv and data/digits_test.csv from data/digits.csv:
pixel values divided by 16 (to [0, 1]) and a 75/25 split, stratified by
nothing, shuffled with a fixed seed. Standard library only."""
import csv
import random
from pathlib import Path

root = Path(__file__).resolve().parent.parent / "data"
with open(root / "digits.csv", newline="") as f:
    reader = csv.reader(f)
    header = next(reader)
    rows = list(reader)
label = header.index("label")
scaled = []
for row in rows:
    out = [repr(float(v) / 16.0) if i != label else v for i, v in enumerate(row)]
    scaled.append(out)
random.Random(20261123).shuffle(scaled)
cut = round(len(scaled) * 0.75)
for name, part in (("digits_train.csv", scaled[:cut]), ("digits_test.csv", scaled[cut:])):
    with open(root / name, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(part)
    print(name, len(part), "rows")
