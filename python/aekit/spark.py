"""aekit on Spark, as ``pyspark.ml`` estimators: ``AutoencoderEstimator``
trains data-parallel in a barrier stage (one task per worker, parameters
averaged through ``BarrierTaskContext.allGather``) and its ``fit(df)``
gives an ``AutoencoderModel`` whose ``transform(df)`` adds the codes
``z0..`` (computed per partition with ``mapInArrow``). Needs pyspark and
pyarrow (``pip install aekit[spark]``) and aekit on every executor.

How training runs, what is averaged and what stays local:
``aekit._parallel``'s docs and docs/scale.md.
"""

import base64
import hashlib
import json
import os
import tempfile

import numpy as np
from pyspark import keyword_only
from pyspark.ml import Estimator, Model
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.param.shared import HasInputCols, HasSeed

from . import _aekit, _parallel
from ._batches import arrow_scorer, output_columns
from ._estimators import Autoencoder


class _AekitParams(HasInputCols, HasSeed):
    numWorkers = Param(
        Params._dummy(),
        "numWorkers",
        "tasks of the barrier stage that train in parallel (the input rows are dealt to them round-robin)",
        typeConverter=TypeConverters.toInt,
    )
    syncEvery = Param(
        Params._dummy(),
        "syncEvery",
        "optimiser steps between two averagings of the workers' parameters",
        typeConverter=TypeConverters.toInt,
    )
    aekitParams = Param(
        Params._dummy(),
        "aekitParams",
        "the aekit parameters as a JSON mapping (hidden, bottleneck, epochs, batch_size, ...);"
        " batch_size is the global batch, each task stepping on its share",
        typeConverter=TypeConverters.toString,
    )

    def __init__(self):
        super().__init__()
        self._setDefault(numWorkers=2, syncEvery=1, aekitParams="{}", seed=42)


class AutoencoderEstimator(Estimator, _AekitParams):
    """Trains a dense aekit autoencoder on a DataFrame's numeric columns
    ``inputCols`` (all numeric columns when unset), data-parallel on
    ``numWorkers`` barrier tasks."""

    @keyword_only
    def __init__(self, *, inputCols=None, numWorkers=2, syncEvery=1, aekitParams=None, seed=42):
        super().__init__()
        kwargs = self._input_kwargs
        if isinstance(kwargs.get("aekitParams"), dict):
            kwargs["aekitParams"] = json.dumps(kwargs["aekitParams"])
        if kwargs.get("aekitParams") is None:
            kwargs.pop("aekitParams", None)
        self._set(**kwargs)

    def _columns(self, df):
        from pyspark.sql.types import NumericType

        names = self.getOrDefault("inputCols") if self.isSet("inputCols") else None
        types = {f.name: f.dataType for f in df.schema.fields}
        if names is None:
            names = [n for n, t in types.items() if isinstance(t, NumericType)]
        for n in names:
            if n not in types:
                raise ValueError(f"column '{n}' is not in the DataFrame (it has {list(types)})")
            if not isinstance(types[n], NumericType):
                raise ValueError(
                    f"column '{n}' is {types[n].simpleString()}, not numeric: "
                    "distributed training reads numeric columns"
                )
        return names

    def _fit(self, df):
        names = self._columns(df)
        workers = self.getOrDefault("numWorkers")
        params = json.loads(self.getOrDefault("aekitParams"))
        params.setdefault("seed", self.getOrDefault("seed"))
        epochs = params.pop("epochs", 50)
        sync_every = self.getOrDefault("syncEvery")
        run = _barrier_task(_parallel.mapping(params, workers), names, epochs, sync_every)
        rdd = _dealt(df.select(*names), workers)
        if rdd.getNumPartitions() != workers:
            raise ValueError(f"{workers} workers asked, {rdd.getNumPartitions()} partitions made")
        model_bytes = rdd.barrier().mapPartitions(run).collect()
        if len(model_bytes) != 1:
            raise RuntimeError(f"expected one model from rank 0, got {len(model_bytes)}")
        model = AutoencoderModel(model_bytes[0])
        model._set(inputCols=names)
        return model


def _dealt(df, workers):
    """The rows dealt round-robin in the DataFrame's order, row i to
    partition i % workers and kept in order there: the shards Ray's actors
    deal themselves (``aekit.ray``), so both engines train on the same rows
    and give the same model. (``repartition`` deals from a random start per
    input partition, so its shards are neither Ray's nor ordered.)"""
    indexed = df.rdd.zipWithIndex().map(lambda pair: (pair[1], tuple(pair[0])))
    dealt = indexed.partitionBy(workers, lambda index: index % workers)
    return dealt.mapPartitions(
        lambda pairs: (row for _, row in sorted(pairs, key=lambda pair: pair[0])),
        preservesPartitioning=True,
    )


def _barrier_task(params_json, names, epochs, sync_every):
    """What each barrier task runs on its partition's rows."""

    def run(rows):
        from pyspark import BarrierTaskContext

        context = BarrierTaskContext.get()
        rank = context.partitionId()
        x = np.array(
            [[np.nan if v is None else v for v in row] for row in rows], dtype=np.float64
        ).reshape(-1, len(names))

        def all_gather(message):
            gathered = context.allGather(base64.b64encode(message).decode("ascii"))
            return [base64.b64decode(m) for m in gathered]

        worker = _parallel.Worker(params_json, rank, x, names)
        model = _parallel.train(worker, all_gather, epochs, sync_every)
        if rank == 0:
            yield model

    return run


class AutoencoderModel(Model, _AekitParams):
    """A fitted aekit model: ``transform(df)`` adds its codes ``z0..``,
    computed per partition; ``save_model(path)`` writes the model file the
    ``aekit`` command reads."""

    def __init__(self, model_bytes=None):
        super().__init__()
        self._bytes = model_bytes

    @property
    def estimator(self):
        """The model as aekit's scikit-learn estimator."""
        est = Autoencoder()
        est.model_ = _aekit.Model.from_bytes(self._bytes)
        est.n_components_ = est.model_.bottleneck()
        est.n_features_in_ = len(est.model_.feature_names())
        return est

    def to_bytes(self):
        return self._bytes

    def save_model(self, path):
        """Writes the model file atomically."""
        self.estimator.model_.save(str(path))

    def _transform(self, df):
        keep = [c for c in df.columns]
        est = self.estimator
        columns = output_columns(est, keep)
        types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
        schema = ", ".join(f"`{c}` {types.get(c, 'float')}" for c in columns)
        model_bytes = self._bytes
        digest = hashlib.sha256(model_bytes).hexdigest()[:20]

        def model_file():
            # One file per model and executor process, written once.
            path = os.path.join(tempfile.gettempdir(), f"aekit-{os.getpid()}-{digest}.aekit")
            if not os.path.exists(path):
                _aekit.Model.from_bytes(model_bytes).save(path)
            return path

        return df.mapInArrow(arrow_scorer(model_file, keep=keep), schema)
