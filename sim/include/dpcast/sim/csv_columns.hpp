#pragma once
// A CSV output as one table of columns: each column's name next to how its cell is written
// from a row, so that adding a column is adding one line. dpcast predict, compare and
// validate --csv write theirs this way (report.cpp, compare.cpp, validation_report.cpp).
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dpcast/sim/table.hpp"

namespace dpcast::sim {

/// One column: its name in the header and how a row's cell is written.
template <typename Row>
struct CsvColumn {
  std::string_view name;
  std::string (*cell)(const Row& row);
};

/// Appends the columns' names to a header.
template <typename Row>
void append_names(std::span<const CsvColumn<Row>> columns, std::vector<std::string>& header) {
  for (const auto& c : columns) header.emplace_back(c.name);
}

/// Appends one row's cells.
template <typename Row>
void append_cells(std::span<const CsvColumn<Row>> columns, const Row& row, std::vector<std::string>& cells) {
  for (const auto& c : columns) cells.push_back(c.cell(row));
}

/// The whole CSV: the header line, then one line per row.
template <typename Row, typename Rows>
[[nodiscard]] std::string csv_text(std::span<const CsvColumn<Row>> columns, const Rows& rows) {
  std::vector<std::string> header;
  append_names(columns, header);
  std::string out = csv_line(header);
  for (const Row& row : rows) {
    std::vector<std::string> cells;
    append_cells(columns, row, cells);
    out += csv_line(cells);
  }
  return out;
}

}  // namespace dpcast::sim
