#pragma once
// Binary byte units, the one place they are spelt out: scenarios give bucket sizes in MiB
// (as PyTorch's bucket_cap_mb, which means MiB), messages print KiB/MiB/GiB.
namespace dpcast::models {

inline constexpr double kKiB = 1024.0;
inline constexpr double kMiB = 1024.0 * kKiB;
inline constexpr double kGiB = 1024.0 * kMiB;

}  // namespace dpcast::models
