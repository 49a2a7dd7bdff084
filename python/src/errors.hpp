// The Python face of descent's exception hierarchy (core/error.hpp). Every library error
// becomes a descent.Error; those a caller causes with a bad value (ConfigError, ParseError,
// MismatchError) also derive from ValueError, IoError from OSError, so that code which only
// knows the standard exceptions still catches them.
#pragma once

#include <pybind11/pybind11.h>

namespace descent::python {

// Creates descent.Error, ConfigError, ParseError, MismatchError, IoError, FormatError in `m`
// and registers the translator from the C++ exceptions.
void bind_errors(pybind11::module_& m);

}  // namespace descent::python
