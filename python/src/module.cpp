// descent._core: the compiled half of the Python package. The user-facing API, its option
// handling and its docstrings are in python/descent/__init__.py.
#include <pybind11/pybind11.h>

#include "clip_guide.hpp"
#include "errors.hpp"
#include "kept_model.hpp"
#include "minimize.hpp"
#include "privacy.hpp"
#include "readers.hpp"
#include "reference.hpp"
#include "train.hpp"
#include "transforms.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "descent's C++ core (use the descent package)";
  descent::python::bind_errors(m);
  descent::python::bind_transforms(m);
  descent::python::bind_minimize(m);
  descent::python::bind_kept_model(m);
  descent::python::bind_readers(m);
  descent::python::bind_train(m);
  descent::python::bind_reference(m);
  descent::python::bind_clip_guide(m);
  descent::python::bind_privacy(m);
}
