// Where decentralized SGD beats all-reduce SGD, by a model (issue 14, "Scale, extrapolated").
// No MPI and nothing timed: it evaluates formulas over P = 1, 2, 4, ..., 1024 workers, with the
// library's graphs (ring, torus, exponential), their Metropolis-Hastings gossip matrices and
// spectral_gap for the mixing parameter. docs/distributed.md ("Scale") states the model; in short:
//
// Per step (every worker computes, then communicates; nothing overlaps), a message of m bytes
// costs alpha + m beta (alpha latency, beta = 1 / bandwidth), the model has B = 4 n bytes
// (n float parameters) and a worker's compute per step is c:
//   ring all-reduce          2 (P-1) alpha + 2 (P-1)/P B beta
//   halving-doubling         2 log2(P) alpha + 2 (P-1)/P B beta   (Rabenseifner's reduce-scatter
//                            by recursive halving, then all-gather by recursive doubling)
//   binary tree              2 ceil(log2 P) (alpha + B beta)       (reduce to a root, broadcast)
//   parameter server         2 alpha + 2 P B beta                  (one server's link carries
//                            all P pushes, then all P pulls)
//   D-SGD, one link          deg (alpha + B beta)                  (a node's deg sends share its
//                            one full-duplex link; the receives arrive meanwhile)
//   D-SGD, concurrent links  alpha + B beta                        (one link per neighbour)
//   FedAvg round             H c + 2 alpha + 2 m B beta            (m clients, H local steps; the
//                            server's link carries m downloads and m uploads)
//
// Steps to an accuracy: Koloskova, Loizou, Boreiri, Jaggi & Stich, "A Unified Theory of
// Decentralized SGD with Changing Topology and Local Updates" (ICML 2020), Theorem 2 (smooth
// non-convex, fixed topology: tau = 1), bounds the iterations to reach
// (1/T) sum_t E |grad f(xbar_t)|^2 <= eps by
//   K(p) = [ sigma^2 / (P eps^2) + (zeta + sigma sqrt(p)) / (p eps^(3/2)) + 1 / (p eps) ] L (f(x0) - f*)
// up to a constant, with sigma^2 the gradient noise per worker, zeta^2 the heterogeneity of the
// workers' data and p the mixing parameter, |X W - Xbar|^2 <= (1 - p) |X - Xbar|^2; for a fixed
// symmetric W that is p = 1 - lambda^2 (lambda = max(|lambda_2|, |lambda_n|)). All-reduce SGD is
// D-SGD with exact averaging (W = 1 1^T / P, p = 1), so it gets K(1) from the same formula. The
// model takes the constant as 1 and L (f(x0) - f*) = 1: only ratios K(p) / K(1) are used, and
// they are a model of the bound, not a measurement. Time to accuracy = K x step time.
//
//   descent_distributed_scale_model [--max-workers 1024] [--epsilon 1e-4] [--sigma2 1] [--zeta2 0]
//                                   [--measured FILE.csv]
//
// --measured reads bench/distributed_allreduce_bench's CSV and fits alpha and beta of this
// machine's MPI_Allreduce and of descent's ordered all-reduce (leaves = P) to the ring formula by
// least squares on relative errors (each row's equation divided by its measured time, so that
// microsecond rows count as much as second rows).
//
// The program checks its own formulas where they have closed forms (P = 1 costs nothing, the
// complete graph mixes exactly, K(p) >= K(1), the ring's gap against 2/3 (1 - cos(2 pi / P)))
// and exits 1 when one fails: the smoke test (bench/CMakeLists.txt) relies on it.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "descent/distributed/graph.hpp"
#include "descent/distributed/mixing_matrix.hpp"

namespace {

struct Network {
  std::string name;
  double alpha;      // seconds per message
  double bandwidth;  // bytes per second
};

struct Setting {
  Network network;
  double parameters;  // n (float32: 4 n bytes)
  double compute;     // seconds per step per worker
};

struct Convergence {
  double epsilon = 1e-4, sigma2 = 1, zeta2 = 0;
};

int failures = 0;
void check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "distributed_scale_model: check failed: %s\n", what.c_str());
    ++failures;
  }
}

double ring_all_reduce(double p, double bytes, const Network& net) {
  return 2 * (p - 1) * net.alpha + 2 * (p - 1) / p * bytes / net.bandwidth;
}
double halving_doubling(double p, double bytes, const Network& net) {
  return 2 * std::log2(p) * net.alpha + 2 * (p - 1) / p * bytes / net.bandwidth;
}
double binary_tree(double p, double bytes, const Network& net) {
  return 2 * std::ceil(std::log2(p)) * (net.alpha + bytes / net.bandwidth);
}
double parameter_server(double p, double bytes, const Network& net) {
  return p == 1 ? 0 : 2 * net.alpha + 2 * p * bytes / net.bandwidth;
}
double gossip_one_link(double degree, double bytes, const Network& net) {
  return degree * (net.alpha + bytes / net.bandwidth);
}
double gossip_concurrent(double degree, double bytes, const Network& net) {
  return degree == 0 ? 0 : net.alpha + bytes / net.bandwidth;
}
double fedavg_round(double clients, double local_steps, double bytes, double compute, const Network& net) {
  return local_steps * compute + 2 * net.alpha + 2 * clients * bytes / net.bandwidth;
}

// Koloskova et al. 2020, Theorem 2 with tau = 1, constant 1 and L (f(x0) - f*) = 1.
double iterations(double p_mix, double workers, const Convergence& c) {
  const double sigma = std::sqrt(c.sigma2), zeta = std::sqrt(c.zeta2);
  return c.sigma2 / (workers * c.epsilon * c.epsilon) +
         (zeta + sigma * std::sqrt(p_mix)) / (p_mix * std::pow(c.epsilon, 1.5)) + 1 / (p_mix * c.epsilon);
}

struct Topology {
  std::string name;
  double degree = 0;  // the largest
  double lambda = 0, gap = 1, p_mix = 1;
};

Topology analyse(const descent::Graph& graph, const std::string& name) {
  Topology t{name, static_cast<double>(graph.max_degree())};
  const descent::SpectralGap s = descent::spectral_gap(descent::MixingMatrix::metropolis_hastings(graph));
  t.lambda = s.lambda;
  t.gap = s.gap;
  t.p_mix = 1 - s.lambda * s.lambda;
  return t;
}

std::size_t torus_rows(std::size_t p) {
  std::size_t rows = 1;
  for (std::size_t r = 1; r * r <= p; ++r)
    if (p % r == 0) rows = r;
  return rows;
}

std::string time_text(double seconds) {
  char text[32];
  if (seconds >= 1e4)
    std::snprintf(text, sizeof text, "%.3g s", seconds);
  else if (seconds >= 1)
    std::snprintf(text, sizeof text, "%.2f s", seconds);
  else if (seconds >= 1e-3)
    std::snprintf(text, sizeof text, "%.2f ms", seconds * 1e3);
  else
    std::snprintf(text, sizeof text, "%.1f us", seconds * 1e6);
  return text;
}

std::string number(double value, const char* format = "%.3g") {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

// The graphs at every P, computed once (the dense eigensolver dominates: about a second at 1024).
std::map<std::size_t, std::vector<Topology>> topologies(const std::vector<std::size_t>& sizes) {
  std::map<std::size_t, std::vector<Topology>> out;
  for (const std::size_t p : sizes) {
    const std::size_t rows = torus_rows(p);
    out[p] = {analyse(descent::ring(p), "ring"),
              analyse(descent::torus(rows, p / rows), "torus " + std::to_string(rows) + "x" + std::to_string(p / rows)),
              analyse(descent::exponential(p), "exponential")};
    const Topology complete = analyse(descent::complete(p), "complete");
    check(std::abs(complete.lambda) < 1e-9, "the complete graph mixes exactly at P = " + std::to_string(p));
    if (p >= 3) {
      const double expected = 2.0 / 3.0 * (1 - std::cos(2 * std::numbers::pi / static_cast<double>(p)));
      check(std::abs(out[p][0].gap - expected) < 1e-9, "ring gap at P = " + std::to_string(p));
    }
  }
  return out;
}

void print_topologies(const std::map<std::size_t, std::vector<Topology>>& graphs, const Convergence& c) {
  std::printf("### Graphs: spectral gap, mixing parameter and the bound's iteration factor\n\n");
  std::printf(
      "Metropolis-Hastings weights; p = 1 - lambda^2; factor = K(p) / K(1) at eps = %g, sigma^2 = %g, "
      "zeta^2 = %g.\n\n",
      c.epsilon, c.sigma2, c.zeta2);
  std::printf(
      "| P | ring: deg, 1 - lambda, p, factor | torus: shape, deg, 1 - lambda, p, factor | exponential: deg, "
      "1 - lambda, p, factor |\n|---:|---|---|---|\n");
  for (const auto& [p, list] : graphs) {
    std::printf("| %zu |", p);
    for (const Topology& t : list) {
      const double factor = iterations(t.p_mix, static_cast<double>(p), c) / iterations(1, static_cast<double>(p), c);
      check(factor >= 1 - 1e-12, "K(p) >= K(1) for " + t.name);
      const std::string shape = t.name.rfind("torus", 0) == 0 ? t.name.substr(6) + ", " : "";
      std::printf(" %s%.0f, %s, %s, %s |", shape.c_str(), t.degree, number(t.gap).c_str(), number(t.p_mix).c_str(),
                  number(factor).c_str());
    }
    std::printf("\n");
  }
  std::printf("\n");
}

// One setting's table: per-step times, then time to accuracy relative to ring all-reduce.
void print_setting(const Setting& s, const std::map<std::size_t, std::vector<Topology>>& graphs, const Convergence& c,
                   std::vector<std::string>& crossings) {
  const double bytes = 4 * s.parameters;
  const Network& net = s.network;
  std::printf("### %s (alpha = %s, %s GB/s), n = %s parameters (%s MB), compute %s per step\n\n", net.name.c_str(),
              time_text(net.alpha).c_str(), number(net.bandwidth / 1e9).c_str(), number(s.parameters).c_str(),
              number(bytes / 1e6).c_str(), time_text(s.compute).c_str());
  std::printf("Step time (compute + communication):\n\n");
  std::printf(
      "| P | ring AR | halving-doubling AR | tree | param. server | D-SGD ring | D-SGD torus | D-SGD exp. | "
      "D-SGD exp., concurrent links | FedAvg round / H (m = P, H = 10) |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& [pu, list] : graphs) {
    const double p = static_cast<double>(pu);
    const double ring = s.compute + ring_all_reduce(p, bytes, net);
    if (pu == 1)
      check(ring == s.compute && parameter_server(p, bytes, net) == 0 && gossip_one_link(0, bytes, net) == 0,
            "one worker communicates nothing");
    std::printf("| %zu | %s | %s | %s | %s |", pu, time_text(ring).c_str(),
                time_text(s.compute + halving_doubling(p, bytes, net)).c_str(),
                time_text(s.compute + binary_tree(p, bytes, net)).c_str(),
                time_text(s.compute + parameter_server(p, bytes, net)).c_str());
    for (const Topology& t : list)
      std::printf(" %s |", time_text(s.compute + gossip_one_link(t.degree, bytes, net)).c_str());
    std::printf(" %s |", time_text(s.compute + gossip_concurrent(list[2].degree, bytes, net)).c_str());
    std::printf(" %s |\n", time_text(pu == 1 ? s.compute : fedavg_round(p, 10, bytes, s.compute, net) / 10).c_str());
  }
  std::printf(
      "\nTime to accuracy, D-SGD over ring all-reduce (below 1: D-SGD is faster; in parentheses: over "
      "halving-doubling all-reduce):\n\n");
  std::printf("| P | ring AR: K x step | D-SGD ring | D-SGD torus | D-SGD exp. | D-SGD exp., concurrent links |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|\n");
  // The smallest P from which each D-SGD variant stays faster than ring all-reduce up to the largest P.
  std::vector<std::size_t> from(4, 0), from_best(4, 0);
  for (const auto& [pu, list] : graphs) {
    const double p = static_cast<double>(pu);
    const double k_all_reduce = iterations(1, p, c);
    const double ring_tta = k_all_reduce * (s.compute + ring_all_reduce(p, bytes, net));
    const double best_tta =
        k_all_reduce * (s.compute + std::min(ring_all_reduce(p, bytes, net), halving_doubling(p, bytes, net)));
    std::printf("| %zu | %s |", pu, time_text(ring_tta).c_str());
    for (std::size_t g = 0; g < 4; ++g) {
      const Topology& t = list[std::min<std::size_t>(g, 2)];
      const double comm = g < 3 ? gossip_one_link(t.degree, bytes, net) : gossip_concurrent(t.degree, bytes, net);
      const double tta = iterations(t.p_mix, p, c) * (s.compute + comm);
      const double ratio = tta / ring_tta, ratio_best = tta / best_tta;
      if (ratio < 1) {
        if (from[g] == 0) from[g] = pu;
      } else {
        from[g] = 0;
      }
      if (ratio_best < 1) {
        if (from_best[g] == 0) from_best[g] = pu;
      } else {
        from_best[g] = 0;
      }
      std::printf(" %s (%s) |", number(ratio).c_str(), number(ratio_best).c_str());
    }
    std::printf("\n");
  }
  std::printf("\n");
  const char* names[] = {"D-SGD ring", "D-SGD torus", "D-SGD exponential", "D-SGD exponential, concurrent links"};
  std::string line = net.name + ", n = " + number(s.parameters) + ", compute " + time_text(s.compute) + ":";
  for (std::size_t g = 0; g < 4; ++g) {
    line += std::string(" ") + names[g] + " ";
    line += from[g] == 0 ? "never" : "from P = " + std::to_string(from[g]);
    line += from_best[g] == 0 ? " (vs halving-doubling: never)"
                              : " (vs halving-doubling: from P = " + std::to_string(from_best[g]) + ")";
    line += g < 3 ? ";" : ".";
  }
  crossings.push_back(line);
}

// Fits t = 2 (P-1) alpha + 2 (P-1)/P bytes beta to the CSV rows of one method, P >= 2, by least
// squares on relative errors; prints the fit and measured against fitted times.
void fit_measured(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "distributed_scale_model: cannot read %s\n", path.c_str());
    std::exit(1);
  }
  struct Point {
    double ranks, bytes, seconds;
  };
  std::map<std::string, std::vector<Point>> points;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    if (cells.size() < 6 || cells[0] != "allreduce") continue;
    const double ranks = std::stod(cells[2]), floats = std::stod(cells[3]), seconds = std::stod(cells[5]);
    if (ranks >= 2) points[cells[1]].push_back({ranks, 4 * floats, seconds});
  }
  std::printf("### This machine's MPI, fitted\n\n");
  std::printf(
      "Least squares of t = 2 (P-1) alpha + 2 (P-1)/P B beta on the measured medians (P = 2..4, relative "
      "errors) from `%s`:\n\n",
      path.c_str());
  std::printf("| method | alpha | bandwidth 1/beta | rows | largest misfit |\n|---|---:|---:|---:|---:|\n");
  for (const auto& [method, list] : points) {
    if (method == "ordered_leaves_8" || list.size() < 2) continue;  // leaves = 8 adds local sums: another formula
    Eigen::MatrixXd a(static_cast<Eigen::Index>(list.size()), 2);
    Eigen::VectorXd b(static_cast<Eigen::Index>(list.size()));
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Point& q = list[i];
      const auto row = static_cast<Eigen::Index>(i);
      a(row, 0) = 2 * (q.ranks - 1) / q.seconds;
      a(row, 1) = 2 * (q.ranks - 1) / q.ranks * q.bytes / q.seconds;
      b(row) = 1;
    }
    Eigen::Vector2d x = a.colPivHouseholderQr().solve(b);
    // A latency below 0 has no meaning: then the best fit with alpha = 0 (bandwidth alone).
    const bool clamped = x(0) < 0;
    if (clamped) x = {0, a.col(1).dot(b) / a.col(1).squaredNorm()};
    double worst = 0;
    for (const Point& q : list) {
      const double fitted = 2 * (q.ranks - 1) * x(0) + 2 * (q.ranks - 1) / q.ranks * q.bytes * x(1);
      worst = std::max(worst, std::abs(fitted / q.seconds - 1));
    }
    std::printf("| %s | %s%s | %s GB/s | %zu | %.0f %% |\n", method.c_str(), time_text(x(0)).c_str(),
                clamped ? " (fit < 0, set to 0)" : "", number(1 / x(1) / 1e9).c_str(), list.size(), 100 * worst);
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t max_workers = 1024;
  Convergence convergence;
  std::string measured;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "distributed_scale_model: %s wants a value\n", arg.c_str());
      return 1;
    }
    const char* value = argv[++i];
    if (arg == "--max-workers")
      max_workers = static_cast<std::size_t>(std::max(1L, std::strtol(value, nullptr, 10)));
    else if (arg == "--epsilon")
      convergence.epsilon = std::strtod(value, nullptr);
    else if (arg == "--sigma2")
      convergence.sigma2 = std::strtod(value, nullptr);
    else if (arg == "--zeta2")
      convergence.zeta2 = std::strtod(value, nullptr);
    else if (arg == "--measured")
      measured = value;
    else {
      std::fprintf(stderr,
                   "distributed_scale_model: unknown argument %s (--max-workers N --epsilon E --sigma2 S --zeta2 Z "
                   "--measured CSV)\n",
                   arg.c_str());
      return 1;
    }
  }
  if (!(convergence.epsilon > 0) || !(convergence.sigma2 >= 0) || !(convergence.zeta2 >= 0)) {
    std::fprintf(stderr, "distributed_scale_model: wants epsilon > 0, sigma2 >= 0, zeta2 >= 0\n");
    return 1;
  }
  std::vector<std::size_t> sizes;
  for (std::size_t p = 1; p <= max_workers; p *= 2) sizes.push_back(p);
  const auto graphs = topologies(sizes);
  print_topologies(graphs, convergence);

  // Stated inputs, not measurements: a 10 Gb Ethernet cluster, a 100 Gb/s datacenter fabric and a
  // wide-area link between sites; model sizes 1e4 (a linear model), 1e6 and 1e8 parameters.
  const Network ethernet{"10 GbE", 5e-6, 1.25e9}, datacenter{"100 Gb/s", 2e-6, 12.5e9},
      wide_area{"wide area", 10e-3, 0.125e9};
  const std::vector<Setting> settings = {{ethernet, 1e4, 1e-3},    {ethernet, 1e6, 10e-3},    {ethernet, 1e8, 100e-3},
                                         {datacenter, 1e6, 10e-3}, {datacenter, 1e8, 100e-3}, {wide_area, 1e6, 10e-3}};
  std::vector<std::string> crossings;
  for (const Setting& s : settings) print_setting(s, graphs, convergence, crossings);
  std::printf(
      "### Crossing points (D-SGD's time to accuracy below ring all-reduce's for every P from there to %zu)\n\n",
      max_workers);
  for (const std::string& line : crossings) std::printf("- %s\n", line.c_str());
  std::printf("\n");
  if (!measured.empty()) fit_measured(measured);
  return failures == 0 ? 0 : 1;
}
