#include "dpcast/models/atomic_file.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "dpcast/models/error.hpp"

namespace dpcast::models {

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::filesystem::path target(path);
  std::string tmp_name = ".";
  tmp_name.append(target.filename().string()).append(".tmp").append(std::to_string(::getpid()));
  const std::filesystem::path tmp = target.parent_path() / tmp_name;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(SourceLocation{path, 0, 0}, "", "cannot write file");
    out << text;
    out.flush();
    if (!out) {
      std::filesystem::remove(tmp);
      throw Error(SourceLocation{path, 0, 0}, "", "write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, target, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    throw Error(SourceLocation{path, 0, 0}, "", "cannot rename into place: " + ec.message());
  }
}

}  // namespace dpcast::models
