#include "descent/solver/compact_bfgs.hpp"

#include <Eigen/Dense>
#include <string>

#include "descent/core/error.hpp"

namespace descent {

namespace {

using Matrix = Eigen::Map<Eigen::MatrixXd>;
using ConstMatrix = Eigen::Map<const Eigen::MatrixXd>;
using ConstVector = Eigen::Map<const Eigen::VectorXd>;

}  // namespace

CompactBfgs::CompactBfgs(std::size_t dimension, std::size_t memory) : n_(dimension), m_(memory) {
  if (memory == 0) throw ConfigError("CompactBfgs: memory = 0 violates memory >= 1");
  S_.resize(n_ * m_);
  Y_.resize(n_ * m_);
}

void CompactBfgs::clear() {
  count_ = 0;
  order_.clear();
  SS_.clear();
  SY_.clear();
  M_.clear();
  theta_ = 1;
}

void CompactBfgs::push(std::span<const double> s, std::span<const double> y) {
  if (s.size() != n_ || y.size() != n_)
    throw MismatchError("CompactBfgs::push: s has " + std::to_string(s.size()) + " and y " + std::to_string(y.size()) +
                        " elements, expected " + std::to_string(n_));
  const auto n = static_cast<Eigen::Index>(n_);
  const ConstVector sv(s.data(), n), yv(y.data(), n);
  const double sy = sv.dot(yv);
  if (!(sy > 0)) throw ConfigError("CompactBfgs::push: s.y = " + format_number(sy) + " violates s.y > 0");
  // The column that receives the pair: a free one, or the oldest pair's, which then leaves.
  const std::size_t old_count = count_;
  std::size_t column;
  if (count_ < m_) {
    column = count_++;
    order_.push_back(column);
  } else {
    column = order_.front();
    order_.erase(order_.begin());
    order_.push_back(column);
  }
  std::copy(s.begin(), s.end(), S_.begin() + static_cast<std::ptrdiff_t>(column * n_));
  std::copy(y.begin(), y.end(), Y_.begin() + static_cast<std::ptrdiff_t>(column * n_));
  const auto k = static_cast<Eigen::Index>(count_);
  // S^T S and S^T Y in logical order: the pairs that stay are the bottom-right block of the
  // old matrices (all of them when none left); then the new pair's row and column.
  Eigen::MatrixXd SS(k, k), SY(k, k);
  const Eigen::Index kept = k - 1, old = static_cast<Eigen::Index>(old_count);
  if (kept > 0) {
    SS.topLeftCorner(kept, kept) = ConstMatrix(SS_.data(), old, old).bottomRightCorner(kept, kept);
    SY.topLeftCorner(kept, kept) = ConstMatrix(SY_.data(), old, old).bottomRightCorner(kept, kept);
  }
  for (Eigen::Index j = 0; j < k; ++j) {
    const ConstVector sj(s_column(static_cast<std::size_t>(j)), n), yj(y_column(static_cast<std::size_t>(j)), n);
    SS(k - 1, j) = SS(j, k - 1) = sv.dot(sj);
    SY(k - 1, j) = sv.dot(yj);  // s_new . y_j
    SY(j, k - 1) = sj.dot(yv);  // s_j . y_new
  }
  SS_.assign(SS.data(), SS.data() + k * k);
  SY_.assign(SY.data(), SY.data() + k * k);
  theta_ = yv.squaredNorm() / sy;
  form_middle();
}

void CompactBfgs::form_middle() {
  const auto k = static_cast<Eigen::Index>(count_);
  const ConstMatrix SS(SS_.data(), k, k), SY(SY_.data(), k, k);
  const Eigen::VectorXd D = SY.diagonal();
  const Eigen::MatrixXd L = SY.triangularView<Eigen::StrictlyLower>();
  const Eigen::MatrixXd LDinv = L * D.cwiseInverse().asDiagonal();  // L D^-1
  const Eigen::MatrixXd schur = theta_ * SS + LDinv * L.transpose();
  const Eigen::LLT<Eigen::MatrixXd> cholesky(schur);
  const Eigen::MatrixXd M22 = cholesky.solve(Eigen::MatrixXd::Identity(k, k));
  const Eigen::MatrixXd M21 = M22 * LDinv;
  M_.assign(static_cast<std::size_t>(4 * k * k), 0.0);
  Matrix M(M_.data(), 2 * k, 2 * k);
  M.topLeftCorner(k, k) = -Eigen::MatrixXd(D.cwiseInverse().asDiagonal()) + LDinv.transpose() * M21;
  M.bottomLeftCorner(k, k) = M21;
  M.topRightCorner(k, k) = M21.transpose();
  M.bottomRightCorner(k, k) = M22;
}

std::vector<double> CompactBfgs::transpose_times(std::span<const double> v) const {
  const auto n = static_cast<Eigen::Index>(n_);
  const ConstVector vv(v.data(), n);
  std::vector<double> out(2 * count_);
  for (std::size_t j = 0; j < count_; ++j) {
    out[j] = ConstVector(y_column(j), n).dot(vv);
    out[count_ + j] = theta_ * ConstVector(s_column(j), n).dot(vv);
  }
  return out;
}

void CompactBfgs::row(std::size_t i, std::vector<double>& out) const {
  out.resize(2 * count_);
  for (std::size_t j = 0; j < count_; ++j) {
    out[j] = y_column(j)[i];
    out[count_ + j] = theta_ * s_column(j)[i];
  }
}

std::vector<double> CompactBfgs::times(std::span<const double> v) const {
  const auto k2 = static_cast<Eigen::Index>(2 * count_);
  const std::vector<double> wtv = transpose_times(v);
  const Eigen::VectorXd coefficients = ConstMatrix(M_.data(), k2, k2) * ConstVector(wtv.data(), k2);
  std::vector<double> out(n_);
  for (std::size_t i = 0; i < n_; ++i) {
    double wmw = 0;
    for (std::size_t j = 0; j < count_; ++j)
      wmw += y_column(j)[i] * coefficients(static_cast<Eigen::Index>(j)) +
             theta_ * s_column(j)[i] * coefficients(static_cast<Eigen::Index>(count_ + j));
    out[i] = theta_ * v[i] - wmw;
  }
  return out;
}

}  // namespace descent
