#!/usr/bin/env python3
"""Where W4's training time goes, from a perf profile of the benchmark.

    perf record -e cpu-clock -F 499 --call-graph dwarf,32768 -o w4.data \\
        target/release/deps/workloads-* --bench --threads 2 --only W4 --repeat 1 --w4-batches 60
    perf script -i w4.data -F tid,time,ip,sym > w4.stacks
    python3 bench/w4_profile.py w4.stacks

Only samples between the first and last one inside the training loop
(`fit_loop::run`) count, so generating and scaling the data is left out.
Each sample of the training thread is put under the burn operation its
call stack passes through (the autodiff backward ops name which gradient
they form); samples of the other rayon thread carry no such stack (stolen
work) and are counted apart. A second table buckets every sample by the
primitive at the top of its stack.
"""
import collections
import re
import sys


def samples(path):
    """(tid, time, frames leaf first) per sample of `perf script -F tid,time,ip,sym`."""
    cur = None
    for line in open(path, errors="replace"):
        if not line.strip():
            if cur is not None:
                yield cur
            cur = None
        elif not line[0].isspace():
            tid, time = line.split()[:2]
            cur = (int(tid), float(time.rstrip(":")), [])
        elif cur is not None:
            parts = line.strip().split(" ", 1)
            if len(parts) == 2:
                cur[2].append(parts[1])
    if cur is not None:
        yield cur


def has(stack, *keys):
    return any(k in f for f in stack for k in keys)


# First match wins: the backward ops before the forward ones they call.
OPERATIONS = [
    (("conv_transpose2d_weight_backward",), "deconv backward: weight gradient"),
    (("conv_transpose2d_x_backward",), "deconv backward: input gradient"),
    (("conv_transpose2d_bias_backward", "conv2d_bias_backward"), "conv + deconv bias gradients"),
    (("conv2d_weight_backward",), "conv backward: weight gradient"),
    (("conv2d_x_backward",), "conv backward: input gradient"),
]


def operation(stack):
    for keys, name in OPERATIONS:
        if has(stack, *keys):
            return name
    if has(stack, "backward_impl"):
        if has(stack, "float_matmul"):
            return "dense layers backward"
        return "other backward (relu, reshapes, sums)"
    if has(stack, "ConvTranspose2d::forward"):
        return "deconv forward"
    if has(stack, "Conv2d::forward"):
        return "conv forward"
    if has(stack, "Linear::forward"):
        return "dense layers forward"
    if has(stack, "forward_training"):
        return "other forward (relu, reshapes)"
    if has(stack, "burn_optim", "Adam", "optim::"):
        return "optimiser (Adam)"
    if has(stack, "loss_and_gradient", "kernel::loss"):
        return "loss (fused MSE)"
    if has(stack, "Pairs", "to_tensor", "::batch"):
        return "data batching"
    if has(stack, "GradientsParams"):
        return "gradient collection"
    if has(stack, "BatchNorm", "batch_norm"):
        return "batch norm"
    return "other in step"


def primitive(stack):
    leaf = stack[0] if stack else ""
    if has(stack[:12], "clear_page", "exc_page_fault", "do_huge_pmd", "folio_zero"):
        return "page faults (fresh pages zeroed by the kernel)"
    if "gemm" in leaf or "pack_" in leaf:
        return "gemm (incl. packing)"
    if any(k in leaf for k in ("copy_2d_tiled", "copy_batched", "into_contiguous", "memmove")):
        return "layout copies (swap_dims, NHWC)"
    if "memset" in leaf:
        return "memset (zeroing buffers)"
    if any(k in leaf for k in ("conv3d", "StepBy", "im2col", "conv_plane")):
        return "im2col / direct conv loops"
    if "conv_transpose3d" in leaf:
        return "transposed-conv scatter loops"
    if any(k in leaf for k in ("macerator", "binary", "unary", "scalar_op")):
        return "element-wise ops"
    return "other"


def main():
    every = list(samples(sys.argv[1]))
    inside = [t for _, t, st in every if has(st, "fit_loop")]
    if not inside:
        sys.exit("w4_profile.py: no sample inside the training loop")
    t0, t1 = min(inside), max(inside)
    window = [s for s in every if t0 <= s[1] <= t1]
    main_thread = [s for s in window if has(s[2], "fit_loop")]
    n = len(window)
    print(f"training window {t1 - t0:.2f} s, {n} samples "
          f"(training thread {len(main_thread)}, other threads {n - len(main_thread)})")
    print("\nby operation, % of the training window's samples")
    for name, count in collections.Counter(operation(st) for _, _, st in main_thread).most_common():
        print(f"{100 * count / n:5.1f} %  {name}")
    print(f"{100 * (n - len(main_thread)) / n:5.1f} %  other rayon threads (stolen work)")
    print("\nby primitive at the top of the stack, all threads")
    for name, count in collections.Counter(primitive(st) for _, _, st in window).most_common():
        print(f"{100 * count / n:5.1f} %  {name}")


if __name__ == "__main__":
    main()
