// descent._core.KeptModel: a trained model a Python user keeps (run/trained_model.hpp) --
// predictions, probabilities, evaluation, and the model file (run/model_file.hpp) -- in
// either precision behind one Python type. descent/__init__.py wraps it as
// descent.TrainedModel.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <variant>

#include "descent/run/model_file.hpp"

namespace descent::python {

struct KeptModel {
  std::shared_ptr<const LoadedModel> model;
};

template <class T>
KeptModel keep_model(TrainedModel<T> model) {
  return {std::make_shared<const LoadedModel>(std::move(model))};
}

void bind_kept_model(pybind11::module_& m);

}  // namespace descent::python
