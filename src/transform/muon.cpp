#include "descent/transform/muon.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "descent/core/error.hpp"
#include "descent/transform/matrix_blocks.hpp"
#include "descent/transform/newton_schulz.hpp"
#include "descent/transform/transform_base.hpp"

namespace descent {

const std::vector<std::string>& MuonOptions::adjust_lr_choices() {
  static const std::vector<std::string> c = {"original", "match_rms_adamw", "spectral_unclamped", "none"};
  return c;
}

const std::vector<Field<MuonOptions>>& MuonOptions::fields() {
  using O = MuonOptions;
  static const std::vector<Field<O>> f = {
      {"lr", &O::lr, Range::positive(), "step size: update = -lr * s(rows, cols) * NS(B~) - lr * weight_decay * W"},
      {"momentum", &O::momentum, Range::unit_closed_open(), "B <- momentum * B + (1 - momentum) * g"},
      {"nesterov", &O::nesterov, Range::any(), "orthogonalize (1 - momentum) * g + momentum * B instead of B"},
      {"weight_decay", &O::weight_decay, Range::non_negative(), "decoupled: update -= lr * weight_decay * W"},
      {"adjust_lr", &O::adjust_lr, Range::any(),
       "s(rows, cols): original sqrt(max(1, rows/cols)), match_rms_adamw 0.2 sqrt(max(rows, cols)), "
       "spectral_unclamped sqrt(rows/cols), none 1",
       &adjust_lr_choices()},
      {"ns_steps", &O::ns_steps, Range{1, 99, false, false}, "Newton-Schulz steps X <- a X + (b A + c A^2) X"},
      {"eps", &O::eps, Range::positive(), "X_0 = B~ / max(||B~||_F, eps)"}};
  return f;
}

double muon_lr_scale(const std::string& adjust_lr, std::size_t rows, std::size_t cols) {
  const double r = static_cast<double>(rows);
  const double c = static_cast<double>(cols);
  if (adjust_lr == "original") return std::sqrt(std::max(1.0, r / c));
  if (adjust_lr == "match_rms_adamw") return 0.2 * std::sqrt(std::max(r, c));
  if (adjust_lr == "spectral_unclamped") return std::sqrt(r / c);
  if (adjust_lr == "none") return 1.0;
  throw ConfigError("MuonOptions::adjust_lr = '" + adjust_lr + "' is not " +
                    describe_choices(MuonOptions::adjust_lr_choices()));
}

namespace {

class Muon final : public TransformBase<Muon, TransformKind::global> {
 public:
  explicit Muon(MuonOptions o) : o_(std::move(o)) { validate(o_); }
  std::string spec() const override { return to_spec("muon", o_); }

  template <class T>
  void make(TransformState<T>& s, const ParameterLayout& layout) const {
    require_matrix_blocks(layout, "MuonOptions", "muon");
    s.add_slot("momentum_buffer", layout.size());
  }

  template <class T>
  void prepare(TransformState<T>& s, const double*) const {
    s.step[0] = o_.lr->value(s.count - 1);
  }

  // Each block's update needs the whole block (NS mixes all its elements): no per-tile form.
  template <class T, class Io>
  void tile(TransformState<T>&, const Tile<T>&, Io) const {
    throw MismatchError("muon is a global transform: run it through descent::update or descent::apply");
  }

  template <class T>
  void global(TransformState<T>& s, std::span<T> direction, std::span<const T> params,
              const ParameterLayout& layout) const {
    const std::size_t n = direction.size();
    if (layout.size() != n || params.size() != n || s.slots.empty() || s.slots[0].size() != n)
      throw MismatchError("muon: direction of " + std::to_string(n) + " elements, parameters of " +
                          std::to_string(params.size()) + ", layout of " + std::to_string(layout.size()) +
                          ", momentum buffer of " + std::to_string(s.slots.empty() ? 0 : s.slots[0].size()));
    const double lr = s.step[0];
    T* buffer = s.slots[0].data();
    for (const BlockInfo& block : layout.blocks()) {
      if (block.shape.size() < 2)
        throw MismatchError("muon: block '" + block.name + "' of " + std::to_string(block.shape.size()) +
                            " dimension(s)" + " is not a matrix (the state was made for another layout)");
      if (block.size == 0) continue;
      const std::size_t rows = block.shape[0];
      const std::size_t cols = block.size / rows;
      muon_block_step(direction.data() + block.offset, buffer + block.offset, params.data() + block.offset, rows, cols,
                      o_.momentum, o_.nesterov, static_cast<int>(o_.ns_steps), o_.eps,
                      lr * muon_lr_scale(o_.adjust_lr, rows, cols), lr * o_.weight_decay);
    }
  }

 private:
  MuonOptions o_;
};

}  // namespace

template <class T>
void muon_block_step(T* d, T* b, const T* p, std::size_t rows, std::size_t cols, double momentum, bool nesterov,
                     int ns_steps, double eps, double rate, double decay) {
  const std::size_t size = rows * cols;
  const T mu = static_cast<T>(momentum);
  const T one_minus_mu = static_cast<T>(1 - momentum);
  for (std::size_t i = 0; i < size; ++i) {
    const T g = d[i];
    b[i] = mu * b[i] + one_minus_mu * g;
    d[i] = nesterov ? one_minus_mu * g + mu * b[i] : b[i];
  }
  newton_schulz(std::span<T>(d, size), rows, cols, ns_steps, kMuonQuintic, eps);
  const T r = static_cast<T>(rate), w = static_cast<T>(decay);
  for (std::size_t i = 0; i < size; ++i) d[i] = -w * p[i] - r * d[i];
}

template void muon_block_step<float>(float*, float*, const float*, std::size_t, std::size_t, double, bool, int, double,
                                     double, double);
template void muon_block_step<double>(double*, double*, const double*, std::size_t, std::size_t, double, bool, int,
                                      double, double, double);

TransformPtr muon(MuonOptions options) { return std::make_shared<const Muon>(std::move(options)); }

}  // namespace descent
