"""The data-parallel worker code both engines run (aekit._parallel), its
exchange done by threads in this process: no Spark or Ray needed."""

import json
import threading

import numpy as np

from aekit import _aekit, _parallel

PARAMS = {"hidden": [16], "bottleneck": 4, "batch_size": 32, "seed": 3}


def _train(x, names, workers, epochs=2, sync_every=1):
    """Trains with round-robin partitions, one thread per worker; returns
    every worker's model bytes and how many exchanges each made."""
    parts = [x[r::workers] for r in range(workers)]
    params = _parallel.mapping(PARAMS, workers)
    barrier = threading.Barrier(workers)
    board, out, calls = [None] * workers, [None] * workers, [0] * workers

    def run(rank):
        def all_gather(message):
            calls[rank] += 1
            board[rank] = message
            barrier.wait()
            gathered = list(board)
            barrier.wait()
            return gathered

        worker = _parallel.Worker(params, rank, parts[rank], names)
        out[rank] = _parallel.train(worker, all_gather, epochs, sync_every)

    threads = [threading.Thread(target=run, args=(r,)) for r in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out, calls


def test_two_workers_end_with_one_model_the_same_bytes_twice(tutorial_data):
    x, names = tutorial_data["x_train"], tutorial_data["columns"]
    out, calls = _train(x, names, 2)
    assert out[0] == out[1], "workers ended with different models"
    # The statistics, then one exchange per step and one for each
    # epoch's losses; each worker steps on half the (global) batch.
    steps = -(-len(x[0::2]) // (PARAMS["batch_size"] // 2))
    assert calls == [1 + 2 * (steps + 1)] * 2
    assert _train(x, names, 2)[0][0] == out[0]
    assert _train(x, names, 2, sync_every=4)[0][0] != out[0]


def test_a_lone_worker_skips_the_exchange_and_trains_as_if_it_averaged(tutorial_data):
    x, names = tutorial_data["x_train"], tutorial_data["columns"]
    out, calls = _train(x, names, 1)
    assert calls == [1], "only the statistics go through the engine"
    # The same run averaging its own parameters every step: the same bytes
    # (the mean of one vector is itself, in f64 and back).
    worker = _parallel.Worker(_parallel.mapping(PARAMS), 0, np.array(x), names)
    counts = worker.start([worker.stats()])
    for runs in _parallel.schedule(counts, worker.batch_size(), 2, 1):
        weighted = 0.0
        for steps in runs:
            weighted += worker.run(steps) * steps
            worker.average([worker.parameters()])
        worker.end_epoch([weighted / sum(runs)])
    assert worker.model_bytes() == out[0]


def test_the_batch_is_global_so_workers_make_one_workers_updates_per_epoch():
    one = json.loads(_parallel.mapping(PARAMS))
    assert one["batch_size"] == 32, "a lone worker keeps the batch it was given"
    assert json.loads(_parallel.mapping(PARAMS, 2))["batch_size"] == 16
    assert json.loads(_parallel.mapping(PARAMS, 3))["batch_size"] == 11
    # Without a batch size, the library's default is the one split.
    default = json.loads(_parallel.mapping({}))
    assert "batch_size" not in default
    split = json.loads(_parallel.mapping({}, 4))["batch_size"]
    assert split == -(-_aekit.Incremental(_parallel.mapping({})).batch_size() // 4)
