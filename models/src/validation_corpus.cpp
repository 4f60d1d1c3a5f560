#include "dpcast/models/validation_corpus.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "dpcast/models/yaml_reader.hpp"

namespace dpcast::models {
namespace fs = std::filesystem;

const MeasureInfo& info(Measure measure) {
  static_assert(in_enum_order<Measure>());
  return EnumNames<Measure>::table[static_cast<std::size_t>(measure)];
}

Workload workload_of(const Scenario& s) {
  const ModelSpec& m = s.model;
  if (!m.zoo.empty()) {
    const ZooEntry* entry = find_zoo_entry(m.zoo);
    if (entry && entry->family == ModelFamily::Cnn) return Workload::Cnn;
    if (entry && entry->family == ModelFamily::Mlp) return Workload::Mlp;
    return Workload::Transformer;
  }
  if (m.transformer) return Workload::Transformer;
  if (m.mlp) return Workload::Mlp;
  const bool convolutional = std::any_of(m.layer_list.begin(), m.layer_list.end(),
                                         [](const LayerSpec& l) { return l.kind == LayerKind::Conv2d; });
  if (convolutional) return Workload::Cnn;
  return m.is_sequence_model() ? Workload::Transformer : Workload::Mlp;
}

Workload ValidationCase::workload() const {
  return collective ? Workload::Collective : workload_of(scenario);
}

std::string default_validation_dir() {
  if (const char* env = std::getenv("DPCAST_VALIDATION_DIR"); env && *env) return env;
  return std::string(DPCAST_SOURCE_DIR) + "/scenarios/validation";
}

namespace {

// The values a case's `by` key takes, one per point: a byte count or a scenario key's value.
struct Point {
  YamlValue value;
  YamlValue published;
};

std::vector<Point> read_points(const YamlValue& points) {
  std::vector<Point> out;
  for (const auto& p : points.as_list()) {
    const auto pair = p.as_list();
    if (pair.size() != 2) p.fail("expected [value, published], got " + describe(p.node()));
    out.push_back({pair[0], pair[1]});
  }
  if (out.empty()) points.fail("expected a non-empty list of [value, published]");
  return out;
}

// A published figure: positive, and a fraction for MFU and scaling efficiency.
double read_published(const YamlValue& v, Measure measure) {
  const double x = v.as_positive_number();
  if ((measure == Measure::Mfu || measure == Measure::ScalingEfficiency) && x > 1.0)
    v.fail("expected a fraction in (0, 1] for " + std::string(info(measure).name) + ", got " + describe(v.node()));
  return x;
}

struct CaseTemplate {
  std::string id;
  std::string scenario_file;
  std::vector<KeyOverride> overrides;
  std::optional<CollectiveOp> collective;
  Measure measure = Measure::StepTime;
  std::string where;
  std::string note;
  SourceLocation location;
};

ValidationCase make_case(const CaseTemplate& t, const std::string& data_set, const std::vector<KeyOverride>& overrides,
                         double bytes, double published, const std::string& id, const Catalogue& cat) {
  ValidationCase c;
  c.data_set = data_set;
  c.id = id;
  c.scenario = load_scenario_with(t.scenario_file, overrides, cat);
  c.collective = t.collective;
  c.bytes = bytes;
  c.measure = t.measure;
  c.published = published;
  c.where = t.where;
  c.note = t.note;
  c.location = t.location;
  return c;
}

// "1073741824" for a byte count, the scalar as written for a scenario key.
std::string point_label(const YamlValue& v) {
  return v.node().IsScalar() ? v.node().Scalar() : describe(v.node());
}

void read_case(MapReader r, const std::string& folder, const std::string& data_set, const Catalogue& cat,
               std::vector<ValidationCase>& out) {
  r.declare({"id", "scenario", "set", "collective", "bytes", "measure", "published", "by", "points", "where", "note"});
  CaseTemplate t;
  t.location = r.where();
  const YamlValue id = r.required("id");
  t.id = id.as_string();
  const YamlValue scenario = r.required("scenario");
  t.scenario_file = (fs::path(folder) / scenario.as_string()).string();
  if (!fs::is_regular_file(t.scenario_file)) scenario.fail("no scenario file " + t.scenario_file);
  if (auto set = r.optional("set")) {
    if (!set->node().IsMap())
      set->fail("expected a map of dotted scenario keys to values, got " + describe(set->node()));
    for (const auto& entry : set->node())
      t.overrides.push_back(
          {entry.first.Scalar(), YamlValue(r.file(), entry.second, set->path() + "." + entry.first.Scalar())});
  }
  if (auto op = r.optional("collective")) t.collective = op->as_enum<CollectiveOp>();
  const YamlValue measure = r.required("measure");
  t.measure = measure.as_enum<Measure>();
  if (info(t.measure).of_collective && !t.collective)
    measure.fail(std::string(info(t.measure).name) +
                 " is a collective's figure: add collective: all-reduce, all-gather or reduce-scatter");
  if (!info(t.measure).of_collective && t.collective)
    measure.fail(std::string(info(t.measure).name) +
                 " is a training step's figure; a bare collective has time_us, algbw_GBps or busbw_GBps");
  t.where = r.required("where").as_string();
  t.note = r.string("note", "");

  const auto by = r.optional("by");
  const auto points = r.optional("points");
  const auto published = r.optional("published");
  const auto bytes = r.optional("bytes");
  if (by.has_value() != points.has_value())
    (by ? *by : *points)
        .fail(by ? "by needs points: [[value, published], ...]" : "points need by: the key their values set");
  if (points && published) published->fail("a case has either published or points, not both");
  if (!points && !published) r.fail("expected published (or by and points)");
  const bool by_bytes = by && by->as_string() == "bytes";
  if (by_bytes && !t.collective) by->fail("by: bytes needs collective");
  if (t.collective && !by_bytes && !bytes) r.fail("a collective case needs bytes (or by: bytes and points)");
  if (bytes && !t.collective) bytes->fail("bytes is for a collective case: add collective");
  if (bytes && by_bytes) bytes->fail("bytes is given by the points (by: bytes)");

  if (!points) {
    out.push_back(make_case(t, data_set, t.overrides, bytes ? bytes->as_positive_number() : 0,
                            read_published(*published, t.measure), t.id, cat));
    return;
  }
  for (const auto& p : read_points(*points)) {
    auto overrides = t.overrides;
    double point_bytes = bytes ? bytes->as_positive_number() : 0;
    if (by_bytes) {
      point_bytes = p.value.as_positive_number();
    } else {
      overrides.push_back({by->as_string(), p.value});
    }
    out.push_back(make_case(t, data_set, overrides, point_bytes, read_published(p.published, t.measure),
                            t.id + "/" + point_label(p.value), cat));
  }
}

}  // namespace

DataSet load_data_set(const std::string& folder, const Catalogue& cat) {
  const std::string file = (fs::path(folder) / "cases.yaml").string();
  const YAML::Node root = load_yaml_file(file);
  MapReader r(file, root, "");
  r.declare({"data_set", "cases"});
  DataSet d;
  d.dir = folder;
  const YamlValue name = r.required("data_set");
  d.name = name.as_string();
  const std::string folder_name = fs::path(folder).lexically_normal().filename().string().empty()
                                      ? fs::path(folder).lexically_normal().parent_path().filename().string()
                                      : fs::path(folder).lexically_normal().filename().string();
  if (d.name != folder_name) name.fail("expected the folder's name '" + folder_name + "'");
  if (!fs::is_regular_file(fs::path(folder) / "SOURCE.md"))
    name.fail("the data set has no SOURCE.md (the exact citation and its assumptions) in " + folder);
  const YamlValue cases = r.required("cases");
  for (const auto& c : cases.as_list()) read_case(MapReader(c), folder, d.name, cat, d.cases);
  if (d.cases.empty()) cases.fail("expected at least one case");
  std::set<std::string> ids;
  for (const auto& c : d.cases)
    if (!ids.insert(c.id).second) throw Error(c.location, "id", "case '" + c.id + "' appears twice in " + d.name);
  r.finish();
  return d;
}

std::vector<DataSet> load_corpus(const std::string& dir, const std::vector<std::string>& names, const Catalogue& cat) {
  if (!fs::is_directory(dir)) throw Error("validation corpus not found: " + dir + " (set DPCAST_VALIDATION_DIR)");
  std::vector<std::string> available;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory() && fs::is_regular_file(entry.path() / "cases.yaml"))
      available.push_back(entry.path().filename().string());
  std::sort(available.begin(), available.end());
  std::vector<std::string> chosen = names.empty() ? available : names;
  std::vector<DataSet> corpus;
  for (const auto& name : chosen) {
    if (std::find(available.begin(), available.end(), name) == available.end())
      throw Error("dpcast validate: no data set '" + name + "' in " + dir + suggestion(name, available));
    corpus.push_back(load_data_set((fs::path(dir) / name).string(), cat));
  }
  return corpus;
}

const DataSetBound* Bounds::find(std::string_view data_set) const {
  const auto it =
      std::find_if(data_sets.begin(), data_sets.end(), [&](const DataSetBound& b) { return b.data_set == data_set; });
  return it == data_sets.end() ? nullptr : &*it;
}

Bounds parse_bounds(const std::string& text, const std::string& file) {
  const YAML::Node root = load_yaml_text(text, file);
  MapReader r(file, root, "");
  r.declare({"engine", "data_sets"});
  Bounds b;
  if (auto e = r.optional("engine")) b.engine = e->as_choice({"analytical", "des"});
  MapReader sets = r.map("data_sets");
  const YAML::Node node = root["data_sets"];
  if (node.IsDefined() && !node.IsMap()) sets.fail("expected a map of data set names");
  if (node.IsMap())
    for (const auto& entry : node) {
      const std::string name = entry.first.Scalar();
      MapReader d(file, entry.second, "data_sets." + name);
      d.declare({"mape_pct", "cases", "workloads", "gpus", "nodes"});
      DataSetBound bound;
      bound.data_set = name;
      bound.location = d.where();
      bound.mape_pct = d.required("mape_pct").as_number_at_least(0);
      bound.cases = static_cast<int>(d.int_in("cases", 1, 1'000'000));
      for (const auto& w : d.required("workloads").as_list()) bound.workloads.push_back(w.as_enum<Workload>());
      for (const auto& g : d.required("gpus").as_list()) bound.gpus.push_back(g.as_string());
      const YamlValue nodes = d.required("nodes");
      const auto range = nodes.as_positive_int_list();
      if (range.size() != 2 || range[0] > range[1]) nodes.fail("expected [fewest, most] nodes");
      bound.min_nodes = static_cast<int>(range[0]);
      bound.max_nodes = static_cast<int>(range[1]);
      d.finish();
      b.data_sets.push_back(std::move(bound));
      (void)sets.optional(name);
    }
  sets.finish();
  r.finish();
  return b;
}

std::string bounds_file(const std::string& dir, const std::string& engine) {
  return (fs::path(dir) / (engine == "des" ? "bounds-des.yaml" : "bounds.yaml")).string();
}

Bounds load_bounds(const std::string& path) {
  if (!fs::is_regular_file(path))
    throw Error(SourceLocation{path, 0, 0}, "", "no bounds file (dpcast validate --write-bounds writes it)");
  std::ostringstream text;
  text << std::ifstream(path).rdbuf();
  return parse_bounds(text.str(), path);
}

std::string bounds_yaml(const Bounds& b) {
  std::ostringstream out;
  out << "# The CI bound of every data set of the validation corpus: `make test` fails when a data\n"
         "# set's MAPE (catalogue defaults, the engine below) rises above its mape_pct, or falls more\n"
         "# than a point below it. Bounds only go down. Written by\n"
         "#   build/bin/dpcast validate [--engine des] --write-bounds\n"
         "# (the measured MAPE rounded up to 0.1%; it refuses to raise the bound of a data set whose\n"
         "# cases did not change). The other keys say what the data set covers: a prediction's\n"
         "# provenance names the nearest data set.\n";
  out << "engine: " << b.engine << "\n";
  out << "data_sets:\n";
  for (const auto& d : b.data_sets) {
    std::ostringstream mape;
    mape.setf(std::ios::fixed);
    mape.precision(1);
    mape << d.mape_pct;
    out << "  " << d.data_set << ": {mape_pct: " << mape.str() << ", cases: " << d.cases << ", workloads: [";
    for (std::size_t i = 0; i < d.workloads.size(); ++i) out << (i ? ", " : "") << to_string(d.workloads[i]);
    out << "], gpus: [";
    for (std::size_t i = 0; i < d.gpus.size(); ++i) out << (i ? ", " : "") << d.gpus[i];
    out << "], nodes: [" << d.min_nodes << ", " << d.max_nodes << "]}\n";
  }
  return out.str();
}

}  // namespace dpcast::models
