#pragma once
// Every file dpcast reads (scenarios, model files, profiles, records, logs, CSV tables) is read
// through this, so that what is not a readable regular file is a located error: a folder, a
// device or FIFO (reading one can block forever), a loop of symbolic links.
#include <cstdint>
#include <string>

namespace dpcast::models {

/// The largest file of text dpcast reads by default (scenarios, model files, profiles, logs):
/// a 100,000-layer model file is 3 MiB.
inline constexpr std::uintmax_t kMaxInputFileBytes = 16ULL << 20;
/// Run records and measurement tables: a 10,000-configuration sweep with every layer's times.
inline constexpr std::uintmax_t kMaxRecordFileBytes = 1ULL << 30;

/// The text of the regular file at `path` (links followed). Throws dpcast::Error naming the
/// path: "cannot open <what>" (missing, unreadable, or a loop of links, with the reason), "is a
/// directory, not a <what>", "not a regular file (a device, FIFO or socket), not a <what>", or
/// "<size> bytes, more than the <max_bytes> a <what> may hold (the limit)".
[[nodiscard]] std::string read_input_file(const std::string& path, const std::string& what = "file",
                                          std::uintmax_t max_bytes = kMaxInputFileBytes);

}  // namespace dpcast::models
