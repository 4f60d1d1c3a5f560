#pragma once
// The GPU fields of a calibrated profile, one row each: how parse_profile reads it, how
// profile_yaml writes it and how apply_profile puts it in place of the catalogue's figure.
// A field is added to GpuProfile (profile.hpp) and here, nowhere else. Private to profile.cpp.
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "dpcast/models/profile.hpp"
#include "dpcast/models/yaml_reader.hpp"

namespace dpcast::models {

struct GpuProfileField {
  std::string_view key;
  /// Reads the field from the GPU's map (absent: left unset).
  void (*read)(MapReader& gpu, std::string_view key, GpuProfile& profile);
  /// Writes the field's lines (nothing when unset).
  void (*write)(std::ostream& out, std::string_view key, const GpuProfile& profile);
  /// Replaces the catalogue GPU's figure with the field's (nothing when unset).
  void (*apply)(const GpuProfile& profile, Gpu& gpu);
};

/// Every GPU field, in the order they are read and written.
[[nodiscard]] std::span<const GpuProfileField> gpu_profile_fields();

/// A number as profiles write it ("%.6g").
[[nodiscard]] std::string profile_number(double x);

/// [[size, value], ...] with sizes increasing and values in (0, most].
[[nodiscard]] EfficiencyCurve read_curve(const YamlValue& value, double most);
/// The same, written on one line.
[[nodiscard]] std::string curve_text(const EfficiencyCurve& c);

}  // namespace dpcast::models
