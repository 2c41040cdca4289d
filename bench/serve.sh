#!/usr/bin/env bash
# Load benchmark of `aekit serve` (issue 16): a dense detector on
# data/clf_train.csv (100 features), driven over loopback by the small Rust
# client crates/aekit-serve/examples/load.rs. Single-row and 1000-row
# dataframe_split requests at 1 and 8 concurrent clients, each run bounded
# in requests and seconds; then the server's peak memory (VmHWM).
# Usage: bench/serve.sh [THREADS]   (server scoring threads, default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-2}
cargo build --release --workspace --examples --quiet
aekit=target/release/aekit
load=target/release/examples/load
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

"$aekit" detect data/clf_train.csv --label label --hidden 64 --bottleneck 16 \
    --epochs 5 --seed 1 --quiet --out "$work/model.aekit"
python3 - "$work" <<'PY'
import csv, json, sys
rows = list(csv.reader(open("data/clf_train.csv")))
header, data = rows[0][:-1], [[float(c) for c in r[:-1]] for r in rows[1:]]
for n in (1, 1000):
    body = {"dataframe_split": {"columns": header, "data": (data * 2)[:n]}}
    json.dump(body, open(f"{sys.argv[1]}/rows{n}.json", "w"))
PY

"$aekit" serve "$work/model.aekit" --port 0 --threads "$threads" --quiet > "$work/addr" &
server=$!
for _ in $(seq 50); do [ -s "$work/addr" ] && break; sleep 0.1; done
addr=$(sed 's|listening on http://||' "$work/addr")
echo "server: pid $server on $addr, $threads scoring threads, $(nproc) cores"
for spec in "1 1 10000 30" "1 8 10000 30" "1000 1 2000 30" "1000 8 2000 30"; do
    set -- $spec
    printf 'rows %-5s ' "$1"
    "$load" "$addr" "$work/rows$1.json" application/json "$2" "$3" "$4"
done
echo "server peak memory: $(grep VmHWM /proc/$server/status | awk '{print $2/1024 " MB"}')"
kill -TERM "$server"; wait "$server"; echo "server exit code $?"
