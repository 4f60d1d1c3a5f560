#pragma once
// The scenario being edited: a scenario file held as a YAML tree that the dashboard's panels
// change key by key. It never judges a value itself: validate() reads the whole text back
// through models::parse_scenarios, so a wrong value gets the message `dpcast predict` prints.
//
// Saving writes the tree back as YAML: every key the file had is kept (the sweep too, which the
// sweep panel edits), comments are not (yaml-cpp does not keep them).
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dpcast/models/hardware.hpp"
#include "dpcast/models/plan_spec.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::gui {

class ScenarioDocument {
 public:
  /// A new scenario: GPT-2 small on DGX H100 nodes, swept over 1 to 32 nodes.
  ScenarioDocument();
  ScenarioDocument(const ScenarioDocument& other);
  ScenarioDocument& operator=(const ScenarioDocument& other);
  ScenarioDocument(ScenarioDocument&&) noexcept = default;
  ScenarioDocument& operator=(ScenarioDocument&&) noexcept = default;

  /// Reads a scenario file. Throws dpcast::Error (the CLI's message) when the file cannot be
  /// read, is not YAML, or is not a map; its values are judged later, by validate().
  [[nodiscard]] static ScenarioDocument load(const std::string& path);
  /// The same from text; `file` names it (errors, relative model files).
  [[nodiscard]] static ScenarioDocument from_text(const std::string& text, const std::string& file);
  /// Writes text() to `path` atomically; the document then names that file.
  void save(const std::string& path);

  /// The document as YAML, what save() writes and validate() reads.
  [[nodiscard]] std::string text() const;
  /// The file it was read from or saved to; "" for a new document.
  [[nodiscard]] const std::string& file() const { return file_; }
  /// The name errors carry: file(), or "untitled.yaml" for a new document.
  [[nodiscard]] std::string error_file() const;

  /// The value at a dotted key ("cluster.network.link") as written, when it is a scalar.
  [[nodiscard]] std::optional<std::string> value(std::string_view dotted_key) const;
  /// Whether the key is written (as anything: a scalar, a list, a map).
  [[nodiscard]] bool has(std::string_view dotted_key) const;
  /// Writes a scalar as typed ("8", "abc", "-4"); an empty value removes the key so its default
  /// applies. Returns whether the document changed (these setters all do).
  bool set_value(std::string_view dotted_key, const std::string& value);
  /// Writes `{sub_key: value}` at a key (the model as `{file: path}`).
  bool set_single_entry_map(std::string_view dotted_key, const std::string& sub_key, const std::string& value);
  /// Removes a key, and the sections it leaves empty.
  bool remove(std::string_view dotted_key);

  /// The scalars of the list at a dotted key ("plan.gpus"), as written; nullopt when the key
  /// holds no list.
  [[nodiscard]] std::optional<std::vector<std::string>> list_values(std::string_view dotted_key) const;
  /// Writes a list of scalars as typed (one line: `gpus: [h100-sxm, a100-80gb]`); an empty
  /// list removes the key so its default applies.
  bool set_list(std::string_view dotted_key, const std::vector<std::string>& values);
  /// The entries of the map at a dotted key, in file order: each key and its value as one line
  /// of YAML ("prices", "{h100-sxm: 2.49}"). Empty when the key holds no map.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> entries(std::string_view dotted_key) const;
  /// Writes `other`'s value at a key (a whole section: "plan") here, replacing this one's;
  /// removes it here when `other` has none.
  bool copy_key(std::string_view dotted_key, const ScenarioDocument& other);

  struct SweepAxis {
    std::string key;                  // dotted key, as written under sweep:
    std::vector<std::string> values;  // scalars as written; maps and lists as one line of YAML
  };
  /// The sweep section, in file order (the first key varies slowest).
  [[nodiscard]] std::vector<SweepAxis> sweep() const;
  [[nodiscard]] std::optional<std::vector<std::string>> sweep_values(std::string_view key) const;
  /// Sweeps `key` over `values` (kept as typed); an empty list removes the key, and the
  /// section when it was the last one.
  bool set_sweep_values(std::string_view key, const std::vector<std::string>& values);
  /// The document without its sweep: one configuration.
  [[nodiscard]] ScenarioDocument without_sweep() const;

 private:
  ScenarioDocument(const YAML::Node& root, std::string file);
  YAML::Node root_;
  std::string file_;
  // The text as read or saved, until the first change: an untouched file is validated (and
  // saved) exactly as written, so messages give the lines of the file on disk.
  std::optional<std::string> verbatim_;
};

/// A problem validate() found, as the CLI reports it.
struct ValidationError {
  std::string message;   // the CLI's line: "file:line:column: key: detail" (dpcast::Error::what())
  std::string detail;    // dpcast::Error::detail()
  std::string key_path;  // dpcast::Error::key_path(): which field is wrong
  std::string file;      // the scenario, or a model file it names
  int line = 0;
  bool in_sweep = false;  // the wrong value is written in the sweep section
};

/// The document read as `dpcast plan` reads it (models::parse_plan_scenario): the base
/// configuration and the `plan:` section.
struct PlanValidation {
  bool has_plan = false;                      // the document has a plan: section
  std::optional<models::PlanScenario> input;  // when it reads
  std::optional<ValidationError> error;       // when it has a plan section that does not read
  [[nodiscard]] bool ok() const { return input.has_value(); }
};

struct Validation {
  std::vector<models::Scenario> configurations;  // the sweep expanded, in order (one without a sweep)
  std::optional<models::Scenario> base;          // the document without its sweep, or the first configuration
  std::optional<ValidationError> error;
  PlanValidation plan;  // `dpcast predict` ignores the plan section, so its errors do not make error
  [[nodiscard]] bool ok() const { return !error.has_value(); }
};

/// Reads the document as `dpcast predict` would (models::parse_scenarios) and, when that
/// fails, says where: the key and whether it is written in the sweep section. When the
/// document has a plan section, also as `dpcast plan` would (validate_plan).
[[nodiscard]] Validation validate(const ScenarioDocument& document,
                                  const models::Catalogue& catalogue = models::Catalogue::builtin());
/// Reads the document as `dpcast plan` would (models::parse_plan_scenario); a document without
/// a plan section gives has_plan false and no error.
[[nodiscard]] PlanValidation validate_plan(const ScenarioDocument& document,
                                           const models::Catalogue& catalogue = models::Catalogue::builtin());

/// The dotted keys the scenario panel edits field by field, in its order.
[[nodiscard]] const std::vector<std::string>& field_keys();
/// The field (one of field_keys()) an error belongs to; "" when it is about none of them (the
/// panel's banner shows it) or is written in the sweep section (the sweep panel shows it).
/// Errors inside a model file, and about model.* keys, belong to the model.
[[nodiscard]] std::string scenario_field_for(const ValidationError& error, const std::string& scenario_file);

/// The dotted keys the plan panel edits field by field, in its order ("plan.nodes" stands for
/// the range's min and max, "plan.target" for tokens or samples).
[[nodiscard]] const std::vector<std::string>& plan_field_keys();
/// The plan field (one of plan_field_keys()) an error of validate_plan belongs to; "" when it
/// is about none of them (the plan panel's banner shows it).
[[nodiscard]] std::string plan_field_for(const ValidationError& error, const std::string& scenario_file);

/// "nodes 2, micro_batch 8": a sweep point, each key by its last part.
[[nodiscard]] std::string sweep_point_label(const std::vector<std::pair<std::string, std::string>>& point,
                                            bool skip_gpu_counts = false);

}  // namespace dpcast::gui
