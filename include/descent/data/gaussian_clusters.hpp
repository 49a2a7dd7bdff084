// A synthetic classification problem that needs no files: K Gaussian clusters in R^d.
// Class means are drawn N(0, separation^2 / (2d) I), so that the distance between two
// means is about `separation` whatever d is; each sample is its class mean plus N(0, I) noise, and
// classes are balanced (sample i has class i mod K, rows shuffled). Everything comes from
// Random(seed, Stream::data), so the same seed gives the same data everywhere.
#pragma once

#include <cstdint>

#include "descent/data/dataset.hpp"

namespace descent {

struct GaussianClustersOptions {
  std::size_t samples = 6000;
  std::size_t features = 64;
  std::size_t classes = 10;
  double separation = 4.0;  // typical distance between class means, in noise standard deviations
  std::uint64_t seed = 0;
};

// Two datasets from the same clusters: `train_samples` and `test_samples` rows.
template <class T>
struct ClustersSplit {
  Dataset<T> train, test;
};

template <class T>
ClustersSplit<T> gaussian_clusters(const GaussianClustersOptions& options, std::size_t test_samples);

}  // namespace descent
