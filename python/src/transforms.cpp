#include "transforms.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "descent/core/aligned_buffer.hpp"
#include "descent/core/binary_io.hpp"
#include "descent/core/error.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/chain.hpp"
#include "descent/transform/state_io.hpp"

namespace py = pybind11;

namespace descent::python {

namespace {

const char* kind_name(TransformKind kind) {
  switch (kind) {
    case TransformKind::elementwise:
      return "elementwise";
    case TransformKind::reducing:
      return "reducing";
    case TransformKind::global:
      return "global";
    case TransformKind::chain:
      return "chain";
  }
  return "unknown";
}

// One block named "x" with the array's shape, so that a transform that looks at shapes
// (muon on a matrix, partition(group(ndim=2, ...))) sees the array as it is.
ParameterLayout array_layout(const std::vector<py::ssize_t>& shape) {
  ParameterLayout layout;
  std::vector<std::size_t> dims(shape.begin(), shape.end());
  layout.add("x", std::move(dims));
  return layout;
}

// The layout of a state: one block "x" for a single array, one block per key for a dict.
ParameterLayout root_layout(const StateRoot& root) {
  if (root.blocks.empty()) return array_layout(root.shape);
  ParameterLayout layout;
  for (const ParameterBlock& b : root.blocks)
    layout.add(b.name, std::vector<std::size_t>(b.shape.begin(), b.shape.end()));
  return layout;
}

PyState make_state(const Transform& transform, Precision precision, std::vector<py::ssize_t> shape,
                   std::vector<ParameterBlock> blocks = {}) {
  auto root = std::make_shared<StateRoot>();
  root->blocks = std::move(blocks);
  if (!root->blocks.empty()) {
    std::size_t total = 0;
    for (const ParameterBlock& b : root->blocks) {
      std::size_t n = 1;
      for (py::ssize_t d : b.shape) n *= static_cast<std::size_t>(d);
      total += n;
    }
    shape = {static_cast<py::ssize_t>(total)};
  }
  root->size = 1;
  for (py::ssize_t d : shape) root->size *= static_cast<std::size_t>(d);
  root->shape = std::move(shape);
  const ParameterLayout layout = root_layout(*root);
  if (precision == Precision::f32)
    root->state = transform.init(layout, float{});
  else
    root->state = transform.init(layout, double{});
  return PyState(std::move(root), {});
}

// The checks shared by update() and apply(): `grads` is rewritten in place in both, `params`
// only in apply(). Both must be C-contiguous arrays of the state's dtype and the shape of
// the parameters the state was made for, and must not share memory.
void check_arguments(const PyState& state, const py::array& grads, const py::array& params, bool params_written) {
  const Precision precision = state.precision();
  for (auto [array, name] : {std::pair{&grads, "grads"}, std::pair{&params, "params"}}) {
    if (precision_of(*array, name) != precision)
      throw py::type_error(std::string(name) + ": dtype " + to_string(precision_of(*array, name)) +
                           " does not match the state's dtype " + to_string(precision) +
                           " (make the state with init() on an array of this dtype)");
  }
  require_layout(grads, "grads", true);
  require_layout(params, "params", params_written);
  if (shape_of(params) != state.shape())
    throw py::value_error("params: shape " + shape_string(shape_of(params)) + " does not match the state's shape " +
                          shape_string(state.shape()));
  if (shape_of(grads) != shape_of(params))
    throw py::value_error("grads: shape " + shape_string(shape_of(grads)) + " does not match params' shape " +
                          shape_string(shape_of(params)));
  // Byte sizes from the dtype we checked, not array::nbytes(): pybind11 2.10 reads the item
  // size from NumPy 1's descriptor layout and gets 0 under NumPy 2.
  const std::size_t item = precision == Precision::f32 ? sizeof(float) : sizeof(double);
  if (overlaps(grads.data(), static_cast<std::size_t>(grads.size()) * item, params.data(),
               static_cast<std::size_t>(params.size()) * item))
    throw py::value_error("grads: shares memory with params; pass a separate gradient array");
}

template <class T>
void run_step(const Transform& transform, const PyState& state, const py::array& grads, const py::array& params,
              bool apply_to_params) {
  TransformState<T>& s = state.get<T>();
  std::span<T> d = writable_span<T>(grads);
  const ParameterLayout layout = array_layout(state.shape());
  // check_state before releasing the GIL: a mismatch raises with its message, the arrays untouched.
  check_state(transform, s, d.size());
  py::gil_scoped_release release;
  if (apply_to_params)
    descent::apply(transform, s, d, writable_span<T>(params), layout);
  else
    descent::update(transform, s, d, readable_span<T>(params), layout);
}

// The arrays of a dict argument in the state's block order, each checked against its block.
std::vector<py::array> dict_arrays(const PyState& state, py::handle obj, const char* name, bool writable) {
  if (!py::isinstance<py::dict>(obj))
    throw py::type_error(std::string(name) + ": the state was made for a dict of arrays, got a " +
                         std::string(py::str(py::type::handle_of(obj).attr("__name__"))));
  const py::dict d = py::reinterpret_borrow<py::dict>(obj);
  const auto& blocks = state.root()->blocks;
  if (d.size() != blocks.size())
    throw py::value_error(std::string(name) + ": " + std::to_string(d.size()) + " arrays, the state was made for " +
                          std::to_string(blocks.size()));
  std::vector<py::array> out;
  for (const ParameterBlock& b : blocks) {
    if (!d.contains(b.name))
      throw py::key_error(std::string(name) + ": no array '" + b.name + "' (the state was made for its keys)");
    const std::string where = std::string(name) + "['" + b.name + "']";
    py::array a = require_ndarray(d[py::str(b.name)], where.c_str());
    if (precision_of(a, where.c_str()) != state.precision())
      throw py::type_error(where + ": dtype " + to_string(precision_of(a, where.c_str())) +
                           " does not match the state's dtype " + to_string(state.precision()));
    require_layout(a, where.c_str(), writable);
    if (shape_of(a) != b.shape)
      throw py::value_error(where + ": shape " + shape_string(shape_of(a)) + " does not match the state's " +
                            shape_string(b.shape));
    out.push_back(a);
  }
  return out;
}

// A step on a dict of arrays: the arrays are packed into one vector (the layout's order), the
// step runs on it, and the result goes back into the arrays (params for apply, grads for update).
template <class T>
void run_dict_step(const Transform& transform, const PyState& state, const std::vector<py::array>& grads,
                   const std::vector<py::array>& params, bool apply_to_params) {
  TransformState<T>& s = state.get<T>();
  const std::size_t n = state.size();
  AlignedBuffer<T> d(n), p(n);
  std::size_t at = 0;
  for (std::size_t k = 0; k < grads.size(); ++k) {
    const auto g = readable_span<T>(grads[k]);
    const auto x = readable_span<T>(params[k]);
    std::copy(g.begin(), g.end(), d.data() + at);
    std::copy(x.begin(), x.end(), p.data() + at);
    at += g.size();
  }
  const ParameterLayout layout = root_layout(*state.root());
  check_state(transform, s, n);
  {
    py::gil_scoped_release release;
    if (apply_to_params)
      descent::apply(transform, s, d.span(), p.span(), layout);
    else
      descent::update(transform, s, d.span(), std::span<const T>(p.data(), n), layout);
  }
  at = 0;
  for (std::size_t k = 0; k < grads.size(); ++k) {
    const auto target = writable_span<T>(apply_to_params ? params[k] : grads[k]);
    const T* source = (apply_to_params ? p.data() : d.data()) + at;
    std::copy(source, source + target.size(), target.begin());
    at += target.size();
  }
}

void step(const PyTransform& self, py::handle grads_obj, PyState& state, py::handle params_obj, bool apply_to_params) {
  if (!state.root()->blocks.empty()) {
    const auto grads = dict_arrays(state, grads_obj, "grads", !apply_to_params);
    const auto params = dict_arrays(state, params_obj, "params", apply_to_params);
    if (state.precision() == Precision::f32)
      run_dict_step<float>(*self.transform, state, grads, params, apply_to_params);
    else
      run_dict_step<double>(*self.transform, state, grads, params, apply_to_params);
    return;
  }
  if (py::isinstance<py::dict>(grads_obj) || py::isinstance<py::dict>(params_obj))
    throw py::type_error("grads, params: the state was made for one array; make it with init(dict) for a dict");
  const py::array grads = require_ndarray(grads_obj, "grads");
  const py::array params = require_ndarray(params_obj, "params");
  check_arguments(state, grads, params, apply_to_params);
  if (state.precision() == Precision::f32)
    run_step<float>(*self.transform, state, grads, params, apply_to_params);
  else
    run_step<double>(*self.transform, state, grads, params, apply_to_params);
}

template <class T>
py::dict slot_views(const PyState& self, py::handle owner) {
  const TransformState<T>& s = self.get<T>();
  py::dict slots;
  for (std::size_t i = 0; i < s.slots.size(); ++i) {
    // A view with `owner` (the Python State) as its base: the memory lives as long as the view.
    // Strides given explicitly (see to_numpy in arrays.hpp for why pybind11's defaults are avoided).
    // A slot as long as the parameters has their shape; a shorter one (a partition group's, over
    // some blocks only) is a flat vector of its own length.
    const std::vector<py::ssize_t> shape = s.slots[i].size() == self.size()
                                               ? self.shape()
                                               : std::vector<py::ssize_t>{static_cast<py::ssize_t>(s.slots[i].size())};
    std::vector<py::ssize_t> strides(shape.size());
    py::ssize_t stride = sizeof(T);
    for (std::size_t k = strides.size(); k-- > 0;) {
      strides[k] = stride;
      stride *= shape[k];
    }
    py::array_t<T> view(shape, strides, s.slots[i].data(), owner);
    slots[py::str(s.slot_names[i])] = view;
  }
  return slots;
}

template <class T>
py::bytes saved_bytes(const PyState& self) {
  BinaryWriter out;
  save_state(out, self.get<T>());
  return py::bytes(out.bytes());
}

PyState state_from_pickle(const py::tuple& t) {
  if (t.size() != 4 && t.size() != 5)
    throw py::value_error("State.__setstate__: expected (owner, dtype, shape, data[, blocks])");
  const auto owner = t[0].cast<std::string>();
  const auto dtype = t[1].cast<std::string>();
  const auto shape = t[2].cast<std::vector<py::ssize_t>>();
  const auto data = t[3].cast<std::string>();
  if (dtype != "float32" && dtype != "float64")
    throw py::value_error("State.__setstate__: dtype '" + dtype + "' is neither float32 nor float64");
  // A fresh state from the owner's transform, then load_state checks every name and size.
  const TransformPtr transform = parse_transform(owner);
  std::vector<ParameterBlock> blocks;
  if (t.size() == 5)
    for (const auto& item : t[4].cast<py::list>()) {
      const auto pair = item.cast<py::tuple>();
      blocks.push_back({pair[0].cast<std::string>(), pair[1].cast<std::vector<py::ssize_t>>()});
    }
  PyState state =
      make_state(*transform, dtype == "float32" ? Precision::f32 : Precision::f64, shape, std::move(blocks));
  BinaryReader in(data, "pickled descent.State");
  if (state.precision() == Precision::f32)
    load_state(in, state.get<float>());
  else
    load_state(in, state.get<double>());
  if (in.remaining() != 0) in.fail(std::to_string(in.remaining()) + " trailing bytes");
  return state;
}

template <class T>
py::object state_attribute(const PyState& self, const char* what) {
  const TransformState<T>& s = self.get<T>();
  const std::string w = what;
  if (w == "owner") return py::str(s.owner);
  if (w == "count") return py::int_(s.count);
  if (w == "scalars") {
    py::dict d;
    for (std::size_t i = 0; i < s.scalars.size(); ++i) d[py::str(s.scalar_names[i])] = s.scalars[i];
    return d;
  }
  py::list children;  // "children"
  for (std::size_t i = 0; i < s.children.size(); ++i) {
    std::vector<std::size_t> path = self.path();
    path.push_back(i);
    children.append(py::cast(PyState(self.root(), std::move(path))));
  }
  return children;
}

py::object attribute(const PyState& self, const char* what) {
  return self.precision() == Precision::f32 ? state_attribute<float>(self, what) : state_attribute<double>(self, what);
}

py::list entries_as_list(const std::vector<RegistryEntry>& all) {
  py::list entries;
  for (const RegistryEntry& e : all) {
    py::list parameters;
    for (const ParameterDoc& p : e.parameters)
      parameters.append(py::dict(py::arg("name") = p.name, py::arg("type") = p.type,
                                 py::arg("default") = p.default_value, py::arg("constraint") = p.constraint,
                                 py::arg("doc") = p.doc));
    entries.append(py::dict(py::arg("name") = e.name, py::arg("kind") = to_string(e.kind),
                            py::arg("summary") = e.summary, py::arg("reference") = e.reference,
                            py::arg("parameters") = parameters));
  }
  return entries;
}

}  // namespace

void bind_transforms(py::module_& m) {
  py::class_<PyState>(m, "State", R"doc(
The mutable half of an optimizer: moments, accumulators and the step count.

Made by Transform.init(params) for parameters of one shape and dtype. Attributes:
  dtype, shape, size  of the parameters it was made for
  count               updates applied so far
  owner               spec of the transform that made it (a state is refused by any other)
  slots               dict name -> numpy view of the state's own memory (writable, no copy)
  scalars             dict name -> float (a copy)
  children            the states of a chain's members (views into this state)
Pickling saves the whole state (copy.deepcopy makes an independent copy); unpickling checks
every name and size against a fresh state of the owner's transform.
A state is not locked: step one state from one thread at a time.)doc")
      .def_property_readonly("dtype", [](const PyState& s) { return py::dtype(to_string(s.precision())); })
      .def_property_readonly("shape", [](const PyState& s) { return py::tuple(py::cast(s.shape())); })
      .def_property_readonly("size", &PyState::size)
      .def_property_readonly(
          "blocks",
          [](const PyState& s) {
            py::dict d;
            for (const ParameterBlock& b : s.root()->blocks) d[py::str(b.name)] = py::tuple(py::cast(b.shape));
            return d;
          },
          "For a state made for a dict of arrays: name -> shape, in packing order (empty otherwise).")
      .def_property_readonly("owner", [](const PyState& s) { return attribute(s, "owner"); })
      .def_property_readonly("count", [](const PyState& s) { return attribute(s, "count"); })
      .def_property_readonly("scalars", [](const PyState& s) { return attribute(s, "scalars"); })
      .def_property_readonly("children", [](const PyState& s) { return attribute(s, "children"); })
      .def_property_readonly("slots",
                             [](py::object self) {
                               const auto& s = self.cast<const PyState&>();
                               return s.precision() == Precision::f32 ? slot_views<float>(s, self)
                                                                      : slot_views<double>(s, self);
                             })
      .def("__repr__",
           [](const PyState& s) {
             return "<descent.State of " + attribute(s, "owner").cast<std::string>() + " for " +
                    to_string(s.precision()) + shape_string(s.shape()) +
                    ", count=" + std::to_string(attribute(s, "count").cast<long long>()) + ">";
           })
      .def(py::pickle(
          [](const PyState& s) {
            py::bytes data = s.precision() == Precision::f32 ? saved_bytes<float>(s) : saved_bytes<double>(s);
            const auto owner = attribute(s, "owner");
            const auto shape = py::tuple(py::cast(s.shape()));
            if (s.root()->blocks.empty()) return py::make_tuple(owner, to_string(s.precision()), shape, data);
            // A dict state also keeps its blocks (name, shape), in packing order.
            py::list blocks;
            for (const ParameterBlock& b : s.root()->blocks)
              blocks.append(py::make_tuple(b.name, py::tuple(py::cast(b.shape))));
            return py::make_tuple(owner, to_string(s.precision()), shape, data, blocks);
          },
          [](const py::tuple& t) { return state_from_pickle(t); }));

  py::class_<PyTransform>(m, "Transform", R"doc(
An optimizer or transform: immutable configuration, with its state kept apart (optax style).

  state = opt.init(params)            # a State for params' shape and dtype
  opt.update(grads, state, params)    # grads <- update; params only read
  opt.apply(grads, state, params)     # params += update; grads is scratch afterwards

grads and params are C-contiguous float32 or float64 numpy arrays of the state's shape and
dtype; they are used in place (no copy), with the GIL released while the step runs. Or dicts
of named arrays, when the state was made from one: each array is a block of that name and
shape (partition(...) and muon see them); the arrays are packed, stepped, and written back.)doc")
      .def_property_readonly(
          "spec", [](const PyTransform& t) { return t.transform->spec(); },
          "Canonical spec string; descent.parse(spec) gives an equal transform.")
      .def_property_readonly(
          "kind", [](const PyTransform& t) { return kind_name(t.transform->kind()); },
          "'elementwise', 'reducing', 'global' or 'chain'.")
      .def_property_readonly(
          "members",
          [](const PyTransform& t) {
            std::vector<PyTransform> members;
            if (const auto* chain = dynamic_cast<const Chain*>(t.transform.get()))
              for (const TransformPtr& member : chain->members()) members.push_back({member});
            return members;
          },
          "The members of a chain, in order (empty for a single transform).")
      .def(
          "init",
          [](const PyTransform& t, py::handle params_obj) {
            if (py::isinstance<py::dict>(params_obj)) {
              const py::dict d = py::reinterpret_borrow<py::dict>(params_obj);
              if (d.size() == 0) throw py::value_error("params: an empty dict has no parameters");
              std::vector<ParameterBlock> blocks;
              std::optional<Precision> precision;
              for (const auto& [key, value] : d) {
                if (!py::isinstance<py::str>(key)) throw py::type_error("params: dict keys must be str (block names)");
                const std::string name = key.cast<std::string>();
                const std::string where = "params['" + name + "']";
                const py::array a = require_ndarray(value, where.c_str());
                const Precision p = precision_of(a, where.c_str());
                if (precision && *precision != p)
                  throw py::type_error(where + ": dtype " + to_string(p) + " differs from the other arrays' " +
                                       to_string(*precision));
                precision = p;
                blocks.push_back({name, shape_of(a)});
              }
              return make_state(*t.transform, *precision, {}, std::move(blocks));
            }
            const py::array params = require_ndarray(params_obj, "params");
            return make_state(*t.transform, precision_of(params, "params"), shape_of(params));
          },
          py::arg("params"),
          "A fresh State for parameters of params' shape and dtype (only those are read; params may be read-only). "
          "params may be a dict of named arrays (one dtype): each is a block of that name and shape, which "
          "partition(...) and muon see; update and apply then take dicts with the same keys.")
      .def(
          "update",
          [](const PyTransform& t, py::handle grads, PyState& state, py::handle params) {
            step(t, grads, state, params, false);
            return py::reinterpret_borrow<py::object>(grads);
          },
          py::arg("grads"), py::arg("state"), py::arg("params"),
          "Rewrites grads in place into the update (to be added to params) and advances state; params are only "
          "read. Returns grads.")
      .def(
          "apply",
          [](const PyTransform& t, py::handle grads, PyState& state, py::handle params) {
            step(t, grads, state, params, true);
          },
          py::arg("grads"), py::arg("state"), py::arg("params"),
          "params += update(grads), in place, and advances state. grads is used as scratch: its content afterwards "
          "is unspecified. Faster than update() followed by an add: one pass over memory.")
      .def("__eq__",
           [](const PyTransform& a, py::handle b) {
             return py::isinstance<PyTransform>(b) &&
                    a.transform->spec() == b.cast<const PyTransform&>().transform->spec();
           })
      .def("__hash__", [](const PyTransform& t) { return py::hash(py::str(t.transform->spec())); })
      .def("__repr__",
           [](const PyTransform& t) {
             // Python's repr of the spec: a partition's spec holds quotes of its own.
             return "descent.parse(" + std::string(py::repr(py::str(t.transform->spec()))) + ")";
           })
      .def(py::pickle([](const PyTransform& t) { return t.transform->spec(); },
                      [](const std::string& spec) { return PyTransform{parse_transform(spec)}; }));

  m.def(
      "parse", [](const std::string& spec) { return PyTransform{parse_transform(spec)}; }, py::arg("spec"),
      "Builds a transform from a spec string, as the CLI does: descent.parse('adam(lr=1e-3)').\n"
      "Raises ParseError (a ValueError) for bad syntax or names, ConfigError (a ValueError) for a value out of range.");
  m.def(
      "parse_schedule", [](const std::string& spec) { return parse_schedule(spec)->spec(); }, py::arg("spec"),
      "The canonical spec of a schedule spec ('cosine(1e-3, 100)' or a number); raises like parse().");
  m.def(
      "schedule_values",
      [](const std::string& spec, std::int64_t steps) {
        const SchedulePtr schedule = parse_schedule(spec);
        std::vector<double> values(static_cast<std::size_t>(std::max<std::int64_t>(steps, 0)));
        for (std::size_t t = 0; t < values.size(); ++t) values[t] = schedule->value(static_cast<std::int64_t>(t));
        return values;
      },
      py::arg("spec"), py::arg("steps"), "The values of a schedule for steps 0..steps-1.");
  m.def(
      "chain",
      [](const std::vector<PyTransform>& members) {
        std::vector<TransformPtr> ptrs;
        for (const PyTransform& t : members) ptrs.push_back(t.transform);
        return PyTransform{descent::chain(std::move(ptrs))};
      },
      py::arg("members"));
  m.def(
      "registry", [] { return entries_as_list(registry()); },
      "Everything a spec can name (optimizers, transforms, schedules, estimators, solvers, callbacks, models), "
      "with its parameters.");
}

}  // namespace descent::python
