// How a dataset's samples are dealt to K simulated federated clients.
//
//   iid:        the n sample indices are shuffled (Fisher-Yates on Random(seed, Stream::data))
//               and cut into K consecutive pieces of floor(n / K) or floor(n / K) + 1 samples
//               (the first n mod K clients get one more). Needs K <= n: no client is empty.
//   dirichlet:  label skew as in Hsu, Qi & Brown 2019 ("Measuring the Effects of Non-Identical
//               Data Distribution for Federated Visual Classification"): for each class c, the
//               class's samples are shuffled, proportions p ~ Dir(alpha 1_K) are drawn over the
//               K clients, and client k receives the samples between the cut points
//               round(n_c P_{k-1}) and round(n_c P_k), with P_k = p_1 + ... + p_k (so every
//               sample goes to exactly one client and the counts are the proportions rounded).
//               Small alpha gives each class to few clients (alpha -> 0: one client per class);
//               large alpha approaches the iid split of each class.
//
// Empty clients. Under a small alpha (or K large next to the class sizes) some clients receive
// no sample. They are allowed and kept, so that client ids stay 0..K-1 whatever alpha is: a
// federated round that samples an empty client skips it (it trains nothing, weighs nothing in the
// average and costs no communication; federated.hpp). empty_clients() says how many there are.
//
// Determinism: a split is a pure function of (labels, options, seed). Class c's shuffle and
// proportions come from Random(seed, Stream::data, substream c + 1), the iid shuffle from
// substream 0, so adding a class does not move the others' draws.
//
// Cost: O(n + C K) time and memory (C classes: the cut points of every class are kept until the
// clients' lists are laid out): K = 10000 clients on 60000 samples with 10 classes is 10^5 gamma
// draws and two passes over the samples.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/data/dataset.hpp"
#include "descent/objective/objective.hpp"
#include "descent/spec/hyperparameters.hpp"

namespace descent {

struct ClientSplitOptions {
  static constexpr const char* kName = "ClientSplitOptions";
  std::int64_t clients = 10;      // K >= 1 (iid: K <= n)
  std::string partition = "iid";  // iid or dirichlet
  double alpha = 0.5;             // dirichlet concentration > 0 (finite)
  static const std::vector<std::string>& partition_choices();
  static const std::vector<Field<ClientSplitOptions>>& fields();
  // Throws ConfigError "ClientSplitOptions::<field> = <value> violates <constraint>".
  void validate() const;
};

// The clients' sample indices, stored flat: client k holds indices()[offsets[k], offsets[k + 1]).
class ClientSplit {
 public:
  ClientSplit() = default;
  // From one list of sample indices per client. Throws MismatchError when an index is >= samples
  // or appears twice (a sample belongs to one client at most).
  static ClientSplit from_lists(const std::vector<std::vector<std::size_t>>& lists, std::size_t samples);

  std::size_t num_clients() const noexcept { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  // Samples dealt to some client (the dataset's n for the built-in partitions).
  std::size_t num_assigned() const noexcept { return indices_.size(); }
  // The n of the dataset the indices point into.
  std::size_t num_samples() const noexcept { return samples_; }
  std::span<const std::size_t> client(std::size_t k) const;  // throws MismatchError for k >= K
  std::size_t client_size(std::size_t k) const { return client(k).size(); }
  std::size_t empty_clients() const noexcept;

 private:
  ClientSplit(std::vector<std::size_t> offsets, std::vector<std::size_t> indices, std::size_t samples)
      : offsets_(std::move(offsets)), indices_(std::move(indices)), samples_(samples) {}
  friend ClientSplit split_iid(std::size_t, const ClientSplitOptions&, std::uint64_t);
  friend ClientSplit split_by_class(std::span<const std::size_t>, std::size_t, const ClientSplitOptions&,
                                    std::uint64_t);

  std::vector<std::size_t> offsets_;
  std::vector<std::size_t> indices_;
  std::size_t samples_ = 0;
};

// The iid partition of n samples (options.partition is not read). Throws ConfigError for
// clients < 1 or clients > samples ("ClientSplitOptions::clients = 7 violates clients <= samples (5)").
ClientSplit split_iid(std::size_t samples, const ClientSplitOptions& options, std::uint64_t seed);

// The dirichlet partition given each sample's class in 0..classes-1 (options.partition is not
// read). Throws ConfigError for clients < 1 or alpha outside (0, inf), MismatchError for a class
// index >= classes.
ClientSplit split_by_class(std::span<const std::size_t> sample_classes, std::size_t classes,
                           const ClientSplitOptions& options, std::uint64_t seed);

// options.partition decides. Classes come from FiniteSum::label_space() (binary labels {neg, 1}
// are classes 0 and 1; K >= 3 are the class indices); a dirichlet split of an objective without
// class labels (a regression, or no label_space) is a MismatchError saying so.
template <class T>
ClientSplit split_clients(const FiniteSum<T>& objective, const ClientSplitOptions& options, std::uint64_t seed);

// The same from a Dataset's labels: labels in {-1, +1} are two classes; otherwise labels must be
// class indices 0..C-1 (Dataset::num_classes(), which throws MismatchError naming a bad label).
template <class T>
ClientSplit split_clients(const Dataset<T>& data, const ClientSplitOptions& options, std::uint64_t seed);

}  // namespace descent
