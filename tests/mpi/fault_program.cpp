// A data-parallel training run under mpirun in which one rank fails on purpose, for the
// fault tests (launch_test.cpp):
//   descent_mpi_fault_program MODE RANK STEP TIMEOUT CHECKPOINT
// MODE none: every rank trains to the end; hang: rank RANK stops answering at step STEP
// (sleeps for an hour); die: rank RANK kills itself (SIGKILL) at step STEP. Rank 0 writes
// CHECKPOINT after every epoch. A rank whose round times out (TIMEOUT seconds) aborts
// every rank through the communicator, as the CLI does. MODE resume: continue from
// CHECKPOINT to the end (exit 0 only if the checkpoint loads).
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "descent/distributed/data_parallel.hpp"
#include "descent/distributed/mpi_communicator.hpp"
#include "descent/loop/train.hpp"
#include "descent/model/logistic_regression.hpp"
#include "descent/transform/sgd.hpp"
#include "support/logistic_data.hpp"

namespace {

using namespace descent;

class Fault final : public Callback<double> {
 public:
  Fault(std::string mode, bool here, std::int64_t step) : mode_(std::move(mode)), here_(here), step_(step) {}
  std::optional<Stop> before_update(const StepReport<double>& report, const LoopView<double>&) override {
    if (!here_ || report.step != step_) return std::nullopt;
    if (mode_ == "hang") std::this_thread::sleep_for(std::chrono::hours(1));
    if (mode_ == "die") std::raise(SIGKILL);
    return std::nullopt;
  }

 private:
  std::string mode_;
  bool here_;
  std::int64_t step_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s none|hang|die|resume RANK STEP TIMEOUT CHECKPOINT\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const int fault_rank = std::atoi(argv[2]);
  const std::int64_t fault_step = std::atoll(argv[3]);
  const double timeout = std::atof(argv[4]);
  const std::string checkpoint = argv[5];
  const CommunicatorPtr world = mpi_world();
  world->set_timeout_seconds(timeout);
  try {
    static const Dataset<double> data = testing::logistic_data(400, 8, 4.0, 21);
    LogisticRegression<double> model(data, {.l2 = 1e-3});
    Parameters<double> x(model.layout());
    TrainOptions<double> o;
    o.epochs = 3;  // 8 steps an epoch
    o.batch_size = 50;
    o.estimator =
        std::make_shared<DataParallel<double>>(DataParallelOptions{.batch_size = 50, .shards = 8, .seed = 9}, world);
    o.quiet = true;
    o.progress = false;
    if (mode == "resume")
      o.resume_from = checkpoint;
    else if (world->rank() == 0)
      o.checkpoint = checkpoint;
    o.callbacks.push_back(std::make_shared<Fault>(mode, world->rank() == fault_rank, fault_step));
    train<double>(model, x, *sgd({.lr = constant(0.5)}), o);
  } catch (const std::exception& e) {
    world->abort(e.what(), 3);
  }
  return 0;
}
