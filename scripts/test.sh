#!/usr/bin/env bash
# Runs the whole test suite, installing what the end-to-end tests read PDFs with
# (poppler-utils: pdftotext/pdfinfo; qpdf) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installerar ${need[*]} …"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --no-fail-fast "$@"
else
  cargo test --no-fail-fast "$@"
fi
