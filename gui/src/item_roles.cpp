#include "dpcast/gui/item_roles.hpp"

#include <vector>

#include "dpcast/sim/table.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::gui {
namespace {
std::string cell(const QVariant& v) {
  if (!v.isValid() || v.isNull()) return "";
  if (v.typeId() == QMetaType::Double) return sim::number(v.toDouble());
  return v.toString().toStdString();
}
}  // namespace

std::string model_csv(const QAbstractItemModel& model) {
  const int columns = model.columnCount();
  std::vector<std::string> header;
  for (int c = 0; c < columns; ++c) {
    QVariant name = model.headerData(c, Qt::Horizontal, CsvHeaderRole);
    if (!name.isValid()) name = model.headerData(c, Qt::Horizontal, Qt::DisplayRole);
    header.push_back(name.toString().toStdString());
  }
  std::string out = sim::csv_line(header);
  for (int r = 0; r < model.rowCount(); ++r) {
    std::vector<std::string> cells;
    for (int c = 0; c < columns; ++c) {
      const QModelIndex index = model.index(r, c);
      QVariant v = model.data(index, RawRole);
      if (!v.isValid()) v = model.data(index, Qt::DisplayRole);
      cells.push_back(cell(v));
    }
    out += sim::csv_line(cells);
  }
  return out;
}

QVariant column_header(const Column* columns, int count, int section, Qt::Orientation orientation, int role) {
  if (orientation != Qt::Horizontal || section < 0 || section >= count) return {};
  if (role == Qt::DisplayRole) return QString::fromLatin1(columns[section].title);
  if (role == CsvHeaderRole) return QString::fromLatin1(columns[section].csv);
  return {};
}

QString exact_time(double seconds) {
  return QString::fromStdString(sim::human_time(seconds) + " (" + sim::number(seconds) + " s)");
}

QString exact_bytes(double bytes) {
  return QString::fromStdString(sim::human_bytes(bytes) + " (" + sim::number(bytes) + " bytes)");
}

QString exact_rate(double per_second, const std::string& unit) {
  return QString::fromStdString(sim::human_rate(per_second, unit) + " (" + sim::number(per_second) + " " + unit + ")");
}

}  // namespace dpcast::gui
