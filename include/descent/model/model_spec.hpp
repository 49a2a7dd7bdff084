// A built-in model as a run names it: its kind (a registry entry of kind model: `descent
// list --kind model`) and the options the kinds draw from. A kind reads only the options
// it documents (a linear model ignores `hidden`), so one struct serves the CLI's flags, the
// job file's [model] table and Python's model objects alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace descent {

struct ModelSpec {
  std::string kind = "mlp";                 // least_squares, logistic, softmax, mlp
  std::vector<std::size_t> hidden = {128};  // mlp: hidden layer widths, each >= 1
  std::string activation = "relu";          // mlp: relu, tanh or gelu
  std::size_t num_classes = 0;              // softmax, mlp: K >= 2, or 0 to take it from the labels
  double l2 = 0;                            // lambda/2 |W|^2 (never the biases); >= 0
  bool bias = true;                         // linear models: fit an intercept
  std::uint64_t init_seed = 0;              // mlp: the initialization stream (He / Glorot)
};

}  // namespace descent
