#!/usr/bin/env python3
"""Builds data/digits_flipped_{train,test}.csv: each image of
data/digits_{train,test}.csv mirrored left-right (pixel_r_c takes
pixel_r_{7-c}), label kept, same row order, so row i of a flipped file is
the target of row i of the original (paired training). Standard library only."""
import csv
from pathlib import Path

root = Path(__file__).resolve().parent.parent / "data"
for part in ("train", "test"):
    with open(root / f"digits_{part}.csv", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    index = {name: i for i, name in enumerate(header)}
    source = []
    for name in header:
        if name.startswith("pixel_"):
            _, r, c = name.split("_")
            source.append(index[f"pixel_{r}_{7 - int(c)}"])
        else:
            source.append(index[name])
    with open(root / f"digits_flipped_{part}.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows([[row[i] for i in source] for row in rows])
    print(f"digits_flipped_{part}.csv", len(rows), "rows")
