"""The text kinds: ``TextClassifier`` (``aekit text train``) and
``TextAutoencoder`` (``aekit text autoencoder``), over lists or arrays of
strings."""

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from . import _aekit
from ._base import _SCHEDULE_DOC, _Params, _Schedule


def _texts(X):
    """A list of strings from a list, tuple, 1-D array, one-column 2-D
    array or pandas Series / one-column DataFrame of strings."""
    if isinstance(X, str):
        raise TypeError("expected a list or array of texts, got one string")
    values = getattr(X, "values", X)
    array = np.asarray(values, dtype=object)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"expected a 1-D list or array of texts, got shape {array.shape}")
    bad = next((v for v in array if not isinstance(v, str)), None)
    if bad is not None:
        raise TypeError(f"expected texts (str), got {type(bad).__name__} {bad!r}")
    return list(array)


_TEXT_DOC = """
    Tokens and vocabulary (``None``: the library's default):

    min_count : int, default 2: tokens in fewer training texts are out of vocabulary
    max_vocab : int, default 20000 (200000 for the TF-IDF-pooled classifier)
    hashing : int, default none: hash tokens into this many ids instead
    lowercase : bool, default True
    ngrams : int, default 1: word n-grams up to this length as extra tokens
    char_ngrams : (min, max), or () for none; default (3, 5) for the
        TF-IDF-pooled classifier, none otherwise
"""


@dataclass(repr=False, eq=False)
class _TextParams(_Schedule):
    min_count: Optional[int] = None
    max_vocab: Optional[int] = None
    hashing: Optional[int] = None
    lowercase: Optional[bool] = None
    ngrams: Optional[int] = None
    char_ngrams: Optional[Sequence[int]] = None


@dataclass(repr=False, eq=False)
class TextClassifier(_TextParams, _Params, ClassifierMixin, BaseEstimator):
    """A classifier of texts (``aekit text train``): tokens -> embeddings ->
    pooling -> a dense softmax (sigmoid for two classes).

    ``fit(texts, labels)``, ``predict``, ``predict_proba`` (columns in
    ``classes_`` order) and ``score`` (accuracy); labels of any type come
    back as given.

    Parameters (``None``: the library's default, given here):

    pooling : {"tfidf", "mean", "flatten"}, default "tfidf"
    embedding_dim : int, default 64
    max_length : int, default from the training texts (at most 400 tokens,
        1500 distinct tokens with tfidf pooling)
    padding : {"post", "pre"}, default "post"

    Training defaults of the text kinds: 30 epochs, learning rate 0.003
    (0.01 for mean and flatten pooling), a seeded validation split of 0.1,
    patience 3.
    """

    pooling: Optional[str] = None
    embedding_dim: Optional[int] = None
    max_length: Optional[int] = None
    padding: Optional[str] = None

    _native = _aekit.TextModel

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def fit(self, X, y):
        """Fits on the texts ``X`` labelled ``y``."""
        texts = _texts(X)
        labels = np.asarray(y)
        if labels.ndim != 1 or len(labels) != len(texts):
            raise ValueError(f"expected one label per text: {len(texts)} texts, labels of shape {labels.shape}")
        names = [str(v) for v in labels]
        self._label_of = dict(zip(names, labels.tolist()))
        self.model_ = _aekit.TextModel.fit(self._mapping(), texts, names)
        self._set_classes()
        return self

    def _set_classes(self):
        label_of = getattr(self, "_label_of", {})
        self.classes_ = np.asarray([label_of.get(c, c) for c in self.model_.classes()])

    def predict_proba(self, X):
        """Class probabilities, one column per class of ``classes_``."""
        check_is_fitted(self, "model_")
        probabilities, _ = self.model_.predict(_texts(X))
        return probabilities

    def predict(self, X):
        """The most probable class of each text."""
        check_is_fitted(self, "model_")
        _, best = self.model_.predict(_texts(X))
        return self.classes_[best]


TextClassifier.__doc__ += _TEXT_DOC + _SCHEDULE_DOC


@dataclass(repr=False, eq=False)
class TextAutoencoder(_TextParams, _Params, TransformerMixin, BaseEstimator):
    """A document autoencoder (``aekit text autoencoder``): a TF-IDF bag
    through a weighted embedding bag to a tanh code and back to a softmax
    over the vocabulary. ``transform`` gives document embeddings;
    ``most_similar(query, k)`` finds the training texts (or others) nearest
    to a query by cosine similarity.

    Parameters (``None``: the library's default, given here):

    bottleneck : int, default 64: the width of the document code

    Training defaults of the text kinds: 30 epochs, batch 64, learning rate
    0.005, a seeded validation split of 0.1, patience 3.
    """

    bottleneck: Optional[int] = None

    _native = _aekit.DocModel

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def fit(self, X, y=None):
        """Fits on the texts ``X``; keeps them for ``most_similar``."""
        texts = _texts(X)
        self.model_ = _aekit.DocModel.fit(self._mapping(), texts)
        self.n_components_ = self.model_.code_width()
        self.texts_ = texts
        return self

    def transform(self, X):
        """The document embeddings of the texts ``X`` (float32)."""
        check_is_fitted(self, "model_")
        return self.model_.encode(_texts(X))

    def most_similar(self, query, k=5, texts=None):
        """The ``k`` texts nearest to ``query`` by cosine similarity of their
        embeddings, most similar first, as (index, similarity, text): among
        ``texts``, or the training texts (as ``aekit text similar``)."""
        check_is_fitted(self, "model_")
        texts = getattr(self, "texts_", None) if texts is None else _texts(texts)
        if texts is None:
            raise ValueError("a loaded model keeps no texts: give the texts to search")
        codes = self.model_.encode(texts)
        return [(i, s, texts[i]) for i, s in self.model_.nearest(codes, str(query), int(k))]


TextAutoencoder.__doc__ += _TEXT_DOC + _SCHEDULE_DOC
