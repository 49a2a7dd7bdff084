#include "descent/model/evaluate.hpp"

#include <algorithm>
#include <numeric>

#include "descent/core/error.hpp"

namespace descent {

namespace {

// Calls visit(rows) for consecutive batches of at most batch_size rows of `data`.
template <class Visit>
void for_each_batch(std::size_t n, std::size_t batch_size, Visit visit) {
  require(batch_size >= 1, "evaluate", "batch_size", static_cast<double>(batch_size), "batch_size >= 1");
  std::vector<std::size_t> rows(std::min(batch_size, n));
  for (std::size_t begin = 0; begin < n; begin += batch_size) {
    const std::size_t count = std::min(batch_size, n - begin);
    std::iota(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(count), begin);
    visit(begin, std::span<const std::size_t>(rows.data(), count));
  }
}

}  // namespace

template <class T>
Evaluation evaluate(const Model<T>& model, std::type_identity_t<std::span<const T>> x, const Dataset<T>& data,
                    std::size_t batch_size) {
  const std::size_t n = data.size();
  double loss = 0;
  std::size_t correct = 0;
  // An empty dataset still gets its parameters and width checked.
  if (n == 0) model.evaluate_rows(x, data, {});
  for_each_batch(n, batch_size, [&](std::size_t, std::span<const std::size_t> rows) {
    const RowsEvaluation part = model.evaluate_rows(x, data, rows);
    loss += part.loss_sum;
    correct += part.correct;
  });
  Evaluation result;
  result.samples = n;
  if (n > 0) {
    result.mean_loss = loss / static_cast<double>(n);
    if (model.is_classifier()) result.accuracy = static_cast<double>(correct) / static_cast<double>(n);
  }
  return result;
}

template <class T>
std::vector<T> predict(const Model<T>& model, std::type_identity_t<std::span<const T>> x, const Dataset<T>& data,
                       std::size_t batch_size) {
  std::vector<T> predictions(data.size());
  if (data.size() == 0) model.predict_rows(x, data, {}, {});
  for_each_batch(data.size(), batch_size, [&](std::size_t begin, std::span<const std::size_t> rows) {
    model.predict_rows(x, data, rows, std::span<T>(predictions.data() + begin, rows.size()));
  });
  return predictions;
}

template Evaluation evaluate<float>(const Model<float>&, std::span<const float>, const Dataset<float>&, std::size_t);
template Evaluation evaluate<double>(const Model<double>&, std::span<const double>, const Dataset<double>&,
                                     std::size_t);
template std::vector<float> predict<float>(const Model<float>&, std::span<const float>, const Dataset<float>&,
                                           std::size_t);
template std::vector<double> predict<double>(const Model<double>&, std::span<const double>, const Dataset<double>&,
                                             std::size_t);

}  // namespace descent
