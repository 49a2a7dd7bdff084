// descent._core._reference: direct C++ calls for the bit-for-bit tests (see reference.cpp).
#pragma once

#include <pybind11/pybind11.h>

namespace descent::python {

void bind_reference(pybind11::module_& m);

}  // namespace descent::python
