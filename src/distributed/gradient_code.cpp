#include "descent/distributed/gradient_code.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/core/random.hpp"

namespace descent {

namespace {

constexpr double kUnitRoundoff = std::numeric_limits<double>::epsilon() / 2;
// Draws of H before the seeded construction gives up; each fails with probability zero.
constexpr int kMaxDraws = 16;

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace

const std::vector<std::string>& GradientCodeOptions::code_choices() {
  static const std::vector<std::string> c = {"cyclic", "fractional"};
  return c;
}

const std::vector<Field<GradientCodeOptions>>& GradientCodeOptions::fields() {
  using O = GradientCodeOptions;
  static const std::vector<Field<O>> f = {
      {"workers", &O::workers, Range{1, static_cast<double>(kMaxGradientCodeWorkers), false, false},
       "n: workers, and data partitions (k = n)"},
      {"stragglers", &O::stragglers, Range::at_least(0),
       "s < n: workers that may never answer; each worker stores s + 1 partitions"},
      {"code", &O::code, Range::any(),
       "cyclic: worker i stores partitions i..i+s (mod n), Algorithm 1's random null-space code; fractional: groups "
       "of s + 1 workers store the same s + 1 partitions ((s + 1) | n)",
       &code_choices()}};
  return f;
}

void validate_gradient_code_shape(const char* owner, std::int64_t workers, std::int64_t stragglers,
                                  const std::string& code) {
  require(stragglers < workers, owner, "stragglers", static_cast<double>(stragglers),
          "stragglers < workers = " + std::to_string(workers));
  if (code == "fractional")
    require(workers % (stragglers + 1) == 0, owner, "workers", static_cast<double>(workers),
            "workers divisible by stragglers + 1 = " + std::to_string(stragglers + 1) + " (code=fractional)");
}

void GradientCodeOptions::validate() const {
  descent::validate(*this);
  validate_gradient_code_shape(kName, workers, stragglers, code);
}

GradientCode::GradientCode(Unfilled, std::size_t workers, std::size_t stragglers, std::string code)
    : workers_(workers),
      stragglers_(stragglers),
      code_(std::move(code)),
      encoding_(workers * workers, 0.0),
      support_(workers * (stragglers + 1)) {}

GradientCode::GradientCode(GradientCodeOptions options, std::uint64_t seed) {
  options.validate();
  *this = GradientCode(Unfilled{}, static_cast<std::size_t>(options.workers),
                       static_cast<std::size_t>(options.stragglers), options.code);
  const std::size_t n = workers_, s = stragglers_;
  if (code_ == "fractional") {
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t first = (i / (s + 1)) * (s + 1);
      for (std::size_t t = 0; t <= s; ++t) {
        support_[i * (s + 1) + t] = first + t;
        encoding_[i * n + first + t] = 1;
      }
    }
    return;
  }
  Random random(seed, Stream::user, kGradientCodeSubstream);
  std::vector<double> h(s * n);
  for (int draw = 0; draw < kMaxDraws; ++draw) {
    for (std::size_t r = 0; r < s; ++r) {
      double sum = 0;
      for (std::size_t j = 0; j + 1 < n; ++j) {
        h[r * n + j] = random.normal();
        sum += h[r * n + j];
      }
      h[r * n + n - 1] = -sum;
    }
    if (fill_cyclic_rows(h)) return;
  }
  throw Error("GradientCode: " + std::to_string(kMaxDraws) +
              " draws of H gave a singular system; the normal generator is broken");
}

GradientCode GradientCode::cyclic_from_null_space(std::size_t workers, std::size_t stragglers,
                                                  std::span<const double> h) {
  GradientCodeOptions options{static_cast<std::int64_t>(workers), static_cast<std::int64_t>(stragglers), "cyclic"};
  options.validate();
  if (h.size() != stragglers * workers)
    throw MismatchError("GradientCode::cyclic_from_null_space: H has " + std::to_string(h.size()) +
                        " entries, expected stragglers x workers = " + std::to_string(stragglers * workers));
  for (std::size_t r = 0; r < stragglers; ++r) {
    // The row's sum rounded in double is within n u sum |h_j| of the exact sum (recursive
    // summation); twice that leaves room for H's own rounding when it was computed.
    double sum = 0, magnitude = 0;
    for (std::size_t j = 0; j < workers; ++j) {
      sum += h[r * workers + j];
      magnitude += std::abs(h[r * workers + j]);
    }
    if (!(std::abs(sum) <= 2 * static_cast<double>(workers) * kUnitRoundoff * magnitude))
      throw Error("GradientCode::cyclic_from_null_space: row " + std::to_string(r) + " of H sums to " +
                  format_number(sum) + ", not 0 (H 1 = 0 puts the all-ones vector in B's row space)");
  }
  GradientCode code(Unfilled{}, workers, stragglers, "cyclic");
  if (!code.fill_cyclic_rows(h))
    throw Error("GradientCode::cyclic_from_null_space: an s x s block of H is singular; B is undefined");
  return code;
}

bool GradientCode::fill_cyclic_rows(std::span<const double> h) {
  const std::size_t n = workers_, s = stragglers_;
  const Eigen::Map<const Matrix> hm(h.data(), static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(n));
  std::vector<double> rows(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t t = 0; t <= s; ++t) support_[i * (s + 1) + t] = (i + t) % n;
    rows[i * n + i] = 1;
    if (s == 0) continue;
    Eigen::MatrixXd block(s, s);
    Eigen::VectorXd rhs(s);
    for (std::size_t t = 0; t < s; ++t) {
      block.col(static_cast<Eigen::Index>(t)) = hm.col(static_cast<Eigen::Index>(support_[i * (s + 1) + t + 1]));
    }
    rhs = -hm.col(static_cast<Eigen::Index>(i));
    const Eigen::FullPivLU<Eigen::MatrixXd> lu(block);
    // Singular to working precision: the pivot ratio below s u means the solve would
    // return noise (FullPivLU's own rank test uses this threshold).
    if (!lu.isInvertible()) return false;
    const Eigen::VectorXd x = lu.solve(rhs);
    if (!x.allFinite()) return false;
    for (std::size_t t = 0; t < s; ++t) rows[i * n + support_[i * (s + 1) + t + 1]] = x(static_cast<Eigen::Index>(t));
  }
  encoding_ = std::move(rows);
  return true;
}

std::string GradientCode::spec() const {
  return code_ + "(workers=" + std::to_string(workers_) + ", stragglers=" + std::to_string(stragglers_) + ")";
}

std::span<const std::size_t> GradientCode::partitions_of(std::size_t worker) const {
  if (worker >= workers_)
    throw MismatchError("GradientCode::partitions_of: worker " + std::to_string(worker) + " of " +
                        std::to_string(workers_));
  return std::span<const std::size_t>(support_).subspan(worker * (stragglers_ + 1), stragglers_ + 1);
}

GradientDecoding GradientCode::decode(std::span<const std::size_t> responders) const {
  const std::size_t n = workers_, s = stragglers_, m = n - s;
  if (responders.size() < m)
    throw MismatchError("GradientCode::decode: " + std::to_string(responders.size()) + " responders, the " + spec() +
                        " code needs at least " + std::to_string(m));
  std::vector<char> seen(n, 0);
  for (std::size_t w : responders) {
    if (w >= n)
      throw MismatchError("GradientCode::decode: responder " + std::to_string(w) + " is not one of the " +
                          std::to_string(n) + " workers");
    if (seen[w]) throw MismatchError("GradientCode::decode: responder " + std::to_string(w) + " appears twice");
    seen[w] = 1;
  }
  GradientDecoding d;
  d.workers.assign(responders.begin(), responders.begin() + static_cast<std::ptrdiff_t>(m));
  d.coefficients.assign(m, 0.0);
  if (code_ == "fractional") {
    // The first responder of each group carries the group's sum; s stragglers leave at least
    // one member of every group of s + 1 among any n - s responders.
    std::vector<char> group_taken(n / (s + 1), 0);
    for (std::size_t r = 0; r < m; ++r) {
      const std::size_t g = d.workers[r] / (s + 1);
      if (!group_taken[g]) {
        group_taken[g] = 1;
        d.coefficients[r] = 1;
      }
    }
  } else {
    // B_F^T a = 1: n equations in n - s unknowns, consistent by construction.
    Eigen::MatrixXd bt(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(m));
    for (std::size_t r = 0; r < m; ++r)
      for (std::size_t j = 0; j < n; ++j)
        bt(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(r)) = coefficient(d.workers[r], j);
    const Eigen::VectorXd a = bt.colPivHouseholderQr().solve(Eigen::VectorXd::Ones(static_cast<Eigen::Index>(n)));
    for (std::size_t r = 0; r < m; ++r) d.coefficients[r] = a(static_cast<Eigen::Index>(r));
  }
  // Residual and amplification, column by column of B_F.
  double norm_b = 0, norm_a = 0;
  for (std::size_t r = 0; r < m; ++r) {
    norm_a += d.coefficients[r] * d.coefficients[r];
    for (std::size_t t = 0; t <= s; ++t) {
      const double b = coefficient(d.workers[r], support_[d.workers[r] * (s + 1) + t]);
      norm_b += b * b;
    }
  }
  std::vector<double> combined(n, 0.0), magnitude(n, 0.0);
  for (std::size_t r = 0; r < m; ++r) {
    for (std::size_t t = 0; t <= s; ++t) {
      const std::size_t j = support_[d.workers[r] * (s + 1) + t];
      const double term = d.coefficients[r] * coefficient(d.workers[r], j);
      combined[j] += term;
      magnitude[j] += std::abs(term);
    }
  }
  for (std::size_t j = 0; j < n; ++j) {
    d.residual = std::max(d.residual, std::abs(combined[j] - 1));
    d.amplification = std::max(d.amplification, magnitude[j]);
  }
  if (!std::isfinite(d.residual)) d.residual = std::numeric_limits<double>::infinity();
  const double gamma = 10 * static_cast<double>(n) * static_cast<double>(m) * kUnitRoundoff;
  d.tolerance =
      gamma * (2 * std::sqrt(norm_b) * std::sqrt(norm_a) + std::sqrt(static_cast<double>(n)) + d.amplification);
  if (!(d.residual <= d.tolerance)) {
    std::string who;
    for (std::size_t r = 0; r < m; ++r) who += (r ? ", " : "") + std::to_string(d.workers[r]);
    throw Error("GradientCode::decode: the " + spec() + " code cannot decode from workers {" + who +
                "}: residual max |a^T B_F - 1| = " + format_number(d.residual) + " exceeds the tolerance " +
                format_number(d.tolerance) + " (B_F is singular or ill-conditioned to working precision)");
  }
  return d;
}

}  // namespace descent
