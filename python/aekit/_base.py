"""What every estimator shares: the hyper-parameters as dataclass fields
(one spelling each; ``None`` takes the library's default), their crossing
into the library as one JSON mapping, ``history_``, ``save``, ``summary``
and pickling through the bytes of the model file."""

import json
import numbers
from dataclasses import dataclass
from typing import Optional, Union

import numpy as np
from sklearn.utils.validation import check_is_fitted


def _seed(random_state):
    """scikit-learn's ``random_state`` as the library's ``seed``."""
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral):
        if random_state < 0:
            raise ValueError(f"invalid parameter random_state: {random_state} (expected >= 0)")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    raise TypeError(f"random_state must be an int, a RandomState or None, got {random_state!r}")


def _plain(value):
    """NumPy values as JSON's (``json.dumps``'s fallback)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"a parameter value must be a number, string, list or bool, got {value!r}")


@dataclass(repr=False, eq=False)
class _Schedule:
    """The training block every kind takes."""

    optimizer: Optional[str] = None
    learning_rate: Optional[float] = None
    weight_decay: Optional[float] = None
    momentum: Optional[float] = None
    epsilon: Optional[float] = None
    epochs: Optional[int] = None
    batch_size: Optional[int] = None
    shuffle: Optional[bool] = None
    validation_split: Optional[float] = None
    patience: Optional[int] = None
    min_delta: Optional[float] = None
    random_state: Union[int, np.random.RandomState, None] = None
    threads: Optional[int] = None
    device: Optional[str] = None


@dataclass(repr=False, eq=False)
class _Reconstruction(_Schedule):
    """The training block of the kinds that rebuild their inputs."""

    loss: Optional[str] = None
    noise: Optional[str] = None


_SCHEDULE_DOC = """
    Training (every kind; the defaults are the kind's, as its CLI command's):

    optimizer : {"adam", "adamw", "rmsprop", "sgd"}, default "adam"
    learning_rate : float, default 0.001 (sgd 0.01; see the kind)
    weight_decay : float, default 0 (adamw 0.01): an L2 penalty, decoupled for adamw
    momentum : float, default 0 (sgd and rmsprop)
    epsilon : float, default 1e-7
    epochs : int, default 50 (see the kind)
    batch_size : int, default 32
    shuffle : bool, default True: shuffle the rows every epoch
    validation_split : float in (0, 1), or 0 for none; default none (see the kind)
    patience : int, or 0 for none: early stopping on the validation loss,
        best weights restored; default none (see the kind)
    min_delta : float, default 0: the improvement that resets ``patience``
    random_state : int or RandomState, default 42 (the library's seed)
    threads : int, default all cores (``RAYON_NUM_THREADS``)
    device : {"cpu", "gpu", "gpu:N", "auto"}, default "cpu": where the model
        trains and runs (a GPU needs aekit built with the wgpu or cuda feature)
"""

_RECONSTRUCTION_DOC = _SCHEDULE_DOC + """
    loss : {"mse", "bce", "mae"}, default "mse" (bce: sigmoid output by default)
    noise : str, default none: "gaussian:SIGMA" or "mask:P" corrupts the
        training inputs afresh each epoch (a denoising autoencoder)
"""


class _Params:
    """The mapping of hyper-parameters, pickling and the model file."""

    #: Fixed entries of the mapping (a kind's name).
    _fixed = {}
    #: The native class whose ``from_bytes`` reads the model file.
    _native = None

    def _mapping(self):
        """The parameters set (not None) as the JSON mapping the library reads."""
        params = {k: v for k, v in self.get_params(deep=False).items() if v is not None}
        if "random_state" in params:
            params["seed"] = _seed(params.pop("random_state"))
        params.update(self._fixed)
        return json.dumps(params, default=_plain)

    def __getstate__(self):
        state = self.__dict__.copy()
        if "model_" in state:
            state["model_"] = state["model_"].to_bytes()
        if "_incremental" in state:
            # The optimiser state of partial fitting does not pickle.
            state["_incremental"] = None
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model_"), bytes):
            state["model_"] = self._native.from_bytes(state["model_"], state.get("device"))
        self.__dict__.update(state)

    def save(self, path):
        """Writes the model file the ``aekit`` command reads."""
        check_is_fitted(self, "model_")
        self.model_.save(str(path))

    def summary(self):
        """The Keras-style model summary with parameter counts."""
        check_is_fitted(self, "model_")
        return self.model_.summary()

    @property
    def history_(self):
        """Per-epoch losses, as Keras' ``History.history``."""
        check_is_fitted(self, "model_")
        h = self.model_.history()
        out = {"loss": [loss for loss, _ in h]}
        if any(v is not None for _, v in h):
            out["val_loss"] = [v for _, v in h]
        return out
