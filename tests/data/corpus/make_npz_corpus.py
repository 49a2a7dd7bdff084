#!/usr/bin/env python3
"""Writes the .npz archives that tests/data/npz_archive_test.cpp reads: what NumPy itself
writes (np.savez: stored entries; np.savez_compressed: deflated ones, both with ZIP64
extra fields), so that the reader is checked against the producer users have.

The files are committed; rerun this script (it needs numpy) only to change them:
    python3 tests/data/corpus/make_npz_corpus.py
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(HERE, "npz"), exist_ok=True)

arrays = {
    "a": np.arange(6, dtype=np.float64).reshape(2, 3) / 4,  # exact in binary
    "b": np.array([1.5, -2.0, 3.0, 4.0], dtype=np.float32),
    "s": np.float64(7.25),  # a 0-d array
    "u": np.array([1, 2, 255], dtype=np.uint8),
}
np.savez(os.path.join(HERE, "npz", "savez.npz"), **arrays)
np.savez_compressed(os.path.join(HERE, "npz", "savez_compressed.npz"), **arrays)
