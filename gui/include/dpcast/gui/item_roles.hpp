#pragma once
// What the dashboard's item models give besides the text they display: the value in SI units
// (for sorting, charts and CSV) and, in the header, the column's machine name with its unit
// (step_time_s), as `dpcast predict --csv` names its columns.
#include <QAbstractItemModel>
#include <QString>

#include <string>

namespace dpcast::gui {

enum ItemRole {
  RawRole = Qt::UserRole + 1,  // data(): the value, SI units (double, qint64 or QString)
  CsvHeaderRole,               // headerData(): the CSV column name, carrying its unit
};

/// One column of a table model: the header people read, the CSV name with its unit (as the
/// CLI's --csv names it), and whether its figures are right-aligned.
struct Column {
  const char* title;
  const char* csv;
  bool numeric = false;
};

/// headerData() of a table whose `count` columns are `columns`: the title (DisplayRole) and
/// the CSV name (CsvHeaderRole) of a horizontal section.
[[nodiscard]] QVariant column_header(const Column* columns, int count, int section, Qt::Orientation orientation,
                                     int role);

/// The model as CSV: the header from CsvHeaderRole (else the display header), then one line
/// per row with RawRole values (else the displayed text); quoting as RFC 4180 (sim::csv_line).
[[nodiscard]] std::string model_csv(const QAbstractItemModel& model);

/// A figure with its unit as people read it and, in parentheses, exactly ("13.1 ms (0.0131042 s)").
[[nodiscard]] QString exact_time(double seconds);
[[nodiscard]] QString exact_bytes(double bytes);
[[nodiscard]] QString exact_rate(double per_second, const std::string& unit);

}  // namespace dpcast::gui
