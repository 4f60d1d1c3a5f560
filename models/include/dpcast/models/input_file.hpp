#pragma once
// Every file dpcast reads (scenarios, model files, profiles, records, logs, CSV tables) is read
// through this, so that what is not a readable regular file is a located error: a folder, a
// device or FIFO (reading one can block forever), a loop of symbolic links.
#include <string>

namespace dpcast::models {

/// The text of the regular file at `path` (links followed). Throws dpcast::Error naming the
/// path: "cannot open <what>" (missing, unreadable, or a loop of links, with the reason), "is a
/// directory, not a <what>", or "not a regular file (a device, FIFO or socket), not a <what>".
[[nodiscard]] std::string read_input_file(const std::string& path, const std::string& what = "file");

}  // namespace dpcast::models
