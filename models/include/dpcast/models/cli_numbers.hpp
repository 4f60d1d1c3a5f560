#pragma once
// Checks of command-line numbers, for the command lines' CLI11 options (header only: include it
// where CLI11 is linked). CLI11's PositiveNumber, NonNegativeNumber and Range let "nan" through,
// since every comparison with NaN is false (dpcast-train --comm-timeout nan waited forever on
// nothing), and answer "inf" with a 309-digit range.
#include <CLI/CLI.hpp>
#include <string>

#include "dpcast/models/yaml_reader.hpp"

namespace dpcast::cli_numbers {

/// A finite number above 0 (or, with `zero_too`, 0 as well).
inline CLI::Validator finite(bool zero_too) {
  const std::string expected = zero_too ? "expected a finite number of 0 or more" : "expected a finite number above 0";
  return {[expected, zero_too](std::string& text) {
            const auto value = models::finite_number(text);
            const bool ok = value && (zero_too ? *value >= 0 : *value > 0);
            return ok ? std::string() : expected + ", got " + text;
          },
          zero_too ? "NUMBER>=0" : "NUMBER>0", zero_too ? "non-negative number" : "positive number"};
}

inline const CLI::Validator kPositive = finite(false);
inline const CLI::Validator kNonNegative = finite(true);

}  // namespace dpcast::cli_numbers
