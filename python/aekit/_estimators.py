"""The tabular estimators: input checking with scikit-learn's own
validators, and the dense ``Autoencoder`` and ``AnomalyDetector`` (the
image kinds are in ``_images``, the text kinds in ``_text``). Every
computation happens in the Rust library (``aekit._aekit``)."""

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _aekit
from ._base import _RECONSTRUCTION_DOC, _Params, _Reconstruction

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


def _targets(y):
    """Paired targets: a 2-D ``y`` (or DataFrame) is the rows to produce; a
    1-D ``y`` is labels, which an autoencoder does not use (a pipeline hands
    every step the labels)."""
    if y is None:
        return None, None
    names, Y = _columns(y), np.asarray(y)
    if Y.ndim != 2:
        return None, None
    return Y.astype(np.float64, copy=False), names


class _Tabular(_Params):
    """Rows of numbers in: the checks every tabular estimator makes."""

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


class _Coder(_Tabular):
    """What every autoencoder kind does with rows: codes, rebuilt rows,
    reconstruction errors; ``score`` is higher for better models (minus
    the mean error) so model selection needs no scorer."""

    _native = _aekit.Model

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The network computes in float32, whatever the input's dtype.
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def _image_shape(self):
        """(C, H, W) when the rows are images."""
        return None

    def _fit(self, X, y):
        X, names = self._check(X, reset=True)
        Y, y_names = _targets(y)
        shape = self._image_shape()
        self.model_ = _aekit.Model.fit(self._mapping(), X, names, Y, y_names, shape)
        self.n_components_ = self.model_.bottleneck()
        return self

    def transform(self, X):
        """The codes of the rows of ``X`` (float32)."""
        check_is_fitted(self, "model_")
        X, names = self._check(X, reset=False)
        return self.model_.transform(X, names)

    def inverse_transform(self, X):
        """Rows decoded from codes (the decoder alone), in original units."""
        check_is_fitted(self, "model_")
        Z = np.asarray(X, dtype=np.float32)
        if Z.ndim != 2:
            raise ValueError(f"expected 2-D codes, got an array of shape {Z.shape}")
        return self.model_.inverse_transform(Z)

    def predict(self, X):
        """Each row rebuilt by the autoencoder (a denoiser's clean rows, a
        paired model's targets), in original units."""
        check_is_fitted(self, "model_")
        X, names = self._check(X, reset=False)
        return self.model_.predict(X, names)

    reconstruct = predict

    def score_samples(self, X):
        """Each row's reconstruction error (higher: less like the training data)."""
        check_is_fitted(self, "model_")
        X, names = self._check(X, reset=False)
        return self.model_.score_samples(X, names)

    def score(self, X, y=None):
        """Minus the mean error: of the reconstruction, or for a paired
        model (given the 2-D targets ``y``) of the predictions, scaled."""
        check_is_fitted(self, "model_")
        if self.model_.is_paired():
            return -self.prediction_report(X, y)["mse"]
        return -float(np.mean(self.score_samples(X)))

    def prediction_report(self, X, Y):
        """A paired model's errors against the target rows ``Y`` (as
        ``aekit predict --target``): ``mse`` of the predictions and
        ``identity_mse`` of the inputs themselves (None when their columns
        differ), in the targets' scaled space."""
        check_is_fitted(self, "model_")
        X, names = self._check(X, reset=False)
        Y, y_names = _targets(Y)
        if Y is None:
            raise ValueError("give the target rows as a 2-D array")
        mse, identity = self.model_.score_predictions(X, Y, names, y_names)
        return {"mse": mse, "identity_mse": identity}

    def denoising_report(self, X, clean=None, add_noise=None, seed=0):
        """The mean squared error to the clean rows before and after
        denoising, scaled (as ``aekit denoise``): ``X`` is noisy and
        ``clean`` its clean version, or ``X`` is clean and ``add_noise``
        ("gaussian:SIGMA", "mask:P", drawn from ``seed``) corrupts it first."""
        check_is_fitted(self, "model_")
        X, names = self._check(X, reset=False)
        if clean is not None:
            clean, _ = self._check(clean, reset=False)
        noisy, denoised = self.model_.denoise_errors(X, names, clean, add_noise, int(seed))
        return {"noisy_mse": noisy, "denoised_mse": denoised}

    def get_feature_names_out(self, input_features=None):
        """The code columns, ``z0`` ... (as ``aekit encode`` names them)."""
        check_is_fitted(self, "model_")
        return np.asarray([f"z{i}" for i in range(self.n_components_)], dtype=object)


@dataclass(repr=False, eq=False)
class _Dense(_Reconstruction):
    """The dense architecture, scaling and mixed-column settings that
    ``Autoencoder`` and ``AnomalyDetector`` share (documented on each)."""

    hidden: Optional[Sequence[int]] = None
    bottleneck: Optional[int] = None
    decoder_hidden: Optional[Sequence[int]] = None
    activation: Optional[str] = None
    bottleneck_activation: Optional[str] = None
    output_activation: Optional[str] = None
    batch_norm: Optional[bool] = None
    dropout: Optional[float] = None
    scale: Optional[str] = None
    max_categories: Optional[int] = None
    missing: Optional[str] = None


@dataclass(repr=False, eq=False)
class Autoencoder(_Dense, _Coder, TransformerMixin, BaseEstimator):
    """A dense autoencoder as a scikit-learn transformer (``aekit train``).

    ``fit(X)`` learns to rebuild ``X``; with ``noise`` it is a denoising
    autoencoder; ``fit(X, Y)`` with 2-D ``Y`` trains a paired model, input
    row i to target row i (a 1-D ``y`` is labels, unused). ``transform``
    gives the codes, ``inverse_transform`` decodes them, ``predict``
    rebuilds rows (or predicts targets) and ``score_samples`` gives each
    row's reconstruction error.

    Parameters (``None``: the library's default, given here):

    hidden : list of int, default [] (input -> bottleneck)
    bottleneck : int, default decided at fit: with no architecture
        parameter, 3/4 of the input count (rounded, at most 256, always fewer
        than the inputs; half the values on images), else 2
    (``epochs``, when neither it nor any architecture parameter is given,
    is decided at fit too: ``max(50, ceil(5000 * 32 / n_rows))``.)
    decoder_hidden : list of int, default the encoder's, mirrored
    activation : str, default "relu" (relu, leaky_relu[:slope], tanh, sigmoid, linear)
    bottleneck_activation : str, default "linear"
    output_activation : str, default "linear" ("sigmoid" with loss "bce")
    batch_norm : bool, default False
    dropout : float in [0, 1), default 0
    scale : {"minmax", "standard", "robust", "none"}, default "minmax"
    max_categories : int, default 20: a DataFrame's text columns with at most
        this many distinct values are one-hot encoded; wider ones left out
    missing : {"impute", "error"}, default "impute": missing cells (NaN,
        None) filled with the training median plus a ``COL__missing`` input,
        or refused with an error naming the first
    """

    _fixed = {"kind": "dense"}

    def fit(self, X, y=None):
        """Fits on the rows of ``X`` (to the rows of a 2-D ``y``, when given)."""
        self.__dict__.pop("_incremental", None)
        return self._fit(X, y)

    def partial_fit(self, X, y=None):
        """One pass over the rows of ``X``, continuing the training so far
        (scikit-learn's incremental contract, as ``MLPRegressor``'s): the
        first call fixes the columns and fits the scaler on that chunk;
        later calls keep the same optimiser state. ``epochs`` does not
        apply (call it once per chunk and pass); a 1-D ``y`` is ignored,
        paired targets are not supported."""
        first = "_incremental" not in self.__dict__
        if not first and self._incremental is None:
            raise ValueError(
                "this estimator was unpickled: its optimiser state is not "
                "saved, so partial fitting cannot continue (fit it afresh)"
            )
        if _targets(y)[0] is not None:
            raise ValueError("partial_fit trains plain autoencoders: paired targets need fit")
        X, names = self._check(X, reset=first)
        if first:
            self._incremental = _aekit.Incremental(self._mapping())
        self._incremental.partial_fit(X, names)
        self.model_ = self._incremental.model()
        self.n_components_ = self.model_.bottleneck()
        return self


Autoencoder.__doc__ += _RECONSTRUCTION_DOC


@dataclass(repr=False, eq=False)
class AnomalyDetector(_Dense, _Tabular, OutlierMixin, BaseEstimator):
    """Autoencoder anomaly detection (``aekit detect``) with scikit-learn's
    outlier contract (as IsolationForest) and PyOD's attribute names.

    ``predict`` gives +1 (inlier) / -1 (outlier), ``decision_function`` is
    negative for outliers, ``score_samples`` is the negated anomaly score and
    ``offset_`` the negated threshold; ``decision_scores_``, ``threshold_``
    and ``labels_`` (0/1) are PyOD's. Without an architecture parameter the
    library's ensemble is fitted, as ``aekit detect``.

    Parameters (``None``: the library's default, given here):

    contamination : float in (0, 0.5], default 0.1: the threshold flags
        that share of the training rows
    threshold_percentile : float in [0, 100], default none: the threshold
        is this percentile of the training scores instead
    widths : list of int, default 1, 2, 4, ... up to half the features:
        the ensemble's code widths
    trim : float in [0, 1), default 0.3: each member is refitted without
        that share of the rows it rebuilt worst
    histogram_bins : int, default 10: bins of the per-feature histogram
        member (0: the autoencoders alone)
    neighbours : int, default 5: k of the neighbour member, a row's
        distance to its k-th nearest of up to 2 000 training rows (0:
        without it); its training scores leave each row out, so
        ``labels_`` and ``predict`` of the training rows may differ
    weighting : {"members", "agreeing_kinds"}, default "members": how the
        members' standardised scores are weighed
    hidden, decoder_hidden, bottleneck, activation, bottleneck_activation,
    output_activation, batch_norm, dropout : as ``Autoencoder``'s; any of
        them fits that one dense model instead of the ensemble
    scale : {"minmax", "standard", "robust", "none"}, default "robust"
    max_categories, missing : as ``Autoencoder``'s (mixed DataFrames)

    Training defaults of the detector: 100 epochs, a seeded random
    validation split of 0.1, patience 10.
    """

    contamination: Optional[float] = 0.1
    threshold_percentile: Optional[float] = None
    widths: Optional[Sequence[int]] = None
    trim: Optional[float] = None
    histogram_bins: Optional[int] = None
    neighbours: Optional[int] = None
    weighting: Optional[str] = None

    _native = _aekit.Detector

    def fit(self, X, y=None):
        """Fits the detector and its threshold on the rows of ``X``."""
        X, names = self._check(X, reset=True)
        self.model_ = _aekit.Detector.fit(self._mapping(), X, names)
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


AnomalyDetector.__doc__ += _RECONSTRUCTION_DOC
