"""Scoring Arrow record batches with a model file: the function Spark's
``DataFrame.mapInArrow`` and Ray Data's ``map_batches`` call on each
executor. The executor needs this package and the model file, nothing else;
the model is read once per worker process."""

import numpy as np

from ._estimators import AnomalyDetector
from ._load import load

_LOADED = {}


def _model(model_file):
    path = str(model_file() if callable(model_file) else model_file)
    model = _LOADED.get(path)
    if model is None:
        model = _LOADED[path] = load(path)
    return model


def output_columns(model, keep=()):
    """The column names ``arrow_scorer`` yields: the kept columns, then
    ``score`` and ``is_anomaly`` for a detector, or the codes ``z0..``."""
    if isinstance(model, AnomalyDetector):
        return [*keep, "score", "is_anomaly"]
    return [*keep, *model.get_feature_names_out()]


def arrow_scorer(model_file, keep=()):
    """A function from an iterator of ``pyarrow.RecordBatch`` to an iterator
    of them, scoring each batch with the model.

    ``model_file`` is a path, or a function returning one (on Spark,
    ``lambda: SparkFiles.get("model.aekit")``, resolved on the executor).
    The batch must hold the model's feature columns by name; the ``keep``
    columns (ids, labels) are passed through unchanged.
    """
    keep = list(keep)

    def score(batches):
        import pyarrow as pa

        model = _model(model_file)
        features = model.model_.feature_names()
        for batch in batches:
            x = np.empty((batch.num_rows, len(features)), dtype=np.float64, order="F")
            for j, name in enumerate(features):
                x[:, j] = batch.column(name).to_numpy(zero_copy_only=False)
            out = {name: batch.column(name) for name in keep}
            if isinstance(model, AnomalyDetector):
                scores = -model.score_samples(x)
                out["score"] = pa.array(scores)
                out["is_anomaly"] = pa.array(scores > model.threshold_)
            else:
                codes = model.transform(x)
                for j, name in enumerate(model.get_feature_names_out()):
                    out[name] = pa.array(codes[:, j])
            yield pa.RecordBatch.from_pydict(out)

    return score
