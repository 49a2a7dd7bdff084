#include "descent/distributed/client_split.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "descent/core/error.hpp"
#include "descent/core/gamma_variate.hpp"
#include "descent/core/random.hpp"

namespace descent {

const std::vector<std::string>& ClientSplitOptions::partition_choices() {
  static const std::vector<std::string> c = {"iid", "dirichlet"};
  return c;
}

const std::vector<Field<ClientSplitOptions>>& ClientSplitOptions::fields() {
  using O = ClientSplitOptions;
  static const std::vector<Field<O>> f = {
      {"clients", &O::clients, Range::at_least(1), "K: the number of clients the samples are dealt to"},
      {"partition", &O::partition, Range::any(),
       "iid: shuffled, near-equal pieces; dirichlet: each class dealt by proportions p ~ Dir(alpha)",
       &partition_choices()},
      {"alpha", &O::alpha, Range::positive(), "Dirichlet concentration: small alpha gives each class to few clients"}};
  return f;
}

void ClientSplitOptions::validate() const { descent::validate(*this); }

namespace {

// Fisher-Yates from the back; one Random::below per position.
void shuffle(std::span<std::size_t> v, Random& random) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[random.below(i)]);
}

}  // namespace

ClientSplit ClientSplit::from_lists(const std::vector<std::vector<std::size_t>>& lists, std::size_t samples) {
  std::vector<std::size_t> offsets{0};
  std::vector<std::size_t> indices;
  std::vector<bool> seen(samples, false);
  for (std::size_t k = 0; k < lists.size(); ++k) {
    for (std::size_t i : lists[k]) {
      if (i >= samples)
        throw MismatchError("ClientSplit: client " + std::to_string(k) + " holds sample " + std::to_string(i) +
                            ", but the dataset has " + std::to_string(samples) + " samples");
      if (seen[i])
        throw MismatchError("ClientSplit: sample " + std::to_string(i) + " is given to more than one client");
      seen[i] = true;
      indices.push_back(i);
    }
    offsets.push_back(indices.size());
  }
  return ClientSplit(std::move(offsets), std::move(indices), samples);
}

std::span<const std::size_t> ClientSplit::client(std::size_t k) const {
  if (k >= num_clients())
    throw MismatchError("ClientSplit: client " + std::to_string(k) + " does not exist (" +
                        std::to_string(num_clients()) + " clients)");
  return std::span<const std::size_t>(indices_).subspan(offsets_[k], offsets_[k + 1] - offsets_[k]);
}

std::size_t ClientSplit::empty_clients() const noexcept {
  std::size_t empty = 0;
  for (std::size_t k = 0; k + 1 < offsets_.size(); ++k) empty += offsets_[k] == offsets_[k + 1] ? 1 : 0;
  return empty;
}

ClientSplit split_iid(std::size_t samples, const ClientSplitOptions& options, std::uint64_t seed) {
  require(options.clients >= 1, ClientSplitOptions::kName, "clients", static_cast<double>(options.clients),
          "clients >= 1");
  require(static_cast<std::uint64_t>(options.clients) <= samples, ClientSplitOptions::kName, "clients",
          static_cast<double>(options.clients), "clients <= samples (" + std::to_string(samples) + ")");
  const auto clients = static_cast<std::size_t>(options.clients);
  std::vector<std::size_t> indices(samples);
  std::iota(indices.begin(), indices.end(), std::size_t{0});
  Random random(seed, Stream::data, 0);
  shuffle(indices, random);
  std::vector<std::size_t> offsets(clients + 1, 0);
  const std::size_t base = samples / clients, extra = samples % clients;
  for (std::size_t k = 0; k < clients; ++k) offsets[k + 1] = offsets[k] + base + (k < extra ? 1 : 0);
  return ClientSplit(std::move(offsets), std::move(indices), samples);
}

ClientSplit split_by_class(std::span<const std::size_t> sample_classes, std::size_t classes,
                           const ClientSplitOptions& options, std::uint64_t seed) {
  require(options.clients >= 1, ClientSplitOptions::kName, "clients", static_cast<double>(options.clients),
          "clients >= 1");
  require(options.alpha > 0 && std::isfinite(options.alpha), ClientSplitOptions::kName, "alpha", options.alpha,
          "alpha > 0");
  const auto clients = static_cast<std::size_t>(options.clients);
  const std::size_t n = sample_classes.size();

  // The samples of each class, in sample order (a counting sort), then shuffled per class.
  std::vector<std::size_t> class_start(classes + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (sample_classes[i] >= classes)
      throw MismatchError("split_by_class: sample " + std::to_string(i) + " has class " +
                          std::to_string(sample_classes[i]) + ", but there are " + std::to_string(classes) +
                          " classes");
    ++class_start[sample_classes[i] + 1];
  }
  for (std::size_t c = 0; c < classes; ++c) class_start[c + 1] += class_start[c];
  std::vector<std::size_t> by_class(n);
  {
    std::vector<std::size_t> next(class_start.begin(), class_start.end() - 1);
    for (std::size_t i = 0; i < n; ++i) by_class[next[sample_classes[i]]++] = i;
  }

  // counts[c * K + k]: how many of class c's samples client k receives. Held per class as
  // cut points so that only O(K) lives at once beyond the counts themselves.
  std::vector<std::size_t> client_size(clients, 0);
  std::vector<std::size_t> cuts(static_cast<std::size_t>(classes) * (clients + 1), 0);
  std::vector<double> log_p(clients);
  for (std::size_t c = 0; c < classes; ++c) {
    const std::size_t first = class_start[c], count = class_start[c + 1] - first;
    Random random(seed, Stream::data, static_cast<std::uint32_t>(c + 1));
    shuffle(std::span<std::size_t>(by_class).subspan(first, count), random);
    // p ~ Dir(alpha): normalized Gamma(alpha) draws, in log space (gamma_variate.hpp).
    double max_log = -std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < clients; ++k) {
      log_p[k] = log_gamma_variate(random, options.alpha);
      max_log = std::max(max_log, log_p[k]);
    }
    double total = 0;
    for (std::size_t k = 0; k < clients; ++k) {
      log_p[k] = std::exp(log_p[k] - max_log);  // now the unnormalized proportion, largest = 1
      total += log_p[k];
    }
    std::size_t* cut = &cuts[c * (clients + 1)];
    double cumulative = 0;
    cut[0] = 0;
    for (std::size_t k = 0; k < clients; ++k) {
      cumulative += log_p[k];
      // The last cut is exactly `count`, whatever the rounding of the cumulative sum.
      cut[k + 1] = k + 1 == clients ? count
                                    : std::min(count, static_cast<std::size_t>(std::llround(static_cast<double>(count) *
                                                                                            (cumulative / total))));
      cut[k + 1] = std::max(cut[k + 1], cut[k]);
      client_size[k] += cut[k + 1] - cut[k];
    }
  }

  std::vector<std::size_t> offsets(clients + 1, 0);
  for (std::size_t k = 0; k < clients; ++k) offsets[k + 1] = offsets[k] + client_size[k];
  std::vector<std::size_t> indices(n);
  std::vector<std::size_t> fill(offsets.begin(), offsets.end() - 1);
  for (std::size_t c = 0; c < classes; ++c) {
    const std::size_t* cut = &cuts[c * (clients + 1)];
    for (std::size_t k = 0; k < clients; ++k)
      for (std::size_t j = cut[k]; j < cut[k + 1]; ++j) indices[fill[k]++] = by_class[class_start[c] + j];
  }
  return ClientSplit(std::move(offsets), std::move(indices), n);
}

namespace {

// Class index of a label under a LabelSpace's convention; MismatchError names the sample.
template <class T>
std::vector<std::size_t> classes_of(std::span<const T> labels, std::size_t classes, T negative_label) {
  std::vector<std::size_t> out(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const T y = labels[i];
    if (classes == 2) {
      if (y == T(1)) {
        out[i] = 1;
      } else if (y == negative_label) {
        out[i] = 0;
      } else {
        throw MismatchError("split_clients: sample " + std::to_string(i) + " has label " +
                            format_number(static_cast<double>(y)) + ", not a binary label");
      }
    } else {
      if (!(y >= 0) || y != std::floor(y) || static_cast<double>(y) >= static_cast<double>(classes))
        throw MismatchError("split_clients: sample " + std::to_string(i) + " has label " +
                            format_number(static_cast<double>(y)) + ", not a class index below " +
                            std::to_string(classes));
      out[i] = static_cast<std::size_t>(y);
    }
  }
  return out;
}

void check_partition(const ClientSplitOptions& options) { options.validate(); }

}  // namespace

template <class T>
ClientSplit split_clients(const FiniteSum<T>& objective, const ClientSplitOptions& options, std::uint64_t seed) {
  check_partition(options);
  if (options.partition == "iid") return split_iid(objective.num_samples(), options, seed);
  if (!objective.accepts_label_override())
    throw MismatchError("a dirichlet client split needs class labels; '" + objective.name() + "' has none");
  const LabelSpace<T> space = objective.label_space();
  if (space.classes < 2)
    throw MismatchError("a dirichlet client split needs class labels; '" + objective.name() +
                        "' has real-valued targets");
  const auto classes = classes_of(space.labels, space.classes, space.negative_label);
  return split_by_class(classes, space.classes, options, seed);
}

template <class T>
ClientSplit split_clients(const Dataset<T>& data, const ClientSplitOptions& options, std::uint64_t seed) {
  check_partition(options);
  if (options.partition == "iid") return split_iid(data.size(), options, seed);
  const auto labels = data.labels();
  const bool plus_minus_one =
      !labels.empty() && std::all_of(labels.begin(), labels.end(), [](T y) { return y == T(1) || y == T(-1); });
  if (plus_minus_one) return split_by_class(classes_of<T>(labels, 2, T(-1)), 2, options, seed);
  const std::size_t classes = data.num_classes();
  return split_by_class(classes_of<T>(labels, classes, T(0)), classes, options, seed);
}

template ClientSplit split_clients<float>(const FiniteSum<float>&, const ClientSplitOptions&, std::uint64_t);
template ClientSplit split_clients<double>(const FiniteSum<double>&, const ClientSplitOptions&, std::uint64_t);
template ClientSplit split_clients<float>(const Dataset<float>&, const ClientSplitOptions&, std::uint64_t);
template ClientSplit split_clients<double>(const Dataset<double>&, const ClientSplitOptions&, std::uint64_t);

}  // namespace descent
