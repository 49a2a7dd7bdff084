"""descent.TrainedModel and descent.load: a trained model a user keeps (predict, predict_proba,
evaluate, save), backed by the C++ TrainedModel and the .npz model file (docs/models.md)."""

from __future__ import annotations

import json
import math
import os

import numpy as np

from . import _core


def _features_for(X, dtype: np.dtype, where: str = "X"):
    """X as the model's C++ side takes it: a C-contiguous 2-D array of the model's dtype, or
    a canonical CSR tuple (data, indices, indptr, rows, cols). Real dtypes are converted;
    anything else is a TypeError naming the argument."""
    if hasattr(X, "tocsr") and hasattr(X, "nnz"):
        csr = X.tocsr()
        if not csr.has_canonical_format:
            csr = csr.copy()
            csr.sum_duplicates()
        if csr.dtype.kind not in "fiub":
            raise TypeError(f"{where}: features must be real numbers, got dtype {csr.dtype}")
        return (np.ascontiguousarray(csr.data, dtype=dtype), csr.indices, csr.indptr, csr.shape[0], csr.shape[1])
    array = np.asarray(X)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{where}: features must be real numbers, got dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(f"{where}: expected a 2-D array (samples x features), got shape {array.shape}")
    return np.ascontiguousarray(array, dtype=dtype)


class TrainedModel:
    """A trained model: its spec, the parameters by block, and what it does with new data.

    predict(X)        the fitted values (least squares), the predicted label in the
                      training labels' convention (logistic: 1 or the negative label 0 / -1),
                      or the class index (softmax, MLP)
    predict_proba(X)  classifiers: (n, classes) probabilities (logistic: [P(negative), P(1)])
    evaluate(X, y)    dict: samples, mean_loss, accuracy, rmse, confusion (rows: true class,
                      columns: predicted), class_accuracy
    save(path)        the .npz model file (written atomically), read back by descent.load
                      and by NumPy alone: np.load(path)["layer0.weight"]

    X is a 2-D array or a scipy.sparse matrix with the model's number of features; a
    model saved by `descent train` applies the preprocessing fitted in training itself.
    Models pickle (as the bytes of their model file).
    """

    def __init__(self, core):
        self._core = core
        self.dtype = np.dtype(core.dtype)
        self.params = core.params
        self.blocks = {name: self.params[offset:offset + math.prod(shape)].reshape(shape)
                       for name, offset, shape in core.blocks}

    @property
    def spec(self) -> dict:
        """kind, hidden, activation, num_classes, l2, bias, init_seed."""
        return self._core.spec

    @property
    def kind(self) -> str:
        return self._core.spec["kind"]

    @property
    def n_features(self) -> int:
        return self._core.features

    @property
    def num_classes(self) -> int:
        """2 for logistic regression, K for softmax and MLP, 0 for least squares."""
        return self._core.num_classes

    @property
    def negative_label(self) -> float:
        """Logistic regression's negative class: 0 or -1 (the positive class is 1)."""
        return self._core.negative_label

    @property
    def positive_class(self):
        """The raw class a logistic model was trained on against the rest (CLI), or None."""
        return self._core.positive_class

    @property
    def preprocess(self) -> dict:
        """kind ("none", "scale", "standardize"), center, and the fitted statistics: first
        (minima or means) and second (maxima or standard deviations), one per feature."""
        return self._core.preprocess

    @property
    def training(self) -> dict:
        """What trained it (optimizer, estimator, epochs, data), as saved in the file."""
        return json.loads(self._core.training_info)

    def predict(self, X) -> np.ndarray:
        return self._core.predict(_features_for(X, self.dtype))

    def predict_proba(self, X) -> np.ndarray:
        return self._core.predict_proba(_features_for(X, self.dtype))

    def evaluate(self, X, y) -> dict:
        return self._core.evaluate(_features_for(X, self.dtype), np.asarray(y))

    def save(self, path) -> None:
        self._core.save(os.fspath(path))

    def __reduce__(self):
        return (_from_bytes, (self._core.to_bytes(),))

    def __repr__(self) -> str:
        return f"<descent.TrainedModel {self.kind}, {self.n_features} features, {self.dtype}, blocks={list(self.blocks)}>"


def _from_bytes(data: bytes) -> TrainedModel:
    return TrainedModel(_core.load_model_bytes(data, "pickled model"))


def load(path) -> TrainedModel:
    """The model file at `path` (written by `descent train`, TrainResult.save or
    TrainedModel.save). A file that is not a descent model, or is damaged, raises
    descent.FormatError naming the file and what is wrong; a missing one descent.IoError."""
    return TrainedModel(_core.load_model(os.fspath(path)))
