#!/usr/bin/env bash
# Times workloads W1-W5 and S1 (DESIGN.md "Performance") on a GPU: aekit
# (`--device gpu`, built with a GPU feature) beside PyTorch on the same GPU,
# in one run, and prints the ratio table (bench/summary.py, as bench/run.sh).
#
#   bash bench/gpu.sh [--backend wgpu|cuda] [--device gpu|gpu:N]
#                     [--torch-device cuda|cuda:N|mps|cpu] [--only LIST]
#                     [--quick] [--repeat N] [--threads N]
#
# --backend B       aekit's GPU feature: wgpu (Vulkan, Metal, DirectX 12; the
#                   default) or cuda (NVIDIA, needs the CUDA toolkit)
# --device D        aekit's device (default gpu: the backend's default GPU)
# --torch-device D  PyTorch's device (default: cuda when PyTorch sees one,
#                   else mps, else cpu, said so in the output)
# --only LIST       workloads (default W1,W2,W3,W4,W5,S1)
# --quick           3 timed epochs instead of 20, W3 and W4 on a tenth of the rows
# --repeat N        fresh models per workload and framework (default 3)
# --threads N       CPU threads of both sides' host work (default 2)
#
# The GPU build lives in target/<backend> (CARGO_TARGET_DIR to change it),
# apart from the CPU build, and is the GPU test group's build (docs/scale.md,
# "Testing without a GPU"): the same packages, features and profile, so burn's
# GPU runtime compiles once for both (the first time: 10-20 minutes on 2
# quiet cores, over an hour on a loaded machine). With only Mesa's lavapipe (a
# software Vulkan device: apt install mesa-vulkan-drivers) it runs end to
# end for testing, and its figures mean nothing.
set -euo pipefail

invocation="bash bench/gpu.sh $*"
backend=wgpu
device=gpu
torch_device=""
threads=2
only=W1,W2,W3,W4,W5,S1
pass=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --backend) backend="${2:?--backend needs a value}"; shift 2 ;;
        --device) device="${2:?--device needs a value}"; shift 2 ;;
        --torch-device) torch_device="${2:?--torch-device needs a value}"; shift 2 ;;
        --threads) threads="${2:?--threads needs a value}"; shift 2 ;;
        --only) only="${2:?--only needs a value}"; shift 2 ;;
        --quick) pass+=(--quick); shift ;;
        --repeat) pass+=(--repeat "${2:?--repeat needs a value}"); shift 2 ;;
        -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "gpu.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
case "$backend" in
    wgpu|cuda) ;;
    *) echo "gpu.sh: --backend is wgpu or cuda, got '$backend'" >&2; exit 2 ;;
esac

root="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
cd "$root"
python="${PYTHON:-python3}"
if ! "$python" -c "import torch, numpy" >/dev/null 2>&1; then
    echo "gpu.sh: PyTorch is not importable by $python; install it with: pip install torch numpy" >&2
    exit 1
fi
if [[ -z "$torch_device" ]]; then
    torch_device="$("$python" -c '
import torch
mps = getattr(torch.backends, "mps", None)
print("cuda" if torch.cuda.is_available() else "mps" if mps and mps.is_available() else "cpu")')"
fi
if [[ "$torch_device" == cpu ]]; then
    echo "gpu.sh: PyTorch sees no GPU: its side runs on the CPU (a CUDA build of torch needs an NVIDIA GPU)" >&2
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/$backend}"
echo "gpu.sh: building the aekit benchmark with the $backend feature in $CARGO_TARGET_DIR..." >&2
# aekit-cli selected beside aekit, as the test group's build selects it:
# with aekit alone Cargo unifies other features on burn's dependencies
# (portable-atomic, futures-core) and compiles burn a second time.
aekit_bench="$(cargo bench --locked -p aekit-cli -p aekit --features "aekit-cli/$backend" \
    --bench workloads --no-run \
    --message-format=json-render-diagnostics | "$python" -c '
import json, sys
exe = None
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "workloads" and msg.get("executable"):
        exe = msg["executable"]
print(exe or "")
')" || aekit_bench=""
if [[ -z "$aekit_bench" || ! -x "$aekit_bench" ]]; then
    echo "gpu.sh: could not build the benchmark (cargo bench -p aekit-cli -p aekit --features aekit-cli/$backend --bench workloads)" >&2
    exit 1
fi

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
echo "gpu.sh: aekit on --device $device ($backend), PyTorch on $torch_device, threads $threads" >&2
"$aekit_bench" --bench --threads "$threads" --device "$device" --only "$only" "${pass[@]}" \
    | grep '^{' | tee -a "$results" >&2
"$python" bench/torch_ref.py --threads "$threads" --device "$torch_device" --only "$only" "${pass[@]}" \
    | grep '^{' | tee -a "$results" >&2
echo "aekit --device $device ($backend) vs PyTorch --device $torch_device"
"$python" bench/summary.py "$results" --command "$invocation"
