// descent._core.clip_norm_guide: the clip-norm guidance of privacy/clip_norm_guide.hpp for
// NumPy and scipy.sparse features (descent/__init__.py wraps it as descent.clip_norm_guide).
#pragma once

#include <pybind11/pybind11.h>

namespace descent::python {

void bind_clip_guide(pybind11::module_& m);

}  // namespace descent::python
