// dpcast validate: the validation corpus (scenarios/validation/) predicted from the catalogue
// defaults, against the published figures; --check holds each data set to its bound.
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "dpcast/models/atomic_file.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/sim/validation.hpp"
#include "dpcast/sim/validation_report.hpp"
#include "progress.hpp"

namespace dpcast::cli {

int cmd_validate(const ValidateArgs& a) {
  const std::string dir = a.corpus.empty() ? models::default_validation_dir() : a.corpus;
  const std::string bounds_file = models::bounds_file(dir, a.engine);
  if (a.engine != "analytical" && a.engine != "des")
    throw Error("--engine: unknown engine '" + a.engine + "' (engines: des, analytical)");
#ifndef DPCAST_HAVE_DES
  if (a.engine == "des") throw Error("--engine: 'des' is not available in this build (needs SimGrid)");
#endif
  if (a.write_bounds && !a.data_sets.empty())
    throw Error("dpcast validate --write-bounds: bounds are written for the whole corpus; name no data set");
  const bool have_bounds = std::filesystem::is_regular_file(bounds_file);
  if (a.check && !have_bounds)
    throw Error(SourceLocation{bounds_file, 0, 0}, "",
                "no bounds to check against (dpcast validate --write-bounds writes them)");
  const models::Bounds bounds = have_bounds ? models::load_bounds(bounds_file) : models::Bounds{};
  const auto corpus = models::load_corpus(dir, a.data_sets);

  sim::ValidationOptions options;
  options.engine = a.engine == "des" ? sim::Engine::Des : sim::Engine::Analytical;
  Progress progress(20);
  const auto v =
      sim::validate(corpus, options, [&](std::size_t done, std::size_t total) { progress.tick(done, total); });
  progress.finish();

  models::Bounds held = bounds;  // what the output shows and --check holds the corpus to
  if (a.write_bounds) {
    held = sim::updated_bounds(v, bounds);
    models::write_file_atomically(bounds_file, models::bounds_yaml(held));
    std::cerr << "dpcast validate: wrote " << bounds_file << "\n";
  }
  const models::Bounds* shown = have_bounds || a.write_bounds ? &held : nullptr;
  emit(a.json  ? sim::validation_json(v, shown)
       : a.csv ? sim::validation_csv(v)
               : sim::validation_table(v, shown, a.summary),
       a.output);
  if (!a.check) return 0;
  const auto problems = sim::check_bounds(v, held);
  for (const auto& p : problems) std::cerr << "dpcast validate: " << p << "\n";
  return problems.empty() ? 0 : 1;
}

}  // namespace dpcast::cli
