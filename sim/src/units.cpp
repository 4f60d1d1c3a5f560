#include "dpcast/sim/units.hpp"

#include <array>
#include <cmath>
#include <cstdio>

namespace dpcast::sim {

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string signed_percent(double fraction) {
  std::string out = fraction >= 0 ? "+" : "";
  return out.append(fixed(100 * fraction, 1)).append("%");
}

namespace {
// Three significant figures.
std::string sig3(double v) {
  const double a = std::fabs(v);
  return fixed(v, a >= 100 ? 0 : a >= 10 ? 1 : 2);
}
}  // namespace

std::string human_time_if_any(double s) {
  return s > 0 ? human_time(s) : "\u2014";
}

std::string human_time(double s) {
  const double a = std::fabs(s);
  if (a == 0) return "0 s";
  if (a < 1e-6) return sig3(s * 1e9) + " ns";
  if (a < 1e-3) return sig3(s * 1e6) + " us";
  if (a < 1) return sig3(s * 1e3) + " ms";
  if (a < 3600) return sig3(s) + " s";
  if (a < 86400 * 2) return sig3(s / 3600) + " h";
  return sig3(s / 86400) + " days";
}

std::string human_bytes(double b) {
  static constexpr std::array<const char*, 6> units{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  std::size_t i = 0;
  while (std::fabs(b) >= 1024 && i + 1 < units.size()) {
    b /= 1024;
    ++i;
  }
  return (i == 0 ? fixed(b, 0) : sig3(b)) + " " + units[i];
}

std::string human_rate(double value, const std::string& unit) {
  static constexpr std::array<const char*, 6> prefixes{"", "k", "M", "G", "T", "P"};
  std::size_t i = 0;
  while (std::fabs(value) >= 1000 && i + 1 < prefixes.size()) {
    value /= 1000;
    ++i;
  }
  return sig3(value) + " " + prefixes[i] + unit;
}

}  // namespace dpcast::sim
