// descent.minimize: the loop over a Python objective (see minimize.cpp).
#pragma once

#include <pybind11/pybind11.h>

namespace descent::python {

void bind_minimize(pybind11::module_& m);

}  // namespace descent::python
