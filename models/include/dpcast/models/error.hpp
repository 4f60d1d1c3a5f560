#pragma once
// dpcast::Error: the one exception type for bad user input. It carries where the
// problem is (file, line, column) and which key (a dotted path), so the commands
// can print one line: "quickstart.yaml:7:10: cluster.nodes: expected ..., got -4".
#include <stdexcept>
#include <string>

namespace dpcast {

struct SourceLocation {
  std::string file;  // as the user named it; empty when not from a file
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
};

class Error : public std::runtime_error {
 public:
  explicit Error(std::string detail);
  Error(SourceLocation where, std::string key_path, std::string detail);

  [[nodiscard]] const SourceLocation& where() const { return where_; }
  [[nodiscard]] const std::string& key_path() const { return key_path_; }
  [[nodiscard]] const std::string& detail() const { return detail_; }

 private:
  SourceLocation where_;
  std::string key_path_;
  std::string detail_;
};

}  // namespace dpcast
