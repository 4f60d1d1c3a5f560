#include "dpcast/models/input_file.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "dpcast/models/error.hpp"

namespace dpcast::models {

namespace {

std::string mebibytes(std::uintmax_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%g MiB", static_cast<double>(bytes) / static_cast<double>(1 << 20));
  return text;
}

}  // namespace

std::string read_input_file(const std::string& path, const std::string& what, std::uintmax_t max_bytes) {
  namespace fs = std::filesystem;
  const SourceLocation where{path, 0, 0};
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);  // follows links
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw Error(where, "", "cannot open " + what + ": " + ec.message());
  if (fs::is_directory(status)) throw Error(where, "", "is a directory, not a " + what);
  if (fs::exists(status) && !fs::is_regular_file(status))
    throw Error(where, "", "not a regular file (a device, FIFO or socket), not a " + what);
  const auto too_big = [&](std::uintmax_t bytes) {
    return Error(where, "",
                 std::to_string(bytes) + " bytes, more than the " + mebibytes(max_bytes) + " a " + what +
                     " may hold (the limit)");
  };
  if (const auto size = fs::file_size(path, ec); !ec && size > max_bytes) throw too_big(size);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(where, "", "cannot open " + what);
  // Read no more than the limit allows, even from a file that grows while it is read.
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) throw too_big(text.size());
  }
  if (in.bad()) throw Error(where, "", "cannot read " + what);
  return text;
}

}  // namespace dpcast::models
