#include "dpcast/sim/measurements_csv.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

#include "dpcast/models/error.hpp"
#include "dpcast/models/input_file.hpp"
#include "dpcast/models/scenario.hpp"
#include "dpcast/models/yaml_reader.hpp"
#include "dpcast/sim/measured_record.hpp"

namespace dpcast::sim {

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kColumns{"scenario",  "point",      "step_time_s",    "p10_s", "p90_s",
                                        "forward_s", "backward_s", "exposed_comm_s", "engine"};

std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::istringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) {
    const auto first = cell.find_first_not_of(" \t\r");
    const auto last = cell.find_last_not_of(" \t\r");
    cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
  }
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

// One row's cells by column name, and how to read them with errors that say where.
struct Row {
  std::string file;
  int line = 0;
  std::map<std::string, std::string> cells;

  [[noreturn]] void fail(const std::string& column, const std::string& message) const {
    throw Error(SourceLocation{file, line, 0}, column, message);
  }
  [[nodiscard]] std::optional<double> number(const std::string& column) const {
    const auto it = cells.find(column);
    if (it == cells.end() || it->second.empty()) return std::nullopt;
    std::size_t used = 0;
    double value = 0;
    try {
      value = std::stod(it->second, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != it->second.size() || !std::isfinite(value)) fail(column, "expected a number, got '" + it->second + "'");
    return value;
  }
  [[nodiscard]] std::string text(const std::string& column) const {
    const auto it = cells.find(column);
    return it == cells.end() ? "" : it->second;
  }
};

// The configuration a row names: its scenario, and its point of a sweep.
models::Scenario scenario_of(const Row& row, const fs::path& folder) {
  const std::string name = row.text("scenario");
  if (name.empty()) row.fail("scenario", "required: the scenario file the run measured");
  const fs::path file = fs::path(name).is_absolute() ? fs::path(name) : folder / name;
  std::vector<models::Scenario> scenarios;
  try {
    scenarios = models::load_scenarios(file.string());
  } catch (const Error& e) {
    row.fail("scenario", e.what());  // the scenario's own message, after the row that names it
  }
  const auto point = row.number("point");
  if (!point && scenarios.size() > 1)
    row.fail("point", name + " has " + std::to_string(scenarios.size()) +
                          " configurations: name the one measured (1 to " + std::to_string(scenarios.size()) + ")");
  const double index = point.value_or(1);
  if (index < 1 || index > static_cast<double>(scenarios.size()) || index != std::floor(index))
    row.fail("point", "expected 1 to " + std::to_string(scenarios.size()));
  return scenarios[static_cast<std::size_t>(index) - 1];
}

models::RunRecord record_of(const Row& row, const fs::path& folder) {
  const models::Scenario scenario = scenario_of(row, folder);
  MeasuredFigures figures;
  const auto step = row.number("step_time_s");
  if (!step) row.fail("step_time_s", "required: the measured seconds per step");
  figures.step_time_s = *step;
  figures.p10_s = row.number("p10_s");
  figures.p90_s = row.number("p90_s");
  figures.forward_s = row.number("forward_s");
  figures.backward_s = row.number("backward_s");
  figures.exposed_comm_s = row.number("exposed_comm_s");
  if (!row.text("engine").empty()) figures.engine = row.text("engine");
  try {
    return measured_record(scenario, figures);
  } catch (const Error& e) {
    row.fail(e.key_path(), e.detail());
  }
}

}  // namespace

std::vector<models::RunRecord> load_measurements_csv(const std::string& path) {
  std::istringstream in(models::read_input_file(path, "measurement table", models::kMaxRecordFileBytes));
  const fs::path folder = fs::path(path).parent_path();
  std::vector<std::string> header;
  std::vector<models::RunRecord> records;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[line.find_first_not_of(" \t")] == '#') continue;
    const auto cells = cells_of(line);
    if (header.empty()) {
      for (const auto& name : cells)
        if (std::find(kColumns.begin(), kColumns.end(), name) == kColumns.end())
          throw Error(SourceLocation{path, number, 0}, name, "unknown column" + models::suggestion(name, kColumns));
      header = cells;
      continue;
    }
    if (cells.size() != header.size())
      throw Error(SourceLocation{path, number, 0}, "",
                  "expected " + std::to_string(header.size()) + " cells, as the header has, got " +
                      std::to_string(cells.size()));
    Row row{path, number, {}};
    for (std::size_t c = 0; c < cells.size(); ++c) row.cells[header[c]] = cells[c];
    records.push_back(record_of(row, folder));
  }
  if (records.empty()) throw Error(SourceLocation{path, 0, 0}, "", "no measurements (a header, then one row per run)");
  return records;
}

}  // namespace dpcast::sim
