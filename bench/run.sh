#!/usr/bin/env bash
# Times workloads W1, W2, W3 and S1 (DESIGN.md "Performance") in aekit and in the
# PyTorch reference in one run, same thread count, and prints the ratios.
#
#   bash bench/run.sh [--threads N] [--only W1,W2,W3,S1] [--quick] [--repeat N] [--rounds N]
#
# --only LIST  workloads to run (default W1,W2,W3,S1,PEAK,MEM; PEAK is aekit's
#              matrix-product rate and W3's share of it, the roofline; MEM is
#              the peak resident memory of one W3 epoch on each side)
# --threads N  CPU threads for both frameworks (default 2)
# --quick      3 timed epochs instead of 20 (passed to both)
# --repeat N   fresh models per workload and framework (default 3, both)
# --rounds N   alternate aekit, torch, aekit, torch, ... N times (default 1);
#              the table shows the median over rounds of each median
#
# Compare the ratios, never absolute seconds across runs or machines.
set -euo pipefail

threads=2
rounds=1
only=W1,W2,W3,S1,PEAK,MEM
pass=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --threads) threads="${2:?--threads needs a value}"; shift 2 ;;
        --threads=*) threads="${1#*=}"; shift ;;
        --quick) pass+=(--quick); shift ;;
        --repeat) pass+=(--repeat "${2:?--repeat needs a value}"); shift 2 ;;
        --repeat=*) pass+=(--repeat "${1#*=}"); shift ;;
        --only) only="${2:?--only needs a value}"; shift 2 ;;
        --only=*) only="${1#*=}"; shift ;;
        --rounds) rounds="${2:?--rounds needs a value}"; shift 2 ;;
        --rounds=*) rounds="${1#*=}"; shift ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument '$1' (expected --threads N, --only LIST, --quick, --repeat N, --rounds N)" >&2; exit 2 ;;
    esac
done
for v in "$threads" "$rounds"; do
    if ! [[ "$v" =~ ^[1-9][0-9]*$ ]]; then
        echo "run.sh: --threads and --rounds take a whole number of at least 1, got '$v'" >&2
        exit 2
    fi
done

root="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
torch_ref="$root/../shared/bench/torch_ref.py"
if [[ ! -f "$torch_ref" ]]; then
    echo "run.sh: PyTorch reference not found at $torch_ref" >&2
    exit 1
fi
python="${PYTHON:-python3}"
if ! "$python" -c "import torch, numpy" >/dev/null 2>&1; then
    echo "run.sh: PyTorch is not importable by $python; install it with: pip install torch numpy" >&2
    exit 1
fi

cd "$root"
echo "run.sh: building the aekit benchmark (release)..." >&2
# Build once and run the executable itself, so no compilation (and no
# source edited meanwhile) lands between or inside the timed runs.
aekit_bench="$(cargo bench -p aekit --bench workloads --no-run --message-format=json-render-diagnostics \
    | "$python" -c '
import json, sys
exe = None
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "workloads" and msg.get("executable"):
        exe = msg["executable"]
print(exe or "")
')" || aekit_bench=""
if [[ -z "$aekit_bench" || ! -x "$aekit_bench" ]]; then
    echo "run.sh: could not build the aekit benchmark (cargo bench -p aekit --bench workloads --no-run)" >&2
    exit 1
fi

# Comma list minus some items: the programs know neither MEM nor (torch) PEAK.
without() {
    local list=",$1," item
    shift
    for item in "$@"; do list="${list//,$item,/,}"; done
    list="${list#,}"
    echo "${list%,}"
}
aekit_only="$(without "$only" MEM)"
torch_only="$(without "$only" MEM PEAK)"

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
echo "run.sh: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), threads $threads, rounds $rounds" >&2
for ((r = 1; r <= rounds; r++)); do
    echo "run.sh: round $r/$rounds: aekit" >&2
    if [[ -n "$aekit_only" ]]; then
        "$aekit_bench" --bench --threads "$threads" --only "$aekit_only" "${pass[@]}" \
            | grep '^{' | tee -a "$results" >&2
    fi
    echo "run.sh: round $r/$rounds: torch" >&2
    if [[ -n "$torch_only" ]]; then
        "$python" "$torch_ref" --threads "$threads" --only "$torch_only" "${pass[@]}" \
            | grep '^{' | tee -a "$results" >&2
    fi
done

if [[ ",$only," == *,MEM,* ]]; then
    if [[ -x /usr/bin/time ]]; then
        # Peak resident set of one W3 epoch, each side in a process of its own.
        mem="$(mktemp)"
        quick=()
        for p in "${pass[@]}"; do [[ "$p" == --quick ]] && quick=(--quick); done
        echo "run.sh: peak memory of W3 (/usr/bin/time)" >&2
        /usr/bin/time -f '%M' -o "$mem" "$aekit_bench" --bench --threads "$threads" --only W3 --repeat 1 "${quick[@]}" >/dev/null 2>&1
        a_kb="$(tail -n 1 "$mem")"
        /usr/bin/time -f '%M' -o "$mem" "$python" "$torch_ref" --threads "$threads" --only W3 --repeat 1 "${quick[@]}" >/dev/null 2>&1
        t_kb="$(tail -n 1 "$mem")"
        rm -f "$mem"
        echo "{\"workload\": \"MEM\", \"framework\": \"both\", \"threads\": $threads, \"aekit_kb\": $a_kb, \"torch_kb\": $t_kb}" \
            | tee -a "$results" >&2
    else
        echo "run.sh: /usr/bin/time not found (Debian package 'time'): no MEM line" >&2
    fi
fi

"$python" - "$results" <<'PY'
import json
import statistics
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
by = {}
for r in rows:
    by.setdefault((r["workload"], r["framework"]), []).append(r)

def med(key, field):
    vals = [r[field] for r in by.get(key, [])]
    return statistics.median(vals) if vals else None

threads = rows[0]["threads"] if rows else "?"
torch_version = next((r.get("torch") for r in rows if r["framework"] == "torch"), "?")
print(f"threads {threads}, torch {torch_version}; seconds per epoch, median "
      f"(min over repeats in brackets); ratio = torch / aekit, > 1 means aekit is faster")
head = f"{'workload':<8} {'rows':>5} {'batch':>5} {'aekit s/epoch':>22} {'torch s/epoch':>22} {'torch/aekit':>11}"
print(head)
print("-" * len(head))
ok = True
for w in ("W1", "W2", "W3"):
    if not by.get((w, "aekit")) and not by.get((w, "torch")):
        continue
    a, t = med((w, "aekit"), "s_per_epoch_median"), med((w, "torch"), "s_per_epoch_median")
    if a is None or t is None:
        ok = False
        print(f"{w:<8} missing result (aekit {a}, torch {t})")
        continue
    amin, tmin = med((w, "aekit"), "s_per_epoch_min"), med((w, "torch"), "s_per_epoch_min")
    r0 = by[(w, "aekit")][0]
    print(f"{w:<8} {r0['rows']:>5} {r0['batch']:>5} "
          f"{a:>10.5f} ({amin:.5f}) {t:>10.5f} ({tmin:.5f}) {t / a:>11.2f}")
a, t = med(("S1", "aekit"), "rows_per_s_median"), med(("S1", "torch"), "rows_per_s_median")
if a is not None and t is not None:
    r0 = by[("S1", "aekit")][0]
    print(f"{'S1':<8} {r0['rows']:>7} rows scored: aekit {a:,.0f} rows/s, torch {t:,.0f} rows/s, "
          f"aekit/torch {a / t:.2f}")
elif by.get(("S1", "aekit")) or by.get(("S1", "torch")):
    ok = False
    print(f"S1 missing result (aekit {a}, torch {t})")
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
    print(line)
mem = by.get(("MEM", "both"))
if mem:
    m = mem[-1]
    print(f"peak memory, one W3 epoch: aekit {m['aekit_kb'] / 1024:,.0f} MB, torch {m['torch_kb'] / 1024:,.0f} MB, "
          f"aekit/torch {m['aekit_kb'] / m['torch_kb']:.2f}")
sys.exit(0 if ok else 1)
PY
