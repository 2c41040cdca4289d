"""Data-parallel training, whatever the engine: every worker trains the
same network on its own rows with the library, and at fixed steps the
workers' parameters are averaged (model averaging, "local SGD"). The
engine supplies only the exchange (Spark's barrier ``allGather``, Ray's
object store); the schedule and the averaging live here and in the
library, so Spark and Ray train alike.

What is averaged: every weight and bias, and batch norm's gamma, beta,
running mean and running variance. What stays local: each worker's
optimiser state (Adam's moments, its step count) and its shuffling.
Workers start from the same weights (the same seed), so no first exchange
is needed. The scaler is fitted on every row before training starts, from
per-worker statistics merged in rank order (min-max exactly; standard to
float rounding; robust is refused: its quantiles do not merge exactly).

Determinism: a worker trains on one thread, its rows in the order the
engine gives them, and averages sum in rank order in f64, so a given seed,
partitioning and worker count give the same model bytes.
"""

import json
import math

import numpy as np

from . import _aekit


def mapping(params, workers=1):
    """The JSON mapping for distributed training: one thread per worker
    (bit-exact results), and missing cells refused, since workers would
    otherwise fit different fills and columns.

    ``batch_size`` is the global batch, as one worker's: each of ``workers``
    steps on ``ceil(batch_size / workers)`` rows, so an epoch makes as many
    averaged updates as one worker would (at the full batch each, W workers
    would make 1/W of them, and fall behind for the same epochs)."""
    p = dict(params or {})
    p.setdefault("threads", 1)
    p.setdefault("missing", "error")
    p.setdefault("kind", "dense")
    if workers > 1:
        # The library reads the mapping (its default batch, its errors).
        batch = _aekit.Incremental(json.dumps(p)).batch_size()
        p["batch_size"] = -(-batch // workers)
    return json.dumps(p)


def schedule(row_counts, batch_size, epochs, sync_every):
    """Per epoch, the sizes of the step runs between exchanges: an epoch is
    as many steps as the largest worker needs for one pass (smaller ones
    wrap around their rows), with an exchange every ``sync_every`` steps
    and at the end of every epoch."""
    if sync_every < 1:
        raise ValueError(f"invalid parameter sync_every: {sync_every} (expected >= 1)")
    steps = max(math.ceil(n / batch_size) for n in row_counts)
    runs = [sync_every] * (steps // sync_every)
    if steps % sync_every:
        runs.append(steps % sync_every)
    return [runs for _ in range(epochs)]


class Worker:
    """One worker's training: rows, the library's incremental fit, and the
    messages it exchanges (bytes)."""

    def __init__(self, params_json, rank, x, names):
        self.rank = rank
        self.fit = _aekit.Incremental(params_json)
        self.x, self.names = x, names
        if len(x) == 0:
            raise ValueError(f"worker {rank} has no rows: give fewer workers or more partitions")

    def _where(self, error):
        return ValueError(f"partition {self.rank}: {error}")

    def stats(self):
        """This worker's column statistics and row count, as a message."""
        try:
            stats = self.fit.scaler_stats(self.x, self.names)
        except ValueError as e:
            raise self._where(e) from None
        return json.dumps({"stats": stats, "rows": len(self.x), "columns": self.names}).encode()

    def start(self, messages):
        """Fixes the scaler from every worker's statistics (rank order) and
        loads the rows; returns every worker's row count."""
        decoded = [json.loads(m) for m in messages]
        for other, d in enumerate(decoded):
            if d["columns"] != self.names:
                raise ValueError(
                    f"partition {other} has columns {d['columns']}, partition {self.rank} {self.names}"
                )
        self.fit.set_scaler_stats([d["stats"] for d in decoded])
        try:
            self.fit.load(self.x, self.names)
        except ValueError as e:
            raise self._where(e) from None
        self.x = None  # the library holds the scaled rows
        return [d["rows"] for d in decoded]

    def batch_size(self):
        return self.fit.batch_size()

    def run(self, steps):
        """``steps`` optimiser steps; their mean loss."""
        return self.fit.run_steps(steps)

    def parameters(self):
        return self.fit.parameters()

    def average(self, messages):
        """Takes the mean of every worker's parameters (rank order)."""
        self.fit.set_parameters(_aekit.average_parameters(list(messages)))

    def end_epoch(self, losses):
        """Records the epoch's loss, the workers' mean (rank order)."""
        self.fit.record_epoch(float(np.mean(np.asarray(losses, dtype=np.float64))))

    def model_bytes(self):
        return self.fit.model().to_bytes()


def train(worker, all_gather, epochs, sync_every):
    """The whole run on one worker, exchanging through ``all_gather`` (bytes
    in, every worker's bytes out in rank order): statistics, then the
    parameters at each synchronisation and the losses at each epoch's end.
    Returns the model file's bytes (the same on every worker)."""
    counts = worker.start(all_gather(worker.stats()))
    # A lone worker's average is its own parameters, bit for bit: skip the
    # exchange (a Spark allGather costs about a second).
    alone = len(counts) == 1
    for runs in schedule(counts, worker.batch_size(), epochs, sync_every):
        weighted = 0.0
        for steps in runs:
            weighted += worker.run(steps) * steps
            if not alone:
                worker.average(all_gather(worker.parameters()))
        loss = repr(weighted / sum(runs)).encode()
        losses = [loss] if alone else all_gather(loss)
        worker.end_epoch([float(v) for v in losses])
    return worker.model_bytes()
