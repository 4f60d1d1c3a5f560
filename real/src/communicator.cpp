#include "dpcast/real/communicator.hpp"

#include <cstdio>

#include "dpcast/models/byte_units.hpp"

namespace dpcast::real {

std::string allreduce_name(std::size_t floats) {
  const double bytes = static_cast<double>(floats) * sizeof(float);
  char text[32];
  if (bytes >= models::kMiB)
    std::snprintf(text, sizeof text, "%.1f MiB", bytes / models::kMiB);
  else if (bytes >= 1 << 10)
    std::snprintf(text, sizeof text, "%.1f KiB", bytes / (1 << 10));
  else
    std::snprintf(text, sizeof text, "%.0f B", bytes);
  return std::string("an all-reduce of ") + text;
}

std::string not_finished(const std::string& what, double timeout_s) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", timeout_s);
  return what + " has not finished after " + seconds + " s: another rank has died or hangs";
}

}  // namespace dpcast::real
