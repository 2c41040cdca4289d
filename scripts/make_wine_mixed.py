#!/usr/bin/env python3
"""Builds data/wine_mixed.csv, the mixed-type table of the anomaly tests:
data/wine_anomalies.csv with a string column (`colour`: the colour
intensity binned as pale / ruby / deep / dark), a boolean column
(`organic`, True/False, drawn with a fixed seed), a high-cardinality
string column (`note`, one distinct value per row, left out), and about
5 % of the numeric cells blanked (empty, NA or NaN) with a fixed seed.
Standard library only."""
import csv
import random
from pathlib import Path

root = Path(__file__).resolve().parent.parent / "data"
with open(root / "wine_anomalies.csv", newline="") as f:
    reader = csv.DictReader(f)
    fields = reader.fieldnames
    rows = list(reader)
rng = random.Random(11)
numeric = [c for c in fields if c not in ("id", "is_outlier")]
out_fields = ["id"] + numeric + ["colour", "organic", "note", "is_outlier"]
with open(root / "wine_mixed.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(out_fields)
    for r in rows:
        c = float(r["color_intensity"])
        r["colour"] = "pale" if c < 3 else "ruby" if c < 5 else "deep" if c < 7.5 else "dark"
        r["organic"] = rng.choice(["True", "False"])
        r["note"] = f"cellar {r['id']} shelf {rng.randint(1, 999)}"
        for col in numeric:
            if rng.random() < 0.05:
                r[col] = rng.choice(["", "NA", "NaN"])
        w.writerow([r[c] for c in out_fields])
print(len(rows), "rows")
