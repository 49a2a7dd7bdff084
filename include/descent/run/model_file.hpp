// The model file: a TrainedModel saved as a NumPy .npz archive, so that NumPy alone reads
// it (`np.load("model.npz")["layer0.weight"]`). Its entries:
//
//   metadata              uint8 array: UTF-8 JSON text (json.loads(z["metadata"].tobytes()))
//                           {"format": "descent-model", "version": 1,
//                            "model": {kind, hidden, activation, num_classes, l2, bias, init_seed},
//                            "features": d, "dtype": "float32" | "float64",
//                            "labels": {"positive_class": null | c, "negative_label": 0 | -1},
//                            "preprocess": {"kind": "none" | "scale" | "standardize", "center": bool},
//                            "blocks": [{"name": ..., "shape": [...]}, ...],
//                            "training": {...what trained it...}}
//   <block name>          one array per parameter block, in the model's dtype and shape
//                           (layer0.weight (out, in), layer0.bias (out,), ...; logistic and
//                           least squares: weight (d,), bias ())
//   preprocess.min/.max   scale: the fitted column extremes (float64, (d,))
//   preprocess.mean/.std  standardize: the fitted column means and standard deviations
//
// The file is written atomically (temporary file, then rename), and the same model always
// gives the same bytes. Loading checks everything: a file that is not a ZIP archive, a
// foreign .npz (no metadata, another format tag), a newer version, a missing or misshapen
// block, or damaged bytes is a FormatError "<path>: <what is wrong>".
#pragma once

#include <string>
#include <variant>

#include "descent/run/trained_model.hpp"

namespace descent {

template <class T>
void save_model(const std::string& path, const TrainedModel<T>& model);

// The bytes save_model writes (for pickling, or sending a model elsewhere).
template <class T>
std::string model_file_bytes(const TrainedModel<T>& model);

// The model in the precision it was saved in.
using LoadedModel = std::variant<TrainedModel<float>, TrainedModel<double>>;
LoadedModel load_model(const std::string& path);
// The same from the bytes of a model file; `name` stands for the path in messages.
LoadedModel load_model_bytes(const std::string& name, std::string bytes);

// load_model converted to T (float parameters widen exactly; double ones are rounded to
// float, which may change predictions in the last bits).
template <class T>
TrainedModel<T> load_model_as(const std::string& path);

}  // namespace descent
