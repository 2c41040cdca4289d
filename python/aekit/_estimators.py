"""The scikit-learn estimators: parameter storage, input checking with
scikit-learn's own validators, and pickling through the model-file bytes.
Every computation happens in the Rust library (``aekit._aekit``)."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _aekit

_FLOATS = (np.float32, np.float64)


def _columns(X):
    """Column names of a DataFrame (as strings), else None."""
    cols = getattr(X, "columns", None)
    if cols is None:
        return None
    return [str(c) for c in cols]


def _is_mixed(X):
    """Whether X is a DataFrame with a column that is not numbers (text,
    categories, booleans): it then crosses as cells."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(X, "itertuples"):
        return False
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return any(is_bool_dtype(d) or not is_numeric_dtype(d) for d in dtypes)


def _cell(v):
    from pandas import isna

    if v is None or (not isinstance(v, str) and isna(v)):
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return str(v)


def _cells(X):
    """A DataFrame's rows as text cells ("" for None/NaN, booleans as
    true/false), which the library reads as a file's: string columns
    one-hot, booleans 0/1, missing cells imputed."""
    return [[_cell(v) for v in row] for row in X.itertuples(index=False, name=None)]


def _seed(random_state):
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral):
        if random_state < 0:
            raise ValueError(f"invalid parameter random_state: {random_state} (expected >= 0)")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    raise TypeError(f"random_state must be an int, a RandomState or None, got {random_state!r}")


def _list(widths):
    return None if widths is None else [int(w) for w in widths]


class _Fitted:
    """Pickling and saving through the model-file bytes: the native model
    is replaced by the bytes of the file `save` writes."""

    _native = None

    def __getstate__(self):
        state = self.__dict__.copy()
        if "model_" in state:
            state["model_"] = state["model_"].to_bytes()
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model_"), bytes):
            state["model_"] = self._native.from_bytes(state["model_"])
        self.__dict__.update(state)

    def save(self, path):
        """Writes the model file the ``aekit`` command reads."""
        check_is_fitted(self, "model_")
        self.model_.save(str(path))

    def summary(self):
        """The Keras-style model summary with parameter counts."""
        check_is_fitted(self, "model_")
        return self.model_.summary()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Missing values (NaN) are imputed by the library.
        tags.input_tags.allow_nan = True
        return tags

    def _check(self, X, reset):
        names = _columns(X)
        if _is_mixed(X):
            # scikit-learn's bookkeeping (feature names and count) only:
            # the library encodes the cells.
            validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=False)
            return _cells(X), names
        # The library checks every value itself (its error names the row
        # and column), so scikit-learn's pass over the array is skipped.
        X = validate_data(self, X, reset=reset, dtype=_FLOATS, ensure_all_finite=False)
        return X, names


class Autoencoder(_Fitted, TransformerMixin, BaseEstimator):
    """A dense autoencoder as a scikit-learn transformer.

    Parameters mirror ``aekit train``'s flags; ``None`` takes the library's
    default. ``transform`` gives the codes, ``inverse_transform`` decodes
    them, ``predict``/``reconstruct`` rebuild rows and ``score_samples``
    gives each row's reconstruction error.
    """

    _native = _aekit.Model

    def __init__(
        self,
        hidden=None,
        bottleneck=None,
        activation=None,
        batch_norm=None,
        dropout=None,
        optimizer=None,
        lr=None,
        loss=None,
        epochs=None,
        batch_size=None,
        patience=None,
        validation_split=None,
        scale=None,
        noise=None,
        random_state=None,
        threads=None,
        decoder_hidden=None,
        bottleneck_activation=None,
        output_activation=None,
        momentum=None,
        shuffle=None,
        min_delta=None,
        weight_decay=None,
    ):
        self.weight_decay = weight_decay
        self.decoder_hidden = decoder_hidden
        self.bottleneck_activation = bottleneck_activation
        self.output_activation = output_activation
        self.momentum = momentum
        self.shuffle = shuffle
        self.min_delta = min_delta
        self.hidden = hidden
        self.bottleneck = bottleneck
        self.activation = activation
        self.batch_norm = batch_norm
        self.dropout = dropout
        self.optimizer = optimizer
        self.lr = lr
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.patience = patience
        self.validation_split = validation_split
        self.scale = scale
        self.noise = noise
        self.random_state = random_state
        self.threads = threads

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The network computes in float32, whatever the input's dtype.
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def fit(self, X, y=None):
        X, names = self._check(X, reset=True)
        self.model_ = _aekit.fit_autoencoder(
            X,
            names,
            hidden=_list(self.hidden),
            bottleneck=self.bottleneck,
            activation=self.activation,
            batch_norm=self.batch_norm,
            dropout=self.dropout,
            optimizer=self.optimizer,
            lr=self.lr,
            loss=self.loss,
            epochs=self.epochs,
            batch_size=self.batch_size,
            patience=self.patience,
            validation_split=self.validation_split,
            scale=self.scale,
            random_state=_seed(self.random_state),
            threads=self.threads,
            noise=self.noise,
            decoder_hidden=_list(self.decoder_hidden),
            bottleneck_activation=self.bottleneck_activation,
            output_activation=self.output_activation,
            momentum=self.momentum,
            shuffle=self.shuffle,
            min_delta=self.min_delta,
            weight_decay=self.weight_decay,
        )
        self.n_components_ = self.model_.bottleneck()
        return self

    @property
    def history_(self):
        """Per-epoch losses, as Keras' ``History.history``."""
        check_is_fitted(self, "model_")
        h = self.model_.history()
        out = {"loss": [loss for loss, _ in h]}
        if any(v is not None for _, v in h):
            out["val_loss"] = [v for _, v in h]
        return out

    def transform(self, X):
        check_is_fitted(self, "model_")
        X, names = self._check(X, reset=False)
        return self.model_.transform(X, names)

    def inverse_transform(self, X):
        check_is_fitted(self, "model_")
        Z = np.asarray(X, dtype=np.float32)
        if Z.ndim != 2:
            raise ValueError(f"expected 2-D codes, got an array of shape {Z.shape}")
        return self.model_.inverse_transform(Z)

    def predict(self, X):
        """Each row rebuilt by the autoencoder, in its own units."""
        check_is_fitted(self, "model_")
        X, names = self._check(X, reset=False)
        return self.model_.predict(X, names)

    reconstruct = predict

    def score_samples(self, X):
        """Each row's reconstruction error (higher: less like the training data)."""
        check_is_fitted(self, "model_")
        X, names = self._check(X, reset=False)
        return self.model_.score_samples(X, names)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "model_")
        return np.asarray([f"z{i}" for i in range(self.n_components_)], dtype=object)


class AnomalyDetector(_Fitted, OutlierMixin, BaseEstimator):
    """Autoencoder anomaly detection with scikit-learn's outlier contract
    (as IsolationForest) and PyOD's attribute names.

    ``predict`` gives +1 (inlier) / -1 (outlier), ``decision_function`` is
    negative for outliers, ``score_samples`` is the negated anomaly score and
    ``offset_`` the negated threshold; ``decision_scores_``, ``threshold_``
    and ``labels_`` (0/1) are PyOD's. Without ``hidden``/``bottleneck`` the
    library's ensemble is fitted, as ``aekit detect``.
    """

    _native = _aekit.Detector

    def __init__(
        self,
        contamination=0.1,
        hidden=None,
        bottleneck=None,
        activation=None,
        optimizer=None,
        lr=None,
        loss=None,
        epochs=None,
        batch_size=None,
        patience=None,
        validation_split=None,
        scale=None,
        random_state=None,
        threads=None,
    ):
        self.contamination = contamination
        self.hidden = hidden
        self.bottleneck = bottleneck
        self.activation = activation
        self.optimizer = optimizer
        self.lr = lr
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.patience = patience
        self.validation_split = validation_split
        self.scale = scale
        self.random_state = random_state
        self.threads = threads

    def fit(self, X, y=None):
        X, names = self._check(X, reset=True)
        self.model_ = _aekit.fit_detector(
            X,
            names,
            contamination=self.contamination,
            hidden=_list(self.hidden),
            bottleneck=self.bottleneck,
            activation=self.activation,
            optimizer=self.optimizer,
            lr=self.lr,
            loss=self.loss,
            epochs=self.epochs,
            batch_size=self.batch_size,
            patience=self.patience,
            validation_split=self.validation_split,
            scale=self.scale,
            random_state=_seed(self.random_state),
            threads=self.threads,
        )
        self._set_fitted()
        return self

    def _set_fitted(self):
        self.threshold_ = self.model_.threshold()
        self.offset_ = -self.threshold_
        scores = self.model_.decision_scores()
        if scores is not None:
            self.decision_scores_ = scores
            self.labels_ = (scores > self.threshold_).astype(np.int64)

    def _scores(self, X):
        check_is_fitted(self, "model_")
        X, names = self._check(X, reset=False)
        return self.model_.scores(X, names)

    def score_samples(self, X):
        """The negated anomaly score: lower is more abnormal (scikit-learn's sign)."""
        return -self._scores(X)

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers."""
        scores = self._scores(X)
        return self.threshold_ - scores

    def predict(self, X):
        """+1 for inliers, -1 for outliers."""
        return np.where(self._scores(X) > self.threshold_, -1, 1)

    def explain(self, X, top=3):
        """Per row, the ``top`` (feature, share of the row's error) pairs
        that drive its anomaly score, largest first."""
        check_is_fitted(self, "model_")
        X, names = self._check(X, reset=False)
        return self.model_.explain(X, int(top), names)


def load(path):
    """Reads any model file the ``aekit`` command or ``save`` writes: an
    ``AnomalyDetector`` for a file with an anomaly threshold, else an
    ``Autoencoder``."""
    model = _aekit.Model.load(str(path))
    if _aekit.is_detector(model):
        est = AnomalyDetector()
        est.model_ = _aekit.Detector.from_bytes(model.to_bytes())
        est._set_fitted()
    else:
        est = Autoencoder()
        est.model_ = model
        est.n_components_ = model.bottleneck()
    est.n_features_in_ = len(model.feature_names())
    return est
