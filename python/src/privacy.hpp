// descent._core.privacy_epsilon and noise_multiplier: the privacy accountants
// (privacy/make_accountant.hpp) and the noise calibration (privacy/calibration.hpp) for Python.
#pragma once

#include <pybind11/pybind11.h>

namespace descent::python {

void bind_privacy(pybind11::module_& m);

}  // namespace descent::python
