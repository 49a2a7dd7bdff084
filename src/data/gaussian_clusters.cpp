#include "descent/data/gaussian_clusters.hpp"

#include <cmath>
#include <numeric>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"

namespace descent {

namespace {

template <class T>
Dataset<T> draw(const std::vector<double>& means, std::size_t n, std::size_t d, std::size_t k, Random& rng) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  DenseFeatures<T> features{n, d, AlignedBuffer<T>(n * d)};
  std::vector<T> labels(n);
  for (std::size_t r = 0; r < n; ++r) {
    const std::size_t c = order[r] % k;
    labels[r] = static_cast<T>(c);
    for (std::size_t j = 0; j < d; ++j) features.values[r * d + j] = static_cast<T>(means[c * d + j] + rng.normal());
  }
  return Dataset<T>(std::move(features), std::move(labels), "synthetic gaussian clusters");
}

}  // namespace

template <class T>
ClustersSplit<T> gaussian_clusters(const GaussianClustersOptions& o, std::size_t test_samples) {
  require(o.samples >= 1, "GaussianClustersOptions", "samples", double(o.samples), "samples >= 1");
  require(o.features >= 1, "GaussianClustersOptions", "features", double(o.features), "features >= 1");
  require(o.classes >= 2, "GaussianClustersOptions", "classes", double(o.classes), "classes >= 2");
  require(o.separation > 0, "GaussianClustersOptions", "separation", o.separation, "separation > 0");
  Random rng(o.seed, Stream::data);
  // Two independent mean vectors differ by N(0, 2 s^2 / d I): distance ~ s sqrt(2).
  const double scale = o.separation / std::sqrt(2.0 * double(o.features));
  std::vector<double> means(o.classes * o.features);
  for (auto& m : means) m = scale * rng.normal();
  ClustersSplit<T> split;
  split.train = draw<T>(means, o.samples, o.features, o.classes, rng);
  split.test = draw<T>(means, test_samples, o.features, o.classes, rng);
  return split;
}

template ClustersSplit<float> gaussian_clusters<float>(const GaussianClustersOptions&, std::size_t);
template ClustersSplit<double> gaussian_clusters<double>(const GaussianClustersOptions&, std::size_t);

}  // namespace descent
