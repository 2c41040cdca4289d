#!/usr/bin/env python3
"""Summarises bench/run.sh's JSON lines: a table of aekit against PyTorch,
the roofline and W3's peak memory; with --update FILE, also writes the same
figures as a Markdown block into FILE between the markers

    <!-- bench/run.sh threads=N begin -->
    <!-- bench/run.sh threads=N end -->

(the file is replaced atomically). Exits 1 if a workload lacks a side.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--command", default="bash bench/run.sh")
    ap.add_argument("--update", metavar="FILE")
    a = ap.parse_args()

    rows = [json.loads(line) for line in open(a.results) if line.strip()]
    by = {}
    for r in rows:
        by.setdefault((r["workload"], r["framework"]), []).append(r)

    def med(key, field):
        vals = [r[field] for r in by.get(key, []) if r.get(field) is not None]
        return statistics.median(vals) if vals else None

    threads = rows[0]["threads"] if rows else "?"
    torch_version = next((r.get("torch") for r in rows if r["framework"] == "torch"), "?")
    aekit_version = next((r.get("aekit") for r in rows if r.get("aekit")), "?")
    text = [f"threads {threads}, torch {torch_version}; seconds per epoch, median "
            f"(min over repeats in brackets); ratio = torch / aekit, > 1 means aekit is faster"]
    head = f"{'workload':<8} {'rows':>5} {'batch':>5} {'aekit s/epoch':>22} {'torch s/epoch':>22} {'torch/aekit':>11}"
    text += [head, "-" * len(head)]
    md = ["| workload | aekit | PyTorch | torch/aekit |", "| --- | --- | --- | --- |"]
    ok = True
    for w in ("W1", "W2", "W3", "W4", "W5"):
        if not by.get((w, "aekit")) and not by.get((w, "torch")):
            continue
        ae, t = med((w, "aekit"), "s_per_epoch_median"), med((w, "torch"), "s_per_epoch_median")
        if ae is None or t is None:
            ok = False
            text.append(f"{w:<8} missing result (aekit {ae}, torch {t})")
            continue
        amin, tmin = med((w, "aekit"), "s_per_epoch_min"), med((w, "torch"), "s_per_epoch_min")
        r0 = by[(w, "aekit")][0]
        text.append(f"{w:<8} {r0['rows']:>5} {r0['batch']:>5} "
                    f"{ae:>10.5f} ({amin:.5f}) {t:>10.5f} ({tmin:.5f}) {t / ae:>11.2f}")
        label = f"{w}, {r0['rows']} rows, batch {r0['batch']}"
        if r0.get("timed_batches"):
            label += f" ({r0['timed_batches']} batches timed, scaled to the epoch)"
        md.append(f"| {label} | {ae:.5f} s/epoch | {t:.5f} s/epoch | **{t / ae:.2f}** |")
        # Same model on both sides: W4 reports its parameter count.
        counts = {r.get("params") for side in ("aekit", "torch") for r in by[(w, side)]}
        if counts != {None} and len(counts) != 1:
            ok = False
            text.append(f"{w:<8} parameter counts differ between the sides: {sorted(map(str, counts))}")
        elif counts != {None}:
            text.append(f"{w:<8} parameters: {counts.pop():,} on both sides")
    ae, t = med(("S1", "aekit"), "rows_per_s_median"), med(("S1", "torch"), "rows_per_s_median")
    if ae is not None and t is not None:
        n = by[("S1", "aekit")][0]["rows"]
        text.append(f"{'S1':<8} {n:>7} rows scored: aekit {ae:,.0f} rows/s, torch {t:,.0f} rows/s, "
                    f"aekit/torch {ae / t:.2f}")
        md.append(f"| S1, scoring {n:,} rows | {ae:,.0f} rows/s | {t:,.0f} rows/s | **{ae / t:.2f}** |")
    elif by.get(("S1", "aekit")) or by.get(("S1", "torch")):
        ok = False
        text.append(f"S1 missing result (aekit {ae}, torch {t})")
    notes = []
    peak = by.get(("PEAK", "aekit"))
    if peak:
        # The best product rate of any round, and W3 at its median epoch time.
        best = max(p["gemm_gflops"] for p in peak)
        line = (f"roofline: f32 matrix product {peak[0]['gemm_n']}^3 through aekit's kernel "
                f"(gemm crate, rows split per thread): {best} GFLOP/s")
        w3 = med(("W3", "aekit"), "s_per_epoch_median")
        if w3:
            gflop = peak[0]["w3_gflop_per_epoch"]
            line += (f"; W3 does {gflop} GFLOP per epoch, at the median epoch "
                     f"{gflop / w3:.1f} GFLOP/s = {100 * gflop / w3 / best:.0f} % of peak")
        notes.append(line)
    mem = by.get(("MEM", "both"))
    if mem:
        m = mem[-1]
        notes.append(f"peak memory, one W3 epoch: aekit {m['aekit_kb'] / 1024:,.0f} MB, "
                     f"torch {m['torch_kb'] / 1024:,.0f} MB, aekit/torch {m['aekit_kb'] / m['torch_kb']:.2f}")
    print("\n".join(text + notes))

    if a.update:
        begin = f"<!-- bench/run.sh threads={threads} begin -->"
        end = f"<!-- bench/run.sh threads={threads} end -->"
        with open(a.update) as f:
            doc = f.read()
        if begin not in doc or end not in doc or doc.index(begin) > doc.index(end):
            print(f"summary.py: {a.update} has no '{begin}' ... '{end}' block to replace", file=sys.stderr)
            return 1
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        block = [begin,
                 f"`{a.command}` on {stamp}: {cpu_model()}, {os.cpu_count()} cores, "
                 f"{threads} thread(s), {a.rounds} round(s); aekit {aekit_version}, PyTorch {torch_version}.",
                 "", *md, ""]
        block += [f"- {n[0].upper()}{n[1:]}." for n in notes]
        block.append(end)
        new = doc[:doc.index(begin)] + "\n".join(block) + doc[doc.index(end) + len(end):]
        directory = os.path.dirname(os.path.abspath(a.update))
        with tempfile.NamedTemporaryFile("w", dir=directory, delete=False) as tmp:
            tmp.write(new)
        os.chmod(tmp.name, 0o644)
        os.replace(tmp.name, a.update)
        print(f"summary.py: wrote the threads={threads} block of {a.update}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
