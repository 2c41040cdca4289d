#!/usr/bin/env bash
# Times workloads W1, W2, W3, W4, W5 and S1 (DESIGN.md "Performance") in aekit and in
# the PyTorch reference (bench/torch_ref.py) in one run, same thread count, and
# prints the ratios.
#
#   bash bench/run.sh [--threads N] [--only W1,W2,W3,W4,W5,S1] [--quick] [--repeat N] [--rounds N]
#                     [--w4-batches N] [--update BENCHMARKS.md]
#
# --only LIST  workloads to run (default W1,W2,W3,W4,W5,S1,PEAK,MEM; PEAK is aekit's
#              matrix-product rate and W3's share of it, the roofline; MEM is
#              the peak resident memory of one W3 epoch on each side)
# --threads N  CPU threads for both frameworks (default 2)
# --quick      3 timed epochs instead of 20, W3 and W4 on a tenth of the rows (both)
# --repeat N   fresh models per workload and framework (default 3, both)
# --rounds N   alternate aekit, torch, aekit, torch, ... N times (default 1);
#              the table shows the median over rounds of each median
# --w4-batches N  W4 (the conv model, tens of seconds an epoch): time only the
#              first N batches on both sides and scale to the epoch by rows
# --update F   also write the figures, with date, CPU and versions, into the
#              "bench/run.sh threads=N" block of F (bench/summary.py)
#
# Compare the ratios, never absolute seconds across runs or machines.
set -euo pipefail

invocation="bash bench/run.sh $*"
threads=2
rounds=1
update=""
only=W1,W2,W3,W4,W5,S1,PEAK,MEM
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
        --update) update="${2:?--update needs a file}"; shift 2 ;;
        --update=*) update="${1#*=}"; shift ;;
        --w4-batches) pass+=(--w4-batches "${2:?--w4-batches needs a value}"); shift 2 ;;
        --w4-batches=*) pass+=(--w4-batches "${1#*=}"); shift ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument '$1' (expected --threads N, --only LIST, --quick, --repeat N, --rounds N, --w4-batches N, --update FILE)" >&2; exit 2 ;;
    esac
done
for v in "$threads" "$rounds"; do
    if ! [[ "$v" =~ ^[1-9][0-9]*$ ]]; then
        echo "run.sh: --threads and --rounds take a whole number of at least 1, got '$v'" >&2
        exit 2
    fi
done

if [[ -n "$update" ]]; then
    if [[ ! -f "$update" ]]; then
        echo "run.sh: --update: no file '$update'" >&2
        exit 2
    fi
    update="$(realpath "$update")"
fi
root="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
# The PyTorch reference for the workloads (W4 and W5 included).
torch_ref="$root/bench/torch_ref.py"
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
# --workspace: the same feature set as `cargo test --release --workspace`, so the
# benchmark reuses that build instead of compiling burn a second time.
# Build once and run the executable itself, so no compilation (and no
# source edited meanwhile) lands between or inside the timed runs.
aekit_bench="$(cargo bench --workspace --bench workloads --no-run --message-format=json-render-diagnostics \
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
    echo "run.sh: could not build the aekit benchmark (cargo bench --workspace --bench workloads --no-run)" >&2
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

args=(--rounds "$rounds" --command "$invocation")
if [[ -n "$update" ]]; then
    args+=(--update "$update")
fi
"$python" "$root/bench/summary.py" "$results" "${args[@]}"
