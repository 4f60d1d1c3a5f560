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

/// Not bad input but dpcast's own failure: a fork or a pipe that fails, a child process that
/// dies, an invariant that does not hold. The commands report it as "internal error: ..."
/// with exit status 3 (bad input is 2), so that a user knows the fault is not in their file.
class InternalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Throws InternalError("file:line: invariant `cond` does not hold: message") when `cond` is
/// false. For what the code relies on and input checks should already have ensured (a
/// positive bandwidth before dividing by it), not for checking input.
#define DPCAST_ASSERT(cond, message)                                                         \
  do {                                                                                       \
    if (!(cond))                                                                             \
      throw ::dpcast::InternalError(std::string(__FILE__) + ":" + std::to_string(__LINE__) + \
                                    ": invariant `" #cond "` does not hold: " + (message));  \
  } while (false)

}  // namespace dpcast
