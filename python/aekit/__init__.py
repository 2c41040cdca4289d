"""aekit: autoencoders from a Rust core, as scikit-learn estimators.

``Autoencoder`` is a transformer (codes out), ``AnomalyDetector`` an outlier
detector with IsolationForest's contract and PyOD's attribute names, and
``load`` reads any model file the ``aekit`` command writes.
``arrow_scorer`` scores Arrow batches (Spark's ``mapInArrow``, Ray's
``map_batches``) with a model file.
"""

from ._aekit import __version__
from ._batches import arrow_scorer, output_columns
from ._estimators import AnomalyDetector, Autoencoder, load

__all__ = [
    "Autoencoder",
    "AnomalyDetector",
    "load",
    "arrow_scorer",
    "output_columns",
    "__version__",
]
