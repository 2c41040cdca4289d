"""aekit: autoencoders from a Rust core, as scikit-learn estimators.

``Autoencoder`` (dense; denoising with ``noise``, paired with ``fit(X, Y)``),
``ConvAutoencoder`` and ``VariationalAutoencoder`` are transformers (codes
out), ``AnomalyDetector`` an outlier detector with IsolationForest's
contract and PyOD's attribute names, ``TextClassifier`` a classifier of
texts and ``TextAutoencoder`` gives document embeddings; ``load`` reads
any model file the ``aekit`` command writes. ``arrow_scorer`` scores Arrow
batches (Spark's ``mapInArrow``, Ray's ``map_batches``) with a model file.
"""

from ._aekit import __version__
from ._batches import arrow_scorer, output_columns
from ._estimators import AnomalyDetector, Autoencoder
from ._images import ConvAutoencoder, VariationalAutoencoder
from ._load import load
from ._text import TextAutoencoder, TextClassifier

__all__ = [
    "Autoencoder",
    "ConvAutoencoder",
    "VariationalAutoencoder",
    "AnomalyDetector",
    "TextClassifier",
    "TextAutoencoder",
    "load",
    "arrow_scorer",
    "output_columns",
    "__version__",
]
