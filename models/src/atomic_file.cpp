#include "dpcast/models/atomic_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "dpcast/models/error.hpp"

namespace dpcast::models {
namespace {

// Where the text goes: the path itself, or the regular file a symbolic link names. Anything
// that exists and is not a regular file is refused.
std::filesystem::path writable_target(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) throw Error(SourceLocation{}, "-o", "expected a file name, or - for standard output");
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);  // follows links
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw Error(SourceLocation{path, 0, 0}, "", "cannot write file: " + ec.message());
  if (!fs::exists(status)) return path;  // new (or a link to a new file: written as the path)
  if (!fs::is_regular_file(status))
    throw Error(SourceLocation{path, 0, 0}, "",
                fs::is_directory(status) ? "is a folder; give a file name"
                                         : "not a regular file (a device, FIFO or socket); results are written to "
                                           "regular files only");
  return fs::is_symlink(fs::symlink_status(path, ec)) ? fs::canonical(path, ec) : fs::path(path);
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::filesystem::path target = writable_target(path);
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

void write_stdout(const std::string& text) {
  errno = 0;
  std::cout << text;
  std::cout.flush();
  if (!std::cout) {
    const std::string why = errno != 0 ? std::strerror(errno) : "write failed";
    std::cout.clear();
    throw Error(SourceLocation{}, "standard output", "cannot write: " + why);
  }
}

void check_output_path(const std::string& path) {
  if (path != "-") (void)writable_target(path);
}

void write_output(const std::string& path, const std::string& text) {
  if (path == "-") {
    write_stdout(text);
    return;
  }
  write_file_atomically(path, text);
}

}  // namespace dpcast::models
