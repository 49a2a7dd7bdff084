"""descent.read_libsvm, read_csv, read_idx, read_npy: the C++ readers of the command line
(the same formats, checks and messages: a malformed file raises descent.FormatError naming
the file, line and column), returning NumPy arrays and scipy.sparse matrices."""

from __future__ import annotations

import operator
import os

import numpy as np

from . import _core


def _dtype_name(dtype) -> str:
    name = np.dtype(dtype).name
    if name not in ("float32", "float64"):
        raise TypeError(f"dtype: expected float32 or float64, got {name}")
    return name


def _read(path, *, format, labels="", label_index=None, label_name="", header=False, zero_based=False,
          delimiter=",", n_features=0, dtype=np.float64, unlabeled=False):
    return _core.read_dataset(os.fspath(path), format, os.fspath(labels) if labels else "", label_index, label_name,
                              bool(header), bool(zero_based), delimiter, int(n_features), _dtype_name(dtype),
                              bool(unlabeled))


def read_libsvm(path, *, n_features: int | None = None, zero_based: bool = False, dtype=np.float64):
    """(X, y) of a libsvm / svmlight file (gzip too): X a scipy.sparse.csr_matrix, y the labels
    as written (+1/-1 stay +1/-1). n_features fixes the width (a test file may lack the
    last features); indices start at 1 unless zero_based."""
    try:
        import scipy.sparse
    except ImportError as e:  # pragma: no cover - scipy is a test dependency
        raise ImportError("descent.read_libsvm returns a scipy.sparse matrix: pip install scipy") from e
    if n_features is not None:
        n_features = operator.index(n_features)
        if n_features < 1:
            raise ValueError(f"n_features: {n_features} violates n_features >= 1")
    (data, indices, indptr, rows, cols), y = _read(path, format="libsvm", zero_based=zero_based,
                                                   n_features=n_features or 0, dtype=dtype)
    return scipy.sparse.csr_matrix((data, indices, indptr), shape=(rows, cols)), y


def read_csv(path, *, label_column=None, header: bool = False, delimiter: str = ",", labels: bool = True,
             dtype=np.float64):
    """(X, y) of a CSV file (gzip too): every column but the label one is a feature.
    label_column: a 0-based index or, with a header, a column name (default: the last
    column). labels=False: no label column, returns X only."""
    label_index = None
    label_name = ""
    if label_column is not None:
        if not labels:
            raise ValueError("label_column: given with labels=False")
        if isinstance(label_column, str):
            label_name = label_column
            header = True
        else:
            label_index = operator.index(label_column)
            if label_index < 0:
                raise ValueError(f"label_column: {label_index} violates label_column >= 0")
    X, y = _read(path, format="csv", label_index=label_index, label_name=label_name, header=header,
                 delimiter=delimiter, dtype=dtype, unlabeled=not labels)
    return (X, y) if labels else X


def read_idx(images, labels=None, *, dtype=np.float64):
    """(X, y) of an IDX images file and its labels file (Fashion-MNIST's format, gzip too):
    one row per image, the pixels flattened. Without labels, returns X only."""
    X, y = _read(images, format="idx", labels=labels or "", dtype=dtype, unlabeled=labels is None)
    return X if labels is None else (X, y)


def read_npy(features, labels=None, *, dtype=np.float64):
    """(X, y) of a .npy features file (n, d) and a labels file (n,), through descent's own
    reader (the checks of the command line). Without labels, returns X only."""
    X, y = _read(features, format="npy", labels=labels or "", dtype=dtype, unlabeled=labels is None)
    return X if labels is None else (X, y)
