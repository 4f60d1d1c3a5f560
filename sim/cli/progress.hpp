#pragma once
// A progress bar on stderr for long runs (sweeps, plans), only when stderr is a terminal.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <iostream>
#include <string>

namespace dpcast::cli {

class Progress {
 public:
  /// Draws nothing for fewer than `min_total` units of work.
  explicit Progress(std::size_t min_total = 50) : min_total_(min_total), terminal_(::isatty(STDERR_FILENO)) {}
  ~Progress() { finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void tick(std::size_t done, std::size_t total) {
    if (!terminal_ || total < min_total_ || total == 0) return;
    if (done != total && done % std::max<std::size_t>(1, total / 100) != 0 && done < last_ + total / 100) return;
    last_ = done;
    const int filled = static_cast<int>(30 * std::min(done, total) / total);
    std::cerr << "\r[" << std::string(filled, '#') << std::string(30 - filled, ' ') << "] " << done << "/" << total
              << std::flush;
    drawn_ = true;
    if (done >= total) finish();
  }
  /// Ends the bar's line (if one was drawn).
  void finish() {
    if (drawn_) std::cerr << "\n" << std::flush;
    drawn_ = false;
  }

 private:
  std::size_t min_total_;
  bool terminal_;
  bool drawn_ = false;
  std::size_t last_ = 0;
};

}  // namespace dpcast::cli
