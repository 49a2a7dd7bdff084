// descent._core.read_dataset: the C++ data readers (data/read_dataset.hpp) for Python --
// the same formats, checks and error messages as the command line -- returning NumPy
// arrays (a CSR triple for sparse libsvm data). descent/__init__.py wraps it as
// descent.read_libsvm, read_csv, read_idx and read_npy.
#pragma once

#include <pybind11/pybind11.h>

namespace descent::python {

void bind_readers(pybind11::module_& m);

}  // namespace descent::python
