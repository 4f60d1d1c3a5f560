#pragma once
// Results are never half-written, never written over something that is not a file, and never
// lost silently: every command writes through these.
#include <string>

namespace dpcast::models {

/// Writes `text` to `path` through a temporary file renamed into place, so a reader never sees
/// half a file and a failure leaves the old one. `path` must be new or a regular file; a
/// symbolic link to a regular file is followed (the file it names is replaced, the link kept).
/// A device, folder, FIFO or socket is refused before anything is written: renaming over
/// /dev/null as root would replace the device. Throws dpcast::Error.
void write_file_atomically(const std::string& path, const std::string& text);

/// Standard output, checked: a write or flush that fails (a full disk, /dev/full, a closed
/// pipe) throws dpcast::Error instead of exiting 0 with nothing written.
void write_stdout(const std::string& text);

/// A command's `-o`: "-" is standard output (write_stdout), anything else a file
/// (write_file_atomically). An empty name is refused.
void write_output(const std::string& path, const std::string& text);

/// Throws as write_output would refuse `path` (empty, a device, a folder...), without writing:
/// checked before a long run, so that its result is not lost at the end.
void check_output_path(const std::string& path);

}  // namespace dpcast::models
