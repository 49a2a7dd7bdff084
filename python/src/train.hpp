// descent.train: the built-in models over NumPy data, trained entirely in C++ (see train.cpp).
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

#include "descent/data/dataset.hpp"

namespace descent::python {

// A Dataset copied from X, a 2-D float32/float64 array (dense), or a tuple (data, indices,
// indptr, rows, cols) of a CSR matrix (sparse), and labels y of one per row; the names are
// those of the Python arguments, for the messages.
template <class T>
Dataset<T> dataset_from_arrays(pybind11::handle X, pybind11::handle y, const char* x_name, const char* y_name);

// The array whose dtype is the precision of a run on X: X itself, or a CSR tuple's data.
pybind11::handle features_precision_source(pybind11::handle X);

void bind_train(pybind11::module_& m);

}  // namespace descent::python
