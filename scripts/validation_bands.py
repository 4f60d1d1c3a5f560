#!/usr/bin/env python3
"""MAPE of `dpcast validate --json` output by band: bare collectives (all sizes, >= 1 MiB) and
end-to-end training cases, in-sample and leave-one-source-out; with two files, before and after.

  build/bin/dpcast validate --json -o after.json
  scripts/validation_bands.py [before.json] after.json
"""
import json
import re
import statistics
import sys

UNITS = {'B': 1, 'KiB': 2**10, 'MiB': 2**20, 'GiB': 2**30}


def size_of(case):
    m = re.search(r'([0-9.]+) (B|KiB|MiB|GiB)$', case['configuration'])
    return float(m.group(1)) * UNITS[m.group(2)]


def mape(cases, key):
    if not cases:
        return float('nan')
    return 100 * statistics.mean(abs(c[key] - c['published']) / c['published'] for c in cases)


def bands(path):
    cases = json.load(open(path))['cases']
    collectives = [c for c in cases if c['workload'] == 'collective']
    large = [c for c in collectives if size_of(c) >= 2**20]
    training = [c for c in cases if c['workload'] != 'collective']
    return [(collectives, 'collectives, all sizes'), (large, 'collectives >= 1 MiB'), (training, 'end-to-end training')]


def main(paths):
    print('| | ' + ' | '.join(name for _, name in bands(paths[-1])) + ' |')
    print('|---|' + '---|' * 3)
    for label, path in zip(['before', 'after'][-len(paths):], paths):
        row = [f"{mape(cs, 'predicted'):.1f}% (left out {mape(cs, 'left_out_predicted'):.1f}%, n={len(cs)})"
               for cs, _ in bands(path)]
        print(f'| {label} | ' + ' | '.join(row) + ' |')


if __name__ == '__main__':
    if not 2 <= len(sys.argv) <= 3:
        sys.exit(__doc__)
    main(sys.argv[1:])
