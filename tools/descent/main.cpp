// descent: the command-line program. Parses the command line with CLI11, dispatches
// to a subcommand and turns every failure into one clear message and an exit status.
#include <iostream>
#include <new>

#include <CLI/CLI.hpp>

#include "compare_command.hpp"
#include "descent/core/error.hpp"
#include "evaluate_command.hpp"
#include "exit_codes.hpp"
#include "interrupt.hpp"
#include "list_command.hpp"
#include "minimize_command.hpp"
#include "option_error.hpp"
#include "predict_command.hpp"
#include "privacy_command.hpp"
#include "refine_schedule_command.hpp"
#include "train_command.hpp"
#include "wait_policy.hpp"

int main(int argc, char** argv) {
  using namespace descent::cli;
  use_passive_wait_policy_by_default(argv);
  CLI::App app{"descent: gradient-based optimization from the command line", "descent"};
  app.require_subcommand(1, 1);
  ListArgs list_args;
  CLI::App* list = add_list_command(app, list_args);
  MinimizeArgs minimize_args;
  CLI::App* minimize = add_minimize_command(app, minimize_args);
  TrainArgs train_args;
  CLI::App* train = add_train_command(app, train_args);
  CompareArgs compare_args;
  CLI::App* compare = add_compare_command(app, compare_args);
  PredictArgs predict_args;
  CLI::App* predict = add_predict_command(app, predict_args);
  EvaluateArgs evaluate_args;
  CLI::App* evaluate = add_evaluate_command(app, evaluate_args);
  PrivacyArgs privacy_args;
  CLI::App* privacy = add_privacy_command(app, privacy_args);
  RefineScheduleArgs refine_args;
  CLI::App* refine = add_refine_schedule_command(app, refine_args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with status 0; everything else is usage.
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  const std::string name = "descent " + app.get_subcommands().front()->get_name();
  try {
    if (list->parsed()) {
      print_list(list_args, std::cout);
      return kExitOk;
    }
    if (predict->parsed()) return run_predict(predict_args);
    if (evaluate->parsed()) return run_evaluate(evaluate_args);
    if (privacy->parsed()) return run_privacy(privacy_args);
    if (refine->parsed()) return run_refine_schedule(refine_args);
    const std::atomic<bool>& interrupted = install_interrupt_handler();
    if (train->parsed()) return run_train(train_args, interrupted);
    if (compare->parsed()) return run_compare(compare_args, interrupted);
    return run_minimize(*minimize, minimize_args, interrupted);
  } catch (const OptionError& e) {
    std::cerr << name << ": " << e.what() << '\n';
    return kExitUsage;
  } catch (const descent::Error& e) {
    std::cerr << name << ": " << e.what() << '\n';
    return kExitUsage;
  } catch (const std::bad_alloc&) {
    std::cerr << name << ": out of memory (are --dim or --samples too large?)\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << name << ": internal error: " << e.what() << '\n';
    return kExitInternal;
  }
}
