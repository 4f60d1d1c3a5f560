#pragma once
// Results are never half-written: every command writes through this.
#include <string>

namespace dpcast::models {

/// Writes `text` to `path` through a temporary file renamed into place, so a reader
/// never sees half a file and a failure leaves the old one. Throws dpcast::Error.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace dpcast::models
