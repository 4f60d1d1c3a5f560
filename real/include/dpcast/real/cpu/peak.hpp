#pragma once
// What one core of this machine can do at most, measured rather than assumed: the catalogue's
// cpu-core entry guesses an AVX2 core at 3 GHz, but machines differ (AVX-512, clocks), and
// efficiencies are only meaningful against the machine's own peak.
namespace dpcast::real::cpu {

/// fp32 FLOP/s of one thread running independent fused multiply-adds with the widest vector
/// unit the CPU has (AVX-512, AVX2 + FMA, else SSE2), best of a few runs of ~50 ms.
[[nodiscard]] double measure_peak_flops();

/// Bytes/s one thread streams through a STREAM triad (a = b + s*c) on arrays far larger
/// than the caches (3 x 32 MiB; reads and writes counted as STREAM counts them), best of 5.
[[nodiscard]] double measure_memory_bandwidth();

}  // namespace dpcast::real::cpu
