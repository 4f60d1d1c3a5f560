#include "dpcast/gui/scenario_document.hpp"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dpcast/models/atomic_file.hpp"
#include "dpcast/models/error.hpp"
#include "dpcast/models/yaml_reader.hpp"

namespace dpcast::gui {
namespace {

constexpr const char* kNewScenario = R"(model: gpt2-small
cluster:
  node: dgx-h100
  nodes: 1
  network: {topology: fat-tree, link: ib-ndr}
training:
  micro_batch: 8
  precision: bf16
  optimizer: adam
data_parallel:
  collective: auto
  bucket_mb: 25
  zero_stage: 0
sweep:
  cluster.nodes: [1, 2, 4, 8, 16, 32]
)";

std::vector<std::string> split_key(std::string_view key) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in{std::string(key)};
  while (std::getline(in, part, '.')) parts.push_back(part);
  return parts;
}

// The node at a path of keys, when every step is a map holding the key.
std::optional<YAML::Node> find(const YAML::Node& root, const std::vector<std::string>& parts) {
  YAML::Node current;
  current.reset(root);
  for (const auto& part : parts) {
    if (!current.IsMap()) return std::nullopt;
    const YAML::Node& as_const = current;
    const YAML::Node next = as_const[part];
    if (!next.IsDefined()) return std::nullopt;
    current.reset(next);
  }
  return current;
}

std::string one_line(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

// Lines (1-based) that a node and everything under it cover.
void cover(const YAML::Node& node, int& first, int& last) {
  if (!node.IsDefined()) return;
  if (!node.Mark().is_null()) {
    first = std::min(first, node.Mark().line + 1);
    last = std::max(last, node.Mark().line + 1);
  }
  if (node.IsMap()) {
    for (const auto& entry : node) {
      cover(entry.first, first, last);
      cover(entry.second, first, last);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) cover(item, first, last);
  }
}

// Whether `line` of `text` lies in its sweep section.
bool in_sweep_section(const std::string& text, int line) {
  if (line <= 0) return false;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception&) {
    return false;
  }
  if (!root.IsMap()) return false;
  int first = INT_MAX, last = 0;
  for (const auto& entry : root) {
    if (entry.first.IsScalar() && entry.first.Scalar() == "sweep") {
      cover(entry.first, first, last);
      cover(entry.second, first, last);
    }
  }
  return line >= first && line <= last;
}

}  // namespace

ScenarioDocument::ScenarioDocument() : ScenarioDocument(from_text(kNewScenario, "")) {}

ScenarioDocument::ScenarioDocument(const YAML::Node& root, std::string file) : root_(root), file_(std::move(file)) {}

ScenarioDocument::ScenarioDocument(const ScenarioDocument& other)
    : root_(YAML::Clone(other.root_)), file_(other.file_), verbatim_(other.verbatim_) {}

ScenarioDocument& ScenarioDocument::operator=(const ScenarioDocument& other) {
  if (this != &other) {
    root_ = YAML::Node();
    root_.reset(YAML::Clone(other.root_));
    file_ = other.file_;
    verbatim_ = other.verbatim_;
  }
  return *this;
}

ScenarioDocument ScenarioDocument::load(const std::string& path) {
  return from_text(models::read_scenario_text(path), path);  // the checks and messages of load_scenarios
}

ScenarioDocument ScenarioDocument::from_text(const std::string& text, const std::string& file) {
  const std::string name = file.empty() ? "untitled.yaml" : file;
  YAML::Node root = models::load_yaml_text(text, name);
  if (!root.IsMap())
    throw Error(models::location_of(name, root), "", "a scenario must be a map, got " + models::describe(root));
  ScenarioDocument doc(root, file);
  doc.verbatim_ = text;
  return doc;
}

void ScenarioDocument::save(const std::string& path) {
  const std::string content = text();
  models::write_file_atomically(path, content);
  file_ = path;
  verbatim_ = content;
}

std::string ScenarioDocument::text() const {
  if (verbatim_) return *verbatim_;
  YAML::Emitter out;
  out.SetIndent(2);
  out << root_;
  return std::string(out.c_str()) + "\n";
}

std::string ScenarioDocument::error_file() const {
  return file_.empty() ? "untitled.yaml" : file_;
}

std::optional<std::string> ScenarioDocument::value(std::string_view dotted_key) const {
  const auto node = find(root_, split_key(dotted_key));
  if (!node || !node->IsScalar()) return std::nullopt;
  return node->Scalar();
}

bool ScenarioDocument::has(std::string_view dotted_key) const {
  const auto node = find(root_, split_key(dotted_key));
  return node && !node->IsNull();
}

namespace {
// The map that holds the last part of `parts`, made (or made a map) on the way.
YAML::Node parent_of(YAML::Node& root, const std::vector<std::string>& parts) {
  YAML::Node current;
  current.reset(root);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node child = current[parts[i]];
    if (!child.IsDefined() || !child.IsMap()) {
      current[parts[i]] = YAML::Node(YAML::NodeType::Map);
      child.reset(current[parts[i]]);
    }
    current.reset(child);
  }
  return current;
}
}  // namespace

bool ScenarioDocument::set_value(std::string_view dotted_key, const std::string& value) {
  if (value.empty()) return remove(dotted_key);
  if (this->value(dotted_key) == value) return false;
  const auto parts = split_key(dotted_key);
  YAML::Node parent = parent_of(root_, parts);
  parent[parts.back()] = YAML::Node(value);
  verbatim_.reset();
  return true;
}

std::optional<std::vector<std::string>> ScenarioDocument::list_values(std::string_view dotted_key) const {
  const auto node = find(root_, split_key(dotted_key));
  if (!node || !node->IsSequence()) return std::nullopt;
  std::vector<std::string> values;
  for (const auto& item : *node) values.push_back(one_line(item));
  return values;
}

std::vector<std::pair<std::string, std::string>> ScenarioDocument::entries(std::string_view dotted_key) const {
  std::vector<std::pair<std::string, std::string>> out;
  const auto node = find(root_, split_key(dotted_key));
  if (!node || !node->IsMap()) return out;
  for (const auto& entry : *node) out.emplace_back(one_line(entry.first), one_line(entry.second));
  return out;
}

bool ScenarioDocument::set_list(std::string_view dotted_key, const std::vector<std::string>& values) {
  if (values.empty()) return remove(dotted_key);
  if (list_values(dotted_key) == values) return false;
  const auto parts = split_key(dotted_key);
  YAML::Node parent = parent_of(root_, parts);
  YAML::Node list(YAML::NodeType::Sequence);
  list.SetStyle(YAML::EmitterStyle::Flow);
  for (const auto& v : values) list.push_back(YAML::Node(v));
  parent[parts.back()] = list;
  verbatim_.reset();
  return true;
}

bool ScenarioDocument::copy_key(std::string_view dotted_key, const ScenarioDocument& other) {
  const auto parts = split_key(dotted_key);
  const auto theirs = find(other.root_, parts);
  if (!theirs) return remove(dotted_key);
  YAML::Node parent = parent_of(root_, parts);
  parent[parts.back()] = YAML::Clone(*theirs);
  verbatim_.reset();
  return true;
}

bool ScenarioDocument::set_single_entry_map(std::string_view dotted_key, const std::string& sub_key,
                                            const std::string& value) {
  if (const auto node = find(root_, split_key(dotted_key)); node && node->IsMap() && node->size() == 1) {
    const YAML::Node& map = *node;
    if (map[sub_key].IsScalar() && map[sub_key].Scalar() == value) return false;
  }
  remove(dotted_key);
  set_value(std::string(dotted_key) + "." + sub_key, value);
  return true;
}

bool ScenarioDocument::remove(std::string_view dotted_key) {
  const auto parts = split_key(dotted_key);
  if (parts.empty()) return false;
  const std::vector<std::string> parent_path(parts.begin(), parts.end() - 1);
  auto parent = find(root_, parent_path);
  if (!parent || !parent->IsMap() || !find(*parent, {parts.back()})) return false;
  parent->remove(parts.back());
  // Sections left empty go too ("network: {}" says nothing).
  for (std::size_t n = parent_path.size(); n > 0; --n) {
    const std::vector<std::string> path(parent_path.begin(), parent_path.begin() + static_cast<std::ptrdiff_t>(n));
    auto section = find(root_, path);
    if (!section || !section->IsMap() || section->size() > 0) break;
    auto above = find(root_, std::vector<std::string>(path.begin(), path.end() - 1));
    if (above) above->remove(path.back());
  }
  verbatim_.reset();
  return true;
}

std::vector<ScenarioDocument::SweepAxis> ScenarioDocument::sweep() const {
  std::vector<SweepAxis> axes;
  const YAML::Node& root = root_;
  const YAML::Node sweep = root["sweep"];
  if (!sweep.IsDefined() || !sweep.IsMap()) return axes;
  for (const auto& entry : sweep) {
    SweepAxis axis{entry.first.Scalar(), {}};
    if (entry.second.IsSequence())
      for (const auto& v : entry.second) axis.values.push_back(one_line(v));
    axes.push_back(std::move(axis));
  }
  return axes;
}

std::optional<std::vector<std::string>> ScenarioDocument::sweep_values(std::string_view key) const {
  for (auto& axis : sweep())
    if (axis.key == key) return std::move(axis.values);
  return std::nullopt;
}

bool ScenarioDocument::set_sweep_values(std::string_view key, const std::vector<std::string>& values) {
  if (sweep_values(key) == values) return false;
  const std::string k(key);
  if (values.empty()) {
    if (!sweep_values(key)) return false;
    root_["sweep"].remove(k);
    if (root_["sweep"].size() == 0) root_.remove("sweep");
  } else {
    if (const auto sweep = find(root_, {"sweep"}); !sweep || !sweep->IsMap())
      root_["sweep"] = YAML::Node(YAML::NodeType::Map);
    YAML::Node list(YAML::NodeType::Sequence);
    list.SetStyle(YAML::EmitterStyle::Flow);
    for (const auto& v : values) list.push_back(YAML::Node(v));
    root_["sweep"][k] = list;
  }
  verbatim_.reset();
  return true;
}

ScenarioDocument ScenarioDocument::without_sweep() const {
  ScenarioDocument copy(YAML::Clone(root_), file_);
  copy.root_.remove("sweep");
  return copy;
}

namespace {
ValidationError validation_error(const Error& e, const std::string& text, const std::string& file) {
  ValidationError error{e.what(), e.detail(), e.key_path(), e.where().file, e.where().line, false};
  error.in_sweep = error.key_path.rfind("sweep", 0) == 0 || (error.file == file && in_sweep_section(text, error.line));
  return error;
}
}  // namespace

PlanValidation validate_plan(const ScenarioDocument& document, const models::Catalogue& catalogue) {
  PlanValidation p;
  p.has_plan = document.has("plan");
  if (!p.has_plan) return p;
  const std::string text = document.text();
  const std::string file = document.error_file();
  try {
    p.input = models::parse_plan_scenario(text, file, catalogue);
  } catch (const Error& e) {
    p.error = validation_error(e, text, file);
  } catch (const std::exception& e) {
    p.error = ValidationError{file + ": " + e.what(), e.what(), "", file, 0, false};
  }
  return p;
}

Validation validate(const ScenarioDocument& document, const models::Catalogue& catalogue) {
  Validation v;
  const std::string text = document.text();
  const std::string file = document.error_file();
  v.plan = validate_plan(document, catalogue);
  try {
    v.configurations = models::parse_scenarios(text, file, catalogue);
  } catch (const Error& e) {
    v.error = validation_error(e, text, file);
    return v;
  } catch (const std::exception& e) {
    v.error = ValidationError{file + ": " + e.what(), e.what(), "", file, 0, false};
    return v;
  }
  if (document.sweep().empty()) {
    v.base = v.configurations.front();
  } else {
    try {
      v.base = models::parse_scenarios(document.without_sweep().text(), file, catalogue).front();
    } catch (const std::exception&) {
      v.base = v.configurations.front();  // the base relies on the sweep for some key
    }
  }
  return v;
}

const std::vector<std::string>& field_keys() {
  static const std::vector<std::string> keys{
      "model",
      "cluster.node",
      "cluster.gpu",
      "cluster.nodes",
      "cluster.gpus_per_node",
      "cluster.network.topology",
      "cluster.network.link",
      "cluster.network.oversubscription",
      "cluster.placement",
      "cluster.network.background",
      "training.micro_batch",
      "training.seq_len",
      "training.grad_accumulation",
      "training.precision",
      "training.optimizer",
      "data_parallel.collective",
      "data_parallel.bucket_mb",
      "data_parallel.zero_stage",
  };
  return keys;
}

std::string scenario_field_for(const ValidationError& error, const std::string& scenario_file) {
  if (error.in_sweep) return "";
  if (!error.file.empty() && error.file != scenario_file) return "model";  // inside a model file
  const std::string& key = error.key_path;
  if (key == "model" || key.rfind("model.", 0) == 0) return "model";
  if (key == "cluster.gpus") return "cluster.nodes";
  for (const auto& k : field_keys())
    if (k == key) return k;
  return "";
}

const std::vector<std::string>& plan_field_keys() {
  static const std::vector<std::string> keys{
      "plan.target",
      "plan.deadline_hours",
      "plan.budget_usd",
      "plan.max_global_batch",
      "plan.gpus",
      "plan.node_presets",
      "plan.nodes",
      "plan.links",
      "plan.topologies",
      "plan.micro_batch",
      "plan.grad_accumulation",
      "plan.zero_stage",
  };
  return keys;
}

std::string plan_field_for(const ValidationError& error, const std::string& scenario_file) {
  if (!error.file.empty() && error.file != scenario_file) return "";  // inside a model file
  std::string key = error.key_path;
  if (const auto bracket = key.find('['); bracket != std::string::npos) key.resize(bracket);  // plan.gpus[1]
  auto within = [&](const std::string& field) { return key == field || key.rfind(field + ".", 0) == 0; };
  if (within("plan.target")) return "plan.target";
  if (within("plan.nodes")) return "plan.nodes";  // the list, or the range's min or max
  for (const auto& k : plan_field_keys())
    if (k == key) return k;
  return "";
}

std::string sweep_point_label(const std::vector<std::pair<std::string, std::string>>& point, bool skip_gpu_counts) {
  std::string label;
  for (const auto& [key, value] : point) {
    if (skip_gpu_counts && (key == "cluster.nodes" || key == "cluster.gpus")) continue;
    const auto dot = key.rfind('.');
    if (!label.empty()) label += ", ";
    label += (dot == std::string::npos ? key : key.substr(dot + 1)) + " " + value;
  }
  return label;
}

}  // namespace dpcast::gui
