#include "dpcast/gui/timeline_model.hpp"

#include <algorithm>
#include <map>

#include "dpcast/gui/item_roles.hpp"
#include "dpcast/gui/qstring.hpp"
#include "dpcast/sim/trace.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::gui {
namespace {

constexpr Column kColumns[TimelineModel::ColumnCount] = {
    {"rank", "rank"},     {"track", "track"},         {"category", "category"}, {"name", "name"},
    {"start", "start_s"}, {"duration", "duration_s"}, {"detail", "detail"},
};

std::string detail_of(const std::string& category, const models::Json& args) {
  if (category == "communication") {
    std::string d = args.contains("bytes") ? sim::human_bytes(args["bytes"].get<double>()) : "";
    if (args.contains("algorithm")) d.append(" ").append(args["algorithm"].get<std::string>());
    if (args.contains("layers")) d.append(", ").append(std::to_string(args["layers"].get<int>())).append(" layers");
    return d;
  }
  std::string d = args.contains("kind") ? args["kind"].get<std::string>() : "";
  if (args.contains("flops")) d.append(", ").append(sim::human_rate(args["flops"].get<double>(), "FLOP"));
  return d;
}

}  // namespace

double Timeline::end_s() const {
  double end = 0;
  for (const auto& s : spans) end = std::max(end, s.start_s + s.duration_s);
  return end;
}

Timeline timeline_from_trace(const models::Json& trace) {
  Timeline t;
  if (trace.contains("otherData")) {
    const auto& other = trace["otherData"];
    t.gpus = other.value("gpus", 0);
    t.step_time_s = other.value("step_time_s", 0.0);
    t.engine = other.value("engine", std::string());
  }
  std::map<std::pair<int, std::string>, int> sequence;  // (rank and track, category) -> spans so far
  for (const auto& e : trace.at("traceEvents")) {
    const std::string ph = e.value("ph", std::string());
    const int pid = e.value("pid", 0);
    if (ph == "C") {  // a link's utilisation (sim/link_load.hpp)
      const std::string name = e.value("name", std::string());
      auto link = std::find_if(t.links.begin(), t.links.end(), [&](const LinkTrack& l) { return l.name == name; });
      if (link == t.links.end()) link = t.links.insert(t.links.end(), LinkTrack{name, {}});
      link->points.emplace_back(e.value("ts", 0.0) / 1e6, e["args"].value("utilisation %", 0.0));
      continue;
    }
    if (ph == "M" && e.value("name", std::string()) == "process_name" && (t.gpus == 0 || pid < t.gpus)) {
      if (pid >= static_cast<int>(t.rank_names.size())) t.rank_names.resize(static_cast<std::size_t>(pid) + 1);
      t.rank_names[static_cast<std::size_t>(pid)] = e["args"].value("name", std::string());
    }
    if (ph != "X") continue;
    TimelineSpan s;
    s.rank = pid;
    s.track = e.value("tid", 1);
    s.category = e.value("cat", std::string());
    s.name = e.value("name", std::string());
    s.start_s = e.value("ts", 0.0) / 1e6;
    s.duration_s = e.value("dur", 0.0) / 1e6;
    s.detail = detail_of(s.category, e.contains("args") ? e["args"] : models::Json::object());
    s.sequence = sequence[{pid * 4 + s.track, s.category}]++;
    t.spans.push_back(std::move(s));
  }
  for (auto& link : t.links) std::stable_sort(link.points.begin(), link.points.end());
  return t;
}

Timeline timeline_of(const models::RunRecord& record, const models::Scenario& configuration, int ranks) {
  return timeline_from_trace(sim::chrome_trace(record, configuration, ranks));
}

TimelineModel::TimelineModel(QObject* parent) : QAbstractTableModel(parent) {}

void TimelineModel::set_timeline(Timeline timeline) {
  beginResetModel();
  timeline_ = std::move(timeline);
  endResetModel();
}

int TimelineModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(timeline_.spans.size());
}

int TimelineModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant TimelineModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const TimelineSpan& s = timeline_.spans[static_cast<std::size_t>(index.row())];
  if (role == Qt::ToolTipRole)
    return qs("rank " + std::to_string(s.rank) + ", " + s.category + ": " + s.name + "\n") + "start " +
           exact_time(s.start_s) + "\nduration " + exact_time(s.duration_s) + qs("\n" + s.detail);
  if (role == Qt::TextAlignmentRole)
    return QVariant::fromValue(
        Qt::Alignment((index.column() == Start || index.column() == Duration || index.column() == Rank)
                          ? Qt::AlignRight | Qt::AlignVCenter
                          : Qt::AlignLeft | Qt::AlignVCenter));
  if (role != Qt::DisplayRole && role != RawRole) return {};
  const bool raw = role == RawRole;
  switch (index.column()) {
    case Rank:
      return s.rank;
    case Track:
      return s.track == 2 ? QStringLiteral("communication") : QStringLiteral("compute");
    case Category:
      return qs(s.category);
    case Name:
      return qs(s.name);
    case Start:
      return raw ? QVariant(s.start_s) : QVariant(qs(sim::human_time(s.start_s)));
    case Duration:
      return raw ? QVariant(s.duration_s) : QVariant(qs(sim::human_time(s.duration_s)));
    case Detail:
      return qs(s.detail);
    default:
      return {};
  }
}

QVariant TimelineModel::headerData(int section, Qt::Orientation orientation, int role) const {
  return column_header(kColumns, ColumnCount, section, orientation, role);
}

}  // namespace dpcast::gui
