// dpcast: predict the step time of data-parallel training, compare predictions with
// measurements, calibrate, list the model zoo and the hardware catalogue, and break down
// memory. Bad input: one line on stderr, exit 2.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "dpcast/models/atomic_file.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/models/yaml_reader.hpp"
#include "mpi_sweep.hpp"

using namespace dpcast;

namespace {

// An unknown command gets a did-you-mean rather than CLI11's "a subcommand is required".
// Returns whether argv names a command (or starts with an option).
bool known_command(const std::vector<cli::Command>& commands, int argc, char** argv) {
  if (argc <= 1 || argv[1][0] == '-') return true;
  std::vector<std::string> names;
  for (const auto& command : commands) names.push_back(command.sub->get_name());
  if (std::find(names.begin(), names.end(), argv[1]) != names.end()) return true;
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  std::cerr << "dpcast: unknown command '" << argv[1] << "'" << models::suggestion(argv[1], names)
            << "; commands: " << list << "\n";
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dpcast: how long will one data-parallel training step take on this cluster, and why?"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show every command's options");
  // In the order --help lists them (a braced list is evaluated left to right).
  const std::vector<cli::Command> commands{cli::add_predict(app),   cli::add_compare(app),  cli::add_record(app),
                                           cli::add_calibrate(app), cli::add_plan(app),     cli::add_validate(app),
                                           cli::add_models(app),    cli::add_hardware(app), cli::add_memory(app),
                                           cli::add_collective(app)};

  if (!known_command(commands, argc, argv)) return 2;
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "dpcast: " << e.what() << " (see dpcast --help)\n";  // one line, exit 2
    return 2;
  }

  try {
    cli::MpiSweep world;  // under mpirun: predict splits its sweep, other commands run on rank 0
    for (const cli::Command& command : commands)
      if (*command.sub) {
        const int status = command.every_rank || world.writes() ? command.run(world) : 0;
        models::write_stdout("");  // what is still buffered: a full disk or a closed pipe is an error
        return status;
      }
  } catch (const Error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const cli::FailedOnAnotherRank&) {
    return 2;  // rank 0 reports it
  } catch (const std::exception& e) {
    // InternalError (a failed fork, a broken invariant) and anything unforeseen: not the input.
    std::cerr << "dpcast: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
