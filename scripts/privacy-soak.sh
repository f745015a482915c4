#!/usr/bin/env bash
# Soak test for issue 12: runs the privacy property test (tests/privacy_property.rs) with
# thousands of generated cases, release build. Each case is one `generate` on demo-sized data
# plus a scan of the whole pack, so 2000 cases take a few hours on two cores.
#   RESERVPACK_PRIVACY_CASES=500 scripts/privacy-soak.sh
# A failure prints the seed; the seed reproduces the case.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
export RESERVPACK_PRIVACY_CASES="${RESERVPACK_PRIVACY_CASES:-2000}"
echo "privacy soak: $RESERVPACK_PRIVACY_CASES cases"
cargo test --release --test privacy_property -- --nocapture "$@"
