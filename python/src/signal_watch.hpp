// Ctrl-C while C++ runs with the GIL released. Python's own SIGINT handler only marks the
// signal; the KeyboardInterrupt is raised when the interpreter next runs Python code, which a
// long train() would not do until it ends. This callback re-takes the GIL every kPeriod of
// wall time (not every step: steps can take microseconds) and asks Python to run its pending
// signal handlers; if one raised, the loop stops cleanly (user_stop, parameters consistent)
// and the caller re-raises the stored exception once the loop has returned.
#pragma once

#include <pybind11/pybind11.h>

#include <chrono>
#include <memory>
#include <optional>

#include "descent/loop/callback.hpp"

namespace descent::python {

template <class T>
class SignalWatch final : public Callback<T> {
 public:
  static constexpr std::chrono::milliseconds kPeriod{20};

  std::optional<Stop> after_update(const StepReport<T>&, const LoopView<T>&) override {
    if (!interrupted()) return std::nullopt;
    return Stop{Termination::user_stop, "interrupted"};
  }

  // The same check for loops that are not minimize() (solvers' on_step): true once a
  // signal handler raised; call with the GIL released.
  bool interrupted() {
    if (error_) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_check_ < kPeriod) return false;
    last_check_ = now;
    pybind11::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() == 0) return false;
    error_ = std::make_unique<pybind11::error_already_set>();  // takes the pending exception
    return true;
  }

  // Call with the GIL held, after the loop: re-raises what a signal handler raised.
  void rethrow_if_interrupted() {
    if (!error_) return;
    auto error = std::move(error_);
    error->restore();
    throw pybind11::error_already_set();
  }

 private:
  std::chrono::steady_clock::time_point last_check_ = std::chrono::steady_clock::now();
  std::unique_ptr<pybind11::error_already_set> error_;
};

}  // namespace descent::python
