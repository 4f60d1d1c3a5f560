#include "dpcast/models/input_file.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dpcast/models/error.hpp"

namespace dpcast::models {

std::string read_input_file(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  const SourceLocation where{path, 0, 0};
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);  // follows links
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw Error(where, "", "cannot open " + what + ": " + ec.message());
  if (fs::is_directory(status)) throw Error(where, "", "is a directory, not a " + what);
  if (fs::exists(status) && !fs::is_regular_file(status))
    throw Error(where, "", "not a regular file (a device, FIFO or socket), not a " + what);
  std::ifstream in(path);
  if (!in) throw Error(where, "", "cannot open " + what);
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(where, "", "cannot read " + what);
  return text.str();
}

}  // namespace dpcast::models
