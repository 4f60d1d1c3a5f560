#!/usr/bin/env python3
"""XLA's measured GEMM table to CSV, and the fit behind the catalogue's matrix figures.

XLA keeps a table of measured matrix-product throughput per GPU architecture
(openxla/xla xla/service/gpu/model/matmul_interpolator_data.h; made by
xla/tools/matmul_perf_table_gen, the median CUPTI kernel time of 5 runs), one entry per
batched product b x [m x k] x [k x n] with m, n, k from 256 to 4096.

  scripts/xla_matmul_table.py csv  HEADER ARCH > tests/sim/data/xla-h100-matmul.csv
  scripts/xla_matmul_table.py fit  HEADER ARCH PEAK_FLOPS

`fit` prints the compute_efficiency E and matrix_kernel_fixed_s t0 of the catalogue's
model, time = FLOP / (E x PEAK) + t0, that minimise the mean squared log error over
the products of at least 1 GFLOP, and the mean absolute error of that fit.
"""
import math
import re
import sys

KEY = "bf16xbf16->bf16"


def entries(text, arch):
    """(b, m, n, k, bf16 FLOP/s) of every entry of one architecture."""
    start = text.find(f'key: "{arch}"')
    if start < 0:
        sys.exit(f"{arch}: not in the table")
    ends = [i for i in (text.find('key: "sm_', start + 1), text.find('key: "gfx', start + 1)) if i > 0]
    block = text[start:min(ends)] if ends else text[start:]
    rows = []
    for e in re.finditer(r"b: (\d+)\s*m: (\d+)\s*n: (\d+)\s*k: (\d+)(.*?)(?=entries|\Z)", block, re.S):
        flops = dict(re.findall(r'key: "([^"]+)"\s*value: ([0-9.e+]+)', e.group(5)))
        if KEY in flops:
            rows.append((*map(int, e.groups()[:4]), float(flops[KEY])))
    return rows


def fit(rows, peak):
    """E and t0 minimising the squared log error; for each t0 the best E by golden section."""
    points = [(2.0 * b * m * n * k, 2.0 * b * m * n * k / f) for b, m, n, k, f in rows if 2.0 * b * m * n * k >= 1e9]

    def loss(e, t0):
        return sum(math.log((flop / (e * peak) + t0) / t) ** 2 for flop, t in points)

    def best_e(t0):
        lo, hi = 0.2, 1.2
        for _ in range(60):
            a, b = lo + 0.382 * (hi - lo), lo + 0.618 * (hi - lo)
            lo, hi = (lo, b) if loss(a, t0) < loss(b, t0) else (a, hi)
        return (lo + hi) / 2

    t0 = min((i * 0.05e-6 for i in range(400)), key=lambda t: loss(best_e(t), t))
    e = best_e(t0)
    mape = sum(abs((flop / (e * peak) + t0) / t - 1) for flop, t in points) / len(points)
    return e, t0, mape, len(points)


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("csv", "fit"):
        sys.exit(__doc__)
    rows = entries(open(sys.argv[2]).read(), sys.argv[3])
    if sys.argv[1] == "csv":
        print("b,m,n,k,bf16_flops_per_s")
        for b, m, n, k, f in rows:
            print(f"{b},{m},{n},{k},{int(f)}")
    else:
        e, t0, mape, n = fit(rows, float(sys.argv[4]))
        print(f"{n} products of >= 1 GFLOP: compute_efficiency {e:.3f}, matrix_kernel_fixed_s {t0 * 1e6:.2f}e-6, "
              f"MAPE {mape * 100:.1f}%")


if __name__ == "__main__":
    main()
