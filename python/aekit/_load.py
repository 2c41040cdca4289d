"""``load``: any model file the ``aekit`` command or ``save`` writes, as
the estimator of its kind."""

from . import _aekit
from ._estimators import AnomalyDetector, Autoencoder
from ._images import ConvAutoencoder, VariationalAutoencoder
from ._text import TextAutoencoder, TextClassifier

_TABULAR = {"dense": Autoencoder, "conv": ConvAutoencoder, "vae": VariationalAutoencoder}


def load(path, device=None):
    """Reads any model file the ``aekit`` command or ``save`` writes, as a
    fitted estimator of its kind: an ``AnomalyDetector`` for a file with an
    anomaly threshold, a ``TextClassifier`` or ``TextAutoencoder`` for text
    models, else an ``Autoencoder``, ``ConvAutoencoder`` or
    ``VariationalAutoencoder``. ``device`` ("cpu", "gpu", "gpu:N", "auto";
    default the CPU) is where it runs."""
    est = _load(str(path), device)
    est.device = device
    return est


def _load(path, device):
    kind = _aekit.model_kind(path)
    if kind == "text_classifier":
        est = TextClassifier()
        est.model_ = _aekit.TextModel.load(path, device)
        est._set_classes()
        return est
    if kind == "doc_autoencoder":
        est = TextAutoencoder()
        est.model_ = _aekit.DocModel.load(path, device)
        est.n_components_ = est.model_.code_width()
        return est
    model = _aekit.Model.load(path, device)
    if _aekit.is_detector(model):
        est = AnomalyDetector()
        est.model_ = _aekit.Detector.from_bytes(model.to_bytes(), device)
        est._set_fitted()
    else:
        est = _TABULAR.get(kind, Autoencoder)()
        est.model_ = model
        est.n_components_ = model.bottleneck()
        shape = model.image_shape()
        if shape is not None and hasattr(est, "_image_ndim"):
            # Images come back as (n, C, H, W), or (n, H, W) when grey.
            est._image_ndim, est.image_shape_ = (3 if shape[0] == 1 else 4), tuple(shape)
    est.n_features_in_ = len(model.feature_names())
    return est
