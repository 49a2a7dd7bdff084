// Dot products and axpys over one dense row, vectorized, with every sum in an order fixed by
// the row's length alone.
//
// Why not Eigen's `row.dot(w)`: on a Map of unknown alignment Eigen's reduction first peels
// scalar iterations up to an aligned address, so which products share a vector lane, and
// hence the rounding, depends on where the row starts in memory. A dataset row's address
// depends on its index (d values per row, not a multiple of the vector width in general), so
// a row read in place and the same row in a gathered copy could give different bits. Here
// vectors are loaded from the row's first element on, unaligned, into four accumulators of
// P lanes each (P values per vector register), so the lane that element j is added into is
// a function of j and d; the last d mod P elements are added in order after the lanes are
// combined. The result depends on the values and d only.
//
// Eigen's packet primitives (ploadu, pmadd, predux) are used rather than intrinsics so that
// the same code compiles to AVX2 + FMA in Release builds (x86-64-v3), to SSE2 in Debug
// builds, and to scalars where Eigen vectorizes nothing. pmadd rounds once where the
// hardware has FMA, twice otherwise; either way the same build gives the same bits.
#pragma once

#include <Eigen/Core>
#include <cstddef>

namespace descent::detail {

template <class T>
using RowPacket = typename Eigen::internal::packet_traits<T>::type;
template <class T>
inline constexpr std::size_t kRowPacketSize = Eigen::internal::unpacket_traits<RowPacket<T>>::size;

// sum_j a[j] w[j] over n values.
template <class T>
T dense_dot(const T* a, const T* w, std::size_t n) {
  using Eigen::internal::padd;
  using Eigen::internal::ploadu;
  using Eigen::internal::pmadd;
  using Packet = RowPacket<T>;
  constexpr std::size_t P = kRowPacketSize<T>;
  Packet s0 = Eigen::internal::pset1<Packet>(T(0)), s1 = s0, s2 = s0, s3 = s0;
  std::size_t j = 0;
  // Four independent accumulators: one FMA chain would wait its latency on every vector.
  for (; j + 4 * P <= n; j += 4 * P) {
    s0 = pmadd(ploadu<Packet>(a + j), ploadu<Packet>(w + j), s0);
    s1 = pmadd(ploadu<Packet>(a + j + P), ploadu<Packet>(w + j + P), s1);
    s2 = pmadd(ploadu<Packet>(a + j + 2 * P), ploadu<Packet>(w + j + 2 * P), s2);
    s3 = pmadd(ploadu<Packet>(a + j + 3 * P), ploadu<Packet>(w + j + 3 * P), s3);
  }
  for (; j + P <= n; j += P) s0 = pmadd(ploadu<Packet>(a + j), ploadu<Packet>(w + j), s0);
  T sum = Eigen::internal::predux(padd(padd(s0, s1), padd(s2, s3)));
  for (; j < n; ++j) sum += a[j] * w[j];
  return sum;
}

// y[j] += alpha a[j] over n values.
template <class T>
void dense_axpy(T alpha, const T* a, T* y, std::size_t n) {
  using Eigen::internal::ploadu;
  using Eigen::internal::pmadd;
  using Eigen::internal::pstoreu;
  using Packet = RowPacket<T>;
  constexpr std::size_t P = kRowPacketSize<T>;
  const Packet scale = Eigen::internal::pset1<Packet>(alpha);
  std::size_t j = 0;
  for (; j + 2 * P <= n; j += 2 * P) {
    pstoreu(y + j, pmadd(scale, ploadu<Packet>(a + j), ploadu<Packet>(y + j)));
    pstoreu(y + j + P, pmadd(scale, ploadu<Packet>(a + j + P), ploadu<Packet>(y + j + P)));
  }
  for (; j + P <= n; j += P) pstoreu(y + j, pmadd(scale, ploadu<Packet>(a + j), ploadu<Packet>(y + j)));
  for (; j < n; ++j) y[j] += alpha * a[j];
}

// y[j] += (alpha a[j]) a[j] over n values (a Hessian's diagonal: alpha times the squared row).
template <class T>
void dense_squared_axpy(T alpha, const T* a, T* y, std::size_t n) {
  using Eigen::internal::ploadu;
  using Eigen::internal::pmadd;
  using Eigen::internal::pmul;
  using Eigen::internal::pstoreu;
  using Packet = RowPacket<T>;
  constexpr std::size_t P = kRowPacketSize<T>;
  const Packet scale = Eigen::internal::pset1<Packet>(alpha);
  std::size_t j = 0;
  for (; j + P <= n; j += P) {
    const Packet v = ploadu<Packet>(a + j);
    pstoreu(y + j, pmadd(pmul(scale, v), v, ploadu<Packet>(y + j)));
  }
  for (; j < n; ++j) y[j] += (alpha * a[j]) * a[j];
}

// y += alpha a as dense_axpy does, and, in the same loop, dot1 = dense_dot(b, w1) and (when
// w2 is not null) dot2 = dense_dot(b, w2), with dense_dot's lanes and order: the same bits as
// the three calls. Why one loop: a pass over rows does row i's axpy (in L1) and then row i+1's
// dot products (from memory); a row's axpy is more instructions than the out-of-order window
// holds, so done apart, it leaves the memory idle while it runs. Done with the next row's
// loads, it overlaps them (measured on the 2-core development machine, one thread, logistic
// regression on 60000 x 784 doubles: the Hessian operator's apply rose from about 90 % to
// 97 % of a plain read of the features, the gradient from 85 % to 88 %; a software prefetch
// of the next row instead changed nothing).
template <class T>
void dense_axpy_and_dots(T alpha, const T* a, T* y, const T* b, const T* w1, const T* w2, std::size_t n, T* dot1,
                         T* dot2) {
  using Eigen::internal::padd;
  using Eigen::internal::ploadu;
  using Eigen::internal::pmadd;
  using Eigen::internal::pstoreu;
  using Packet = RowPacket<T>;
  constexpr std::size_t P = kRowPacketSize<T>;
  const Packet scale = Eigen::internal::pset1<Packet>(alpha);
  const Packet zero = Eigen::internal::pset1<Packet>(T(0));
  Packet s0 = zero, s1 = zero, s2 = zero, s3 = zero, t0 = zero, t1 = zero, t2 = zero, t3 = zero;
  const bool two = w2 != nullptr;
  std::size_t j = 0;
  for (; j + 4 * P <= n; j += 4 * P) {
    const Packet b0 = ploadu<Packet>(b + j), b1 = ploadu<Packet>(b + j + P), b2 = ploadu<Packet>(b + j + 2 * P),
                 b3 = ploadu<Packet>(b + j + 3 * P);
    s0 = pmadd(b0, ploadu<Packet>(w1 + j), s0);
    s1 = pmadd(b1, ploadu<Packet>(w1 + j + P), s1);
    s2 = pmadd(b2, ploadu<Packet>(w1 + j + 2 * P), s2);
    s3 = pmadd(b3, ploadu<Packet>(w1 + j + 3 * P), s3);
    if (two) {
      t0 = pmadd(b0, ploadu<Packet>(w2 + j), t0);
      t1 = pmadd(b1, ploadu<Packet>(w2 + j + P), t1);
      t2 = pmadd(b2, ploadu<Packet>(w2 + j + 2 * P), t2);
      t3 = pmadd(b3, ploadu<Packet>(w2 + j + 3 * P), t3);
    }
    for (std::size_t u = 0; u < 4 * P; u += P)
      pstoreu(y + j + u, pmadd(scale, ploadu<Packet>(a + j + u), ploadu<Packet>(y + j + u)));
  }
  for (; j + P <= n; j += P) {
    const Packet bj = ploadu<Packet>(b + j);
    s0 = pmadd(bj, ploadu<Packet>(w1 + j), s0);
    if (two) t0 = pmadd(bj, ploadu<Packet>(w2 + j), t0);
    pstoreu(y + j, pmadd(scale, ploadu<Packet>(a + j), ploadu<Packet>(y + j)));
  }
  T sum1 = Eigen::internal::predux(padd(padd(s0, s1), padd(s2, s3)));
  T sum2 = Eigen::internal::predux(padd(padd(t0, t1), padd(t2, t3)));
  for (; j < n; ++j) {
    sum1 += b[j] * w1[j];
    if (two) sum2 += b[j] * w2[j];
    y[j] += alpha * a[j];
  }
  *dot1 = sum1;
  if (two) *dot2 = sum2;
}

}  // namespace descent::detail
