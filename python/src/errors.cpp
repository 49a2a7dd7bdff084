#include "errors.hpp"

#include <exception>
#include <string>

#include "descent/core/error.hpp"

namespace py = pybind11;

namespace descent::python {

namespace {

// Exception types live as long as the interpreter; the module keeps a reference too.
PyObject* g_error = nullptr;
PyObject* g_config_error = nullptr;
PyObject* g_parse_error = nullptr;
PyObject* g_mismatch_error = nullptr;
PyObject* g_io_error = nullptr;
PyObject* g_format_error = nullptr;

PyObject* make_exception(py::module_& m, const char* name, const char* doc, py::tuple bases) {
  const std::string qualified = std::string("descent.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.attr(name) = py::reinterpret_borrow<py::object>(type);
  return type;
}

}  // namespace

void bind_errors(py::module_& m) {
  auto base = [](PyObject* a) { return py::make_tuple(py::handle(a)); };
  auto bases = [](PyObject* a, PyObject* b) { return py::make_tuple(py::handle(a), py::handle(b)); };
  g_error = make_exception(m, "Error", "Base class of every error descent raises.", base(PyExc_Exception));
  g_config_error = make_exception(m, "ConfigError",
                                  "A hyperparameter or option outside its allowed range; the message names it, "
                                  "its value and the violated constraint.",
                                  bases(g_error, PyExc_ValueError));
  g_parse_error = make_exception(m, "ParseError",
                                 "An optimizer spec that does not parse or names an unknown entry; the message "
                                 "shows the spec with a caret under the column at fault.",
                                 bases(g_error, PyExc_ValueError));
  g_mismatch_error = make_exception(m, "MismatchError",
                                    "Objects that do not fit together: a state made for another optimizer or size, "
                                    "a dataset the model cannot score.",
                                    bases(g_error, PyExc_ValueError));
  g_io_error = make_exception(m, "IoError", "A file that cannot be read or written.", bases(g_error, PyExc_OSError));
  g_format_error = make_exception(m, "FormatError", "Data whose content is malformed (a corrupted saved state).",
                                  bases(g_io_error, PyExc_ValueError));

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const descent::ConfigError& e) {
      PyErr_SetString(g_config_error, e.what());
    } catch (const descent::ParseError& e) {
      PyErr_SetString(g_parse_error, e.what());
    } catch (const descent::MismatchError& e) {
      PyErr_SetString(g_mismatch_error, e.what());
    } catch (const descent::FormatError& e) {
      PyErr_SetString(g_format_error, e.what());
    } catch (const descent::IoError& e) {
      PyErr_SetString(g_io_error, e.what());
    } catch (const descent::Error& e) {
      PyErr_SetString(g_error, e.what());
    }
  });
}

}  // namespace descent::python
