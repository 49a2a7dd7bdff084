// Steady-state steps allocate nothing: the optimizer step (apply), the loop around it
// and a minibatch step of a model. This program replaces the global operator new to
// count allocations, which is why it is a test program of its own.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <vector>

#include "descent/core/parallel.hpp"
#include "descent/data/gaussian_clusters.hpp"
#include "descent/estimator/loopless_svrg.hpp"
#include "descent/estimator/minibatch.hpp"
#include "descent/estimator/saga.hpp"
#include "descent/estimator/sam.hpp"
#include "descent/estimator/svrg.hpp"
#include "descent/loop/minimize.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/model/mlp.hpp"
#include "descent/spec/registry.hpp"
#include "descent/transform/adam.hpp"
#include "descent/transform/apply.hpp"
#include "descent/transform/chain.hpp"
#include "descent/transform/clip_by_global_norm.hpp"
#include "descent/transform/coordinate_clip.hpp"
#include "descent/transform/diffgrad.hpp"
#include "descent/transform/exponentiated_gradient.hpp"
#include "descent/transform/lanton.hpp"
#include "descent/transform/muon.hpp"
#include "descent/transform/normalize.hpp"
#include "descent/transform/sgd.hpp"
#include "descent/transform/weight_decay.hpp"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, std::align_val_t alignment) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const std::size_t a = static_cast<std::size_t>(alignment);
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t alignment) { return operator new(size, alignment); }
// The nothrow forms too (std::stable_sort's temporary buffer uses them): left to the
// sanitizer's runtime, their blocks would come back through the free() below, which ASan
// reports as an alloc-dealloc mismatch.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace descent {
namespace {

long allocations() { return g_allocations.load(); }

TEST(SteadyState, OptimizerStepsAllocateNothing) {
  const std::size_t n = 100'000;  // ~100 tiles: the threaded path
  for (const TransformPtr& t :
       {chain(clip_by_global_norm(1.0), adam(), weight_decay(1e-4)), chain(adam(), clip_by_global_norm(1.0), sgd()),
        sgd({.momentum = 0.9}),
        // A global member (its selection scratch grows once per thread), a
        // reducing one, and the simplex form of EG (reducing, reading p).
        chain(coordinate_clip(0.1), diffgrad(), normalize(), sgd()), exponentiated_gradient({.simplex = true})}) {
    Parameters<float> x(ParameterLayout::flat(n), 1.0f);
    auto state = t->init(x.layout(), 0.0f);
    AlignedBuffer<float> g(n, 0.5f);
    // Warm-up: first use grows the per-thread reduction scratch and starts OpenMP's threads.
    apply(*t, state, g.span(), x.flat(), x.layout());
    const long before = allocations();
    for (int step = 0; step < 10; ++step) {
      std::fill(g.begin(), g.end(), 0.5f);
      apply(*t, state, g.span(), x.flat(), x.layout());
    }
    EXPECT_EQ(allocations() - before, 0) << t->spec();
  }
}

// A partition runs its groups in place, block by block, or gathered into scratch that is
// grown once and kept: its steps allocate nothing either.
TEST(SteadyState, PartitionStepsAllocateNothing) {
  ParameterLayout layout;
  layout.add("layer0.weight", {256, 200});
  layout.add("layer0.bias", {256});
  layout.add("layer1.weight", {10, 256});
  layout.add("layer1.bias", {10});
  const TransformPtr t = parse_transform(
      "partition(group('*.weight', chain(clip_by_global_norm(1), adam)), group('*.bias', sgd(momentum=0.9)), "
      "default=adam)");
  Parameters<float> x(layout, 1.0f);
  auto state = t->init(x.layout(), 0.0f);
  AlignedBuffer<float> g(layout.size(), 0.5f);
  apply(*t, state, g.span(), x.flat(), x.layout());
  const long before = allocations();
  for (int step = 0; step < 10; ++step) {
    std::fill(g.begin(), g.end(), 0.5f);
    apply(*t, state, g.span(), x.flat(), x.layout());
  }
  EXPECT_EQ(allocations() - before, 0) << t->spec();
}

// Muon's Newton-Schulz scratch (and the GEMM packing buffers) are kept per thread and grow
// once: a 136 x 140 block is cut into two row panels (src/model/panel_gemm.hpp), a tall 40 x 10
// one is iterated transposed. Two Newton-Schulz steps (each repeats the same products) keep the
// sanitizer build quick.
TEST(SteadyState, MuonStepsAllocateNothing) {
  ParameterLayout layout;
  layout.add("hidden", {136, 140});
  layout.add("out", {40, 10});
  const TransformPtr t = muon({.lr = constant(0.02), .ns_steps = 2});
  Parameters<float> x(layout, 1.0f);
  auto state = t->init(x.layout(), 0.0f);
  AlignedBuffer<float> g(layout.size());
  const auto fill = [&] {
    for (std::size_t i = 0; i < g.size(); ++i) g[i] = static_cast<float>(std::sin(0.1 * static_cast<double>(i)));
  };
  fill();
  apply(*t, state, g.span(), x.flat(), x.layout());
  const long before = allocations();
  for (int step = 0; step < 3; ++step) {
    fill();
    apply(*t, state, g.span(), x.flat(), x.layout());
  }
  EXPECT_EQ(allocations() - before, 0) << t->spec();
}

// LANTON adds the nuclear norms' scratch: the difference matrix, a Gram matrix and one
// eigen-solver per Gram size (10 and 136 here), kept per thread once grown. The gradient
// changes from step to step so that every step computes the noise estimates.
TEST(SteadyState, LantonStepsAllocateNothing) {
  ParameterLayout layout;
  layout.add("hidden", {136, 140});
  layout.add("out", {40, 10});
  const TransformPtr t = lanton({.lr = constant(0.02), .ns_steps = 2});
  Parameters<float> x(layout, 1.0f);
  auto state = t->init(x.layout(), 0.0f);
  AlignedBuffer<float> g(layout.size());
  const auto fill = [&](int step) {
    for (std::size_t i = 0; i < g.size(); ++i)
      g[i] = static_cast<float>(std::sin(0.1 * static_cast<double>(i) + 0.3 * step));
  };
  for (int step = 0; step < 2; ++step) {
    fill(step);
    apply(*t, state, g.span(), x.flat(), x.layout());
  }
  const long before = allocations();
  for (int step = 2; step < 5; ++step) {
    fill(step);
    apply(*t, state, g.span(), x.flat(), x.layout());
  }
  EXPECT_EQ(allocations() - before, 0) << t->spec();
}

// The loop's own allocations (buffers, callbacks, the summary) do not grow with the
// number of steps: after a warm-up run (which grows the model's workspaces), runs of 16
// and 64 steps allocate the same.
TEST(SteadyState, MinimizeLoopAllocatesPerRunNotPerStep) {
  auto data = gaussian_clusters<float>({.samples = 512, .features = 16, .classes = 4}, 1);
  Mlp<float> model(data.train, {.hidden = {32}});
  auto opt = chain(clip_by_global_norm(1.0), adam());
  long counts[3];
  int k = 0;
  for (std::int64_t steps : {8, 16, 64}) {
    Parameters<float> x = model.initial_parameters(1);
    MinimizeOptions<float> options{.max_steps = steps, .final_evaluation = false};
    // Batches of 64 over 512 rows: every run covers whole epochs, so the samplers'
    // permutations are reused, not regrown.
    options.estimator = std::make_shared<Minibatch<float>>(MinibatchOptions{.batch_size = 64, .seed = 2});
    const long before = allocations();
    minimize(model, x, *opt, options);
    counts[k++] = allocations() - before;
  }
  EXPECT_GT(counts[0], 0);  // the counter sees the loop's buffers
  EXPECT_EQ(counts[1], counts[2]);
}

// The same with the models' products cut into panels over two threads: every thread's
// packing buffers are grown before the parallel region, so steady state allocates nothing.
TEST(SteadyState, ThreadedMinibatchModelStepAllocatesNothing) {
  const int threads_before = num_threads();
  set_num_threads(2);
  auto data = gaussian_clusters<float>({.samples = 512, .features = 256, .classes = 10}, 1);
  Mlp<float> model(data.train, {.hidden = {256, 128}});  // 128 x 256 x 256 products: split into panels
  const auto x = model.initial_parameters(1);
  std::vector<float> g(model.dimension());
  std::vector<std::size_t> batch(128);
  for (std::size_t k = 0; k < batch.size(); ++k) batch[k] = (k * 37 + 5) % data.train.size();
  model.batch_value_and_gradient(x.flat(), batch, g);  // warm-up grows every thread's buffers
  const long before = allocations();
  for (int step = 0; step < 5; ++step) model.batch_value_and_gradient(x.flat(), batch, g);
  EXPECT_EQ(allocations() - before, 0);
  set_num_threads(threads_before);
}

// Estimators size their buffers in bind() (SAGA's table and the SVRG snapshots at the first
// estimate): after a warm-up step, steps allocate nothing, snapshot and table steps included.
TEST(SteadyState, EstimatorStepsAllocateNothing) {
  auto clusters = gaussian_clusters<float>({.samples = 256, .features = 16, .classes = 2}, 1);
  LogisticRegression<float> linear(clusters.train, {.l2 = 0.01f});
  Mlp<float> mlp(clusters.train, {.hidden = {8}});
  const std::vector<std::pair<const FiniteSum<float>*, EstimatorPtr<float>>> cases = {
      {&linear, std::make_shared<Sam<float>>(SamOptions{.batch_size = 16}, 1)},
      {&linear, std::make_shared<Sam<float>>(SamOptions{.adaptive = true}, 1)},
      {&linear, std::make_shared<Svrg<float>>(SvrgOptions{.batch_size = 4, .epoch_length = 3}, 1)},
      {&linear, std::make_shared<LooplessSvrg<float>>(LooplessSvrgOptions{.batch_size = 4, .probability = 0.5}, 1)},
      {&linear, std::make_shared<Saga<float>>(SagaOptions{.batch_size = 8}, 1)},
      {&mlp, std::make_shared<Saga<float>>(SagaOptions{.batch_size = 8}, 1)}};
  for (const auto& [objective, estimator] : cases) {
    std::vector<float> point(objective->dimension(), 0.1f), direction(objective->dimension());
    estimator->bind(*objective);
    estimator->estimate(*objective, point, direction);  // warm-up: tables, snapshots, model workspaces
    const long before = allocations();
    for (int step = 0; step < 10; ++step) estimator->estimate(*objective, point, direction);
    EXPECT_EQ(allocations() - before, 0) << estimator->spec();
  }
}

// The counter can tell: a callback that allocates once per step shows up once per step.
class AllocatesEachStep final : public Callback<float> {
 public:
  std::optional<Stop> after_update(const StepReport<float>&, const LoopView<float>&) override {
    held_ = std::make_unique<int>(1);
    return std::nullopt;
  }

 private:
  std::unique_ptr<int> held_;
};

TEST(SteadyState, TheCounterSeesAnAllocationPerStep) {
  auto data = gaussian_clusters<float>({.samples = 64, .features = 4, .classes = 2}, 1);
  Mlp<float> model(data.train, {.hidden = {8}});
  auto opt = sgd();
  long counts[3];
  int k = 0;
  for (std::int64_t steps : {8, 16, 64}) {  // the first run warms the model's workspaces up
    Parameters<float> x = model.initial_parameters(1);
    MinimizeOptions<float> options{.max_steps = steps, .final_evaluation = false};
    options.callbacks.push_back(std::make_shared<AllocatesEachStep>());
    const long before = allocations();
    minimize(model, x, *opt, options);
    counts[k++] = allocations() - before;
  }
  EXPECT_EQ(counts[2] - counts[1], 64 - 16);
}

}  // namespace
}  // namespace descent
