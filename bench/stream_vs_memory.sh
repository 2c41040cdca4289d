#!/bin/sh
# Streamed vs in-memory training on files that fit (issue 31): the test
# reconstruction MSE (`aekit evaluate`) of the same recipe trained in
# memory, streamed with the defaults (the file fits the 100 000-row
# shuffle buffer, so it is trained as in memory: the same model), and
# streamed in 128-row chunks through a 256-row shuffle buffer.
#   sh bench/stream_vs_memory.sh [AEKIT]
set -eu
aekit=${1:-target/release/aekit}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mse() { "$aekit" evaluate "$1" --train "$2" --test "$3" --json |
  python3 -c 'import json,sys; print("%.6f" % json.load(sys.stdin)["reconstruction"]["autoencoder_mse"])'; }
run() { # name train test recipe...
  name=$1 train=$2 test=$3; shift 3
  "$aekit" train "$train" "$@" --quiet --out "$dir/mem.aekit"
  "$aekit" train "$train" "$@" --quiet --stream --out "$dir/one.aekit"
  "$aekit" train "$train" "$@" --quiet --stream --chunk-rows 128 --shuffle-buffer 256 --out "$dir/chunks.aekit"
  m=$(mse "$dir/mem.aekit" "$train" "$test")
  o=$(mse "$dir/one.aekit" "$train" "$test")
  c=$(mse "$dir/chunks.aekit" "$train" "$test")
  python3 -c "m,o,c=$m,$o,$c; print(f'| $name | {m:.6f} | {o:.6f} ({100*(o/m-1):+.1f} %) | {c:.6f} ({100*(c/m-1):+.1f} %) |')"
}
echo "| data | in memory | streamed, defaults (the file fits the buffer) | streamed, 128-row chunks, 256-row buffer |"
echo "|---|---|---|---|"
for seed in 1 2 3; do
  run "clf (tutorial), seed $seed" data/clf_train.csv data/clf_test.csv --label label \
    --hidden 200,100 --bottleneck 50 --batch-norm --activation leaky_relu \
    --epochs 100 --batch-size 16 --seed $seed --threads 1
  run "digits, seed $seed" data/digits_train.csv data/digits_test.csv --label label \
    --hidden 32 --bottleneck 8 --epochs 50 --batch-size 32 --seed $seed --threads 1
done
