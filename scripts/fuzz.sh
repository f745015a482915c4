#!/usr/bin/env bash
# The long fuzz campaign (issue 13): every `fuzz_…` test (the CSV and JSON readers, the
# personnummer, date and time parsers, the whole ingest of a mutated export, the privacy
# matcher) with RESERVPACK_FUZZ_CASES generated inputs each (default here 10,000; the
# ordinary test run uses 256). Passes only with no panic. Extra arguments go to the runner.
#   scripts/fuzz.sh                              # 10,000 inputs per harness
#   RESERVPACK_FUZZ_CASES=100000 scripts/fuzz.sh # a longer campaign
#   RESERVPACK_FUZZ_PROFILE=dev scripts/fuzz.sh  # without building the release profile
set -euo pipefail
cd "$(dirname "$0")/.."
export RESERVPACK_FUZZ_CASES="${RESERVPACK_FUZZ_CASES:-10000}"
profile="${RESERVPACK_FUZZ_PROFILE:-release}"
echo "Fuzzning: ${RESERVPACK_FUZZ_CASES} indata per läsare …"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --cargo-profile "$profile" --no-fail-fast --lib -E 'test(fuzz_)' "$@"
else
  cargo test --profile "$profile" --lib fuzz_ -- "$@"
fi
