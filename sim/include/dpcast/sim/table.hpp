#pragma once
// Plain text tables and CSV for the commands (and later the GUI's exports).
#include <ostream>
#include <string>
#include <vector>

namespace dpcast::sim {

class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void add_row(std::vector<std::string> cells);
  /// Columns padded to their widest cell; numbers (and units) right-aligned.
  void print(std::ostream& out) const;
  [[nodiscard]] std::size_t rows() const { return rows_.size(); }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

/// One CSV line (RFC 4180 quoting) from cells, with its newline.
[[nodiscard]] std::string csv_line(const std::vector<std::string>& cells);
/// A number in full precision for machine output ("%.9g").
[[nodiscard]] std::string number(double value);

}  // namespace dpcast::sim
