#!/usr/bin/env bash
# The city benchmark of issue 2: one day's pack on the `city` fixtures, pages/s and peak
# memory, against 400 of the same schedules compiled as ONE Typst document in the same run.
# Usage: ./scripts/bench.sh            (RESERVPACK_BENCH_SCALE=unit for a quick run)
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo bench --bench city
