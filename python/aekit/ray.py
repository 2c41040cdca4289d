"""aekit on Ray: data-parallel training with Ray actors fed by a Ray
Dataset. Each actor holds every ``workers``-th row (dealt round-robin, as
aekit.spark deals them) and trains it with the library;
parameters are exchanged through Ray's object store (each actor's vector
is an object; every actor fetches all of them, in rank order, and
averages), with the same schedule, averaging and determinism as Spark's
(``aekit._parallel``). Needs ``pip install ray``."""

import ray

from . import _aekit, _parallel


@ray.remote(num_cpus=1)
class _Trainer:
    def __init__(self, params_json, rank, workers, dataset, names):
        import numpy as np

        # Rows dealt round-robin, as aekit.spark deals them: row i
        # of the Dataset to actor i % workers, so each shard samples the
        # whole Dataset, not a stretch of it (an ordered file would give each
        # actor its own distribution). Streamed: an actor keeps only its rows.
        parts, start = [], 0
        for batch in dataset.iter_batches(batch_format="pandas"):
            first = (rank - start) % workers
            parts.append(batch[names].to_numpy(dtype=np.float64)[first::workers])
            start += len(batch)
        x = np.concatenate(parts) if parts else np.empty((0, len(names)))
        self.worker = _parallel.Worker(params_json, rank, x, names)
        self.weighted = 0.0
        self.steps = 0

    def stats(self):
        return self.worker.stats()

    def start(self, *messages):
        return self.worker.start(messages)

    def batch_size(self):
        return self.worker.batch_size()

    def step(self, steps):
        self.weighted += self.worker.run(steps) * steps
        self.steps += steps

    def parameters(self):
        return self.worker.parameters()

    def average(self, *messages):
        self.worker.average(messages)

    def epoch_loss(self):
        loss, self.weighted, self.steps = self.weighted / self.steps, 0.0, 0
        return loss

    def end_epoch(self, *losses):
        self.worker.end_epoch(losses)

    def model_bytes(self):
        return self.worker.model_bytes()


def train(dataset, names, workers, params=None, epochs=50, sync_every=1):
    """Trains on the columns ``names`` of a Ray ``Dataset`` with
    ``workers`` actors; returns the model file's bytes. ``batch_size`` in
    ``params`` is the global batch: each actor steps on its share."""
    if workers < 1:
        raise ValueError(f"invalid parameter workers: {workers} (expected >= 1)")
    _check_columns(dataset, names)
    # Materialised once, so every actor reads the same rows in the same order.
    dataset = dataset.materialize()
    params_json = _parallel.mapping(params, workers)
    actors = [
        _Trainer.remote(params_json, r, workers, dataset, list(names)) for r in range(workers)
    ]
    stats = [a.stats.remote() for a in actors]
    counts = ray.get([a.start.remote(*stats) for a in actors])[0]
    batch_size = ray.get(actors[0].batch_size.remote())
    # An actor runs its calls in the order they are made, so the driver
    # only queues them; parameters go actor to actor through the object store.
    for runs in _parallel.schedule(counts, batch_size, epochs, sync_every):
        for steps in runs:
            for a in actors:
                a.step.remote(steps)
            if workers == 1:
                continue  # a lone actor's average is its own parameters
            vectors = [a.parameters.remote() for a in actors]
            for a in actors:
                a.average.remote(*vectors)
        losses = [a.epoch_loss.remote() for a in actors]
        for a in actors:
            a.end_epoch.remote(*losses)
    model = ray.get(actors[0].model_bytes.remote())
    for a in actors:
        ray.kill(a)
    return model


def _check_columns(dataset, names):
    """Refuses, before any actor starts, a column the Dataset lacks or does
    not type as a number (a text cell makes its whole column text when
    read, so the column is what to name, as Spark's Estimator does)."""
    import pyarrow as pa

    schema = dataset.schema()
    types = dict(zip(schema.names, schema.types))
    for n in names:
        if n not in types:
            raise ValueError(f"column '{n}' is not in the Dataset (it has {list(types)})")
        t = types[n]
        numeric = isinstance(t, pa.DataType) and (
            pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
        )
        if not numeric:
            raise ValueError(
                f"column '{n}' is {t}, not numeric: distributed training reads numeric columns"
            )


def model_from_bytes(model_bytes):
    """The model as aekit's scikit-learn estimator."""
    from ._estimators import Autoencoder

    est = Autoencoder()
    est.model_ = _aekit.Model.from_bytes(model_bytes)
    est.n_components_ = est.model_.bottleneck()
    est.n_features_in_ = len(est.model_.feature_names())
    return est
