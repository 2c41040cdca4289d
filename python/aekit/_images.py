"""The image kinds: ``ConvAutoencoder`` (``aekit train --kind conv``) and
``VariationalAutoencoder`` (``--kind vae``), over images given as
(n, height, width) or (n, channels, height, width) arrays (the variational
one takes 2-D rows too)."""

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._base import _RECONSTRUCTION_DOC, _Reconstruction, _seed
from ._estimators import _Coder


class _Images(_Coder):
    """Images in and out: each image is one row of channel-major pixels
    (as PyTorch flattens [C, H, W]), its shape stored with the model."""

    #: Whether 2-D rows (not images) are taken too.
    _rows_too = False
    #: The fitted input's dimensions: 0 for rows, 3 or 4 for images.
    _image_ndim = 0

    def _check(self, X, reset):
        ndim = getattr(X, "ndim", None)
        ndim = np.asarray(X).ndim if ndim is None else ndim
        if self._rows_too and ndim not in (3, 4) and (reset or not self._image_ndim):
            if reset:
                self._image_ndim, self.image_shape_ = 0, None
            return super()._check(X, reset)
        X = np.asarray(X)
        if X.ndim not in (3, 4):
            kinds = "2-D rows or " if self._rows_too else ""
            raise ValueError(
                f"expected {kinds}images as an (n, height, width) or "
                f"(n, channels, height, width) array, got shape {X.shape}"
            )
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        shape = (1, *X.shape[1:]) if X.ndim == 3 else tuple(X.shape[1:])
        if reset:
            self._image_ndim, self.image_shape_ = X.ndim, shape
            self.n_features_in_ = int(np.prod(shape))
        elif not self._image_ndim or shape != self.image_shape_:
            raise ValueError(f"images of shape (C, H, W) {shape}; the model reads {self.image_shape_}")
        return np.ascontiguousarray(X.reshape(len(X), -1)), None

    def _image_shape(self):
        return list(self.image_shape_) if self._image_ndim else None

    def _images(self, rows):
        """Rows as images of the fitted shape (rows when fitted on rows)."""
        if not self._image_ndim or rows.shape[1] != self.n_features_in_:
            return rows  # rows, or a paired model's targets of another shape
        shape = self.image_shape_ if self._image_ndim == 4 else self.image_shape_[1:]
        return rows.reshape(len(rows), *shape)

    def fit(self, X, y=None):
        """Fits on the images (or rows) of ``X``; a 2-D ``y`` of the same
        count trains a paired model to produce it."""
        return self._fit(X, y)

    def predict(self, X):
        """Each image rebuilt (a denoiser's clean images), of the input's shape."""
        return self._images(super().predict(X))

    reconstruct = predict

    def inverse_transform(self, X):
        """Images decoded from codes."""
        return self._images(super().inverse_transform(X))


@dataclass(repr=False, eq=False)
class ConvAutoencoder(_Reconstruction, _Images, TransformerMixin, BaseEstimator):
    """A convolutional autoencoder of images (``aekit train --kind conv``):
    one 3x3 stride-2 convolution per ``channels`` entry, a dense
    bottleneck, transposed convolutions back to the image's size.

    ``fit(X)`` on images (n, H, W) or (n, C, H, W); ``transform`` gives the
    codes, ``predict`` the rebuilt (with ``noise``: denoised) images.

    Parameters (``None``: the library's default, given here):

    channels : list of int, default [16, 32]
    bottleneck : int, default 16
    activation : str, default "relu"
    bottleneck_activation : str, default "linear"
    output_activation : str, default "linear" ("sigmoid" with loss "bce")
    batch_norm : bool, default False (per channel)
    scale : {"minmax", "standard", "robust", "none"}, default "minmax"
    """

    channels: Optional[Sequence[int]] = None
    bottleneck: Optional[int] = None
    activation: Optional[str] = None
    bottleneck_activation: Optional[str] = None
    output_activation: Optional[str] = None
    batch_norm: Optional[bool] = None
    scale: Optional[str] = None

    _fixed = {"kind": "conv"}


ConvAutoencoder.__doc__ += _RECONSTRUCTION_DOC


@dataclass(repr=False, eq=False)
class VariationalAutoencoder(_Reconstruction, _Images, TransformerMixin, BaseEstimator):
    """A variational autoencoder (``aekit train --kind vae``): the encoder
    gives the mean and log-variance of a Gaussian code; the loss is
    reconstruction + beta * KL. ``transform`` gives the mean codes,
    ``sample(n, random_state)`` draws new rows (images) from the prior.
    Takes 2-D rows, or images (n, H, W) / (n, C, H, W) with ``conv``.

    Parameters (``None``: the library's default, given here):

    hidden : list of int, default [] (dense body)
    decoder_hidden : list of int, default the encoder's, mirrored
    channels : list of int, default none ([16, 32] with ``conv``):
        a convolutional encoder and decoder
    conv : bool, default False
    bottleneck : int, default 2
    activation : str, default "relu"
    output_activation : str, default "linear" ("sigmoid" with loss "bce")
    batch_norm : bool, default False
    beta : float, default 1: the weight of the KL term
    scale : {"minmax", "standard", "robust", "none"}, default "minmax"
    """

    hidden: Optional[Sequence[int]] = None
    decoder_hidden: Optional[Sequence[int]] = None
    channels: Optional[Sequence[int]] = None
    conv: Optional[bool] = None
    bottleneck: Optional[int] = None
    activation: Optional[str] = None
    output_activation: Optional[str] = None
    batch_norm: Optional[bool] = None
    beta: Optional[float] = None
    scale: Optional[str] = None

    _fixed = {"kind": "vae"}
    _rows_too = True

    def sample(self, n, random_state=None):
        """``n`` new rows (images) decoded from codes drawn from the prior,
        in original units; the same ``random_state`` gives the same rows
        (as ``aekit sample --seed``; default 0)."""
        check_is_fitted(self, "model_")
        seed = _seed(random_state)
        return self._images(self.model_.sample(int(n), 0 if seed is None else seed))


VariationalAutoencoder.__doc__ += _RECONSTRUCTION_DOC
