#include "dpcast/models/error.hpp"

#include <sstream>

namespace dpcast {
namespace {
std::string format(const SourceLocation& where, const std::string& key, const std::string& detail) {
  std::ostringstream out;  // (a stream avoids GCC 12's -Wrestrict false positive on string +)
  if (!where.file.empty()) {
    out << where.file;
    if (where.line > 0) out << ':' << where.line;
    if (where.line > 0 && where.column > 0) out << ':' << where.column;  // a line of a table has no column
    out << ": ";
  }
  if (!key.empty()) out << key << ": ";
  out << detail;
  return out.str();
}
}  // namespace

Error::Error(std::string detail) : Error(SourceLocation{}, "", std::move(detail)) {}

Error::Error(SourceLocation where, std::string key_path, std::string detail)
    : std::runtime_error(format(where, key_path, detail)),
      where_(std::move(where)),
      key_path_(std::move(key_path)),
      detail_(std::move(detail)) {}

}  // namespace dpcast
