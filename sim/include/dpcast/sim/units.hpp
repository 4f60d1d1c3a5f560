#pragma once
// Human-readable figures for tables and messages ("1.23 ms", "25.0 MiB", "3.4 TFLOP/s").
// Machine output (JSON, CSV) never uses these: it stays in SI units.
#include <string>

namespace dpcast::sim {

[[nodiscard]] std::string human_time(double seconds);
/// A time a record may not have (a measured record's p10-p90 or breakdown, 0 when absent):
/// "—" when it is not positive, else human_time.
[[nodiscard]] std::string human_time_if_any(double seconds);
[[nodiscard]] std::string human_bytes(double bytes);                          // binary units (KiB, MiB, GiB)
[[nodiscard]] std::string human_rate(double value, const std::string& unit);  // k, M, G, T, P
[[nodiscard]] std::string fixed(double value, int decimals);
/// A fraction as a signed percentage with one decimal: "+12.3%", "-4.0%".
[[nodiscard]] std::string signed_percent(double fraction);

}  // namespace dpcast::sim
