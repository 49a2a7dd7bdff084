#include "privacy.hpp"

#include <cstdint>
#include <string>

#include "descent/privacy/calibration.hpp"
#include "descent/privacy/make_accountant.hpp"

namespace py = pybind11;

namespace descent::python {
namespace {

double privacy_epsilon(double sigma, double q, std::int64_t steps, double delta, const std::string& accountant) {
  py::gil_scoped_release release;
  PrivacyAccountantPtr a = make_accountant(accountant);
  a->compose({sigma, q, steps});
  return a->epsilon(delta);
}

double noise_multiplier(double epsilon, double delta, double q, std::int64_t steps, const std::string& accountant) {
  NoiseCalibration c;
  c.target_epsilon = epsilon;
  c.delta = delta;
  c.sampling_rate = q;
  c.steps = steps;
  py::gil_scoped_release release;
  return noise_multiplier_for_epsilon(c, accountant).noise_multiplier;
}

}  // namespace

void bind_privacy(py::module_& m) {
  m.def("privacy_epsilon", &privacy_epsilon, py::arg("sigma"), py::arg("q"), py::arg("steps"), py::arg("delta"),
        py::arg("accountant") = "rdp",
        "The epsilon that `steps` runs of the Poisson-subsampled Gaussian mechanism (noise multiplier\n"
        "sigma, sampling rate q: DP-SGD's noisy steps) spend at delta, for add/remove neighbors.\n"
        "accountant: 'rdp' (Renyi DP with dp_accounting's default orders; an upper bound).\n"
        "Raises ConfigError naming the argument for sigma <= 0, q outside (0, 1], steps < 0, delta\n"
        "outside (0, 1), or when no finite epsilon is certified.");
  m.def("noise_multiplier", &noise_multiplier, py::arg("epsilon"), py::arg("delta"), py::arg("q"), py::arg("steps"),
        py::arg("accountant") = "rdp",
        "The smallest noise multiplier sigma in [1e-3, 1e4] with which `steps` runs of the\n"
        "Poisson-subsampled Gaussian mechanism at sampling rate q spend at most `epsilon` at delta\n"
        "(bisection; at most 1e-6 above the exact answer, relatively). Raises ConfigError when the\n"
        "target cannot be met inside that range.");
}

}  // namespace descent::python
