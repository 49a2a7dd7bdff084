#include "label_checks.hpp"

#include <algorithm>
#include <string>

#include "descent/core/error.hpp"

namespace descent::detail {

void throw_bad_label(std::string_view model, std::string_view source, std::size_t row, double label,
                     std::string_view problem) {
  std::string message(model);
  message.append(": label ").append(format_number(label)).append(" of row ").append(std::to_string(row));
  message.append(" of '").append(source).append("' ").append(problem);
  throw MismatchError(message);
}

template <class T>
void require_features(const Dataset<T>& data, std::string_view model) {
  if (data.dimension() == 0)
    throw MismatchError(std::string(model) + ": dataset '" + data.source() + "' has no feature columns");
}

template <class T>
void require_width(const Dataset<T>& data, std::size_t inputs, std::string_view model) {
  if (data.dimension() != inputs)
    throw MismatchError(std::string(model) + ": dataset '" + data.source() + "' has " +
                        std::to_string(data.dimension()) + " features, the model was built for " +
                        std::to_string(inputs));
}

template <class T>
void require_finite_labels(const Dataset<T>& data, std::string_view model) {
  const auto labels = data.labels();
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (!std::isfinite(static_cast<double>(labels[i])))
      throw_bad_label(model, data.source(), i, static_cast<double>(labels[i]), "is not a finite target");
}

template <class T>
T binary_negative_label(const Dataset<T>& data, std::string_view model) {
  const auto labels = data.labels();
  std::size_t first_zero = labels.size(), first_minus_one = labels.size();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double y = static_cast<double>(labels[i]);
    if (!is_binary_label(y)) throw_bad_label(model, data.source(), i, y, "is not a binary label (0/1 or -1/+1)");
    if (y == 0 && first_zero == labels.size()) first_zero = i;
    if (y == -1 && first_minus_one == labels.size()) first_minus_one = i;
  }
  if (first_zero < labels.size() && first_minus_one < labels.size())
    throw MismatchError(std::string(model) + ": dataset '" + data.source() +
                        "' mixes the 0/1 and -1/+1 label conventions (row " + std::to_string(first_zero) +
                        " is 0, row " + std::to_string(first_minus_one) + " is -1)");
  return first_minus_one < labels.size() ? T(-1) : T(0);
}

template <class T>
std::size_t resolve_num_classes(const Dataset<T>& data, std::size_t requested, std::string_view model) {
  const auto labels = data.labels();
  if (requested > 0) {
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (!is_class_index(static_cast<double>(labels[i]), requested))
        throw_bad_label(model, data.source(), i, static_cast<double>(labels[i]),
                        "is not a class index 0.." + std::to_string(requested - 1));
    return requested;
  }
  double largest = -1;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double y = static_cast<double>(labels[i]);
    // 2^24: beyond it float labels stop being exact integers, and no classifier here has
    // that many outputs.
    if (!(y >= 0 && y == std::floor(y) && y < 16777216.0))
      throw_bad_label(model, data.source(), i, y, "is not a class index 0..K-1");
    largest = std::max(largest, y);
  }
  if (largest < 1)
    throw MismatchError(std::string(model) + ": dataset '" + data.source() + "' has labels of " +
                        (largest < 0 ? "no class" : "one class only") +
                        "; a classifier needs num_classes >= 2 (set it in the options)");
  return static_cast<std::size_t>(largest) + 1;
}

#define DESCENT_INSTANTIATE(T)                                                      \
  template void require_features<T>(const Dataset<T>&, std::string_view);           \
  template void require_width<T>(const Dataset<T>&, std::size_t, std::string_view); \
  template void require_finite_labels<T>(const Dataset<T>&, std::string_view);      \
  template T binary_negative_label<T>(const Dataset<T>&, std::string_view);         \
  template std::size_t resolve_num_classes<T>(const Dataset<T>&, std::size_t, std::string_view);
DESCENT_INSTANTIATE(float)
DESCENT_INSTANTIATE(double)
#undef DESCENT_INSTANTIATE

}  // namespace descent::detail
