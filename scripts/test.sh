#!/usr/bin/env bash
# Runs the whole test suite, installing what the end-to-end tests read PDFs with
# (poppler-utils: pdftotext/pdfinfo; qpdf), the browser the export test opens index.html in
# and the browser test drives (chromium, chromium-driver) when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
# Chromium (headless) opens the exported index.html offline in tests/export.rs; the browser
# test (tests/browser.rs) drives it through chromedriver.
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installerar ${need[*]} …"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Best effort, never fatal: a CUPS PDF printer for the real print test in tests/print.rs
# (it skips without one). RESERVPACK_TEST_CUPS=0 turns this off.
setup_cups() {
  if [ "$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else return 1; fi
  if ! command -v lpstat >/dev/null 2>&1 || [ ! -e /usr/lib/cups/backend/cups-pdf ]; then
    echo "Installerar cups och printer-driver-cups-pdf (för utskriftstestet) …"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq cups printer-driver-cups-pdf >/dev/null
  fi
  if ! lpstat -r 2>/dev/null | grep -q "is running"; then
    $SUDO cupsd && sleep 2
  fi
  if ! lpstat -v 2>/dev/null | grep -q "cups-pdf:/"; then
    $SUDO lpadmin -p reservpack-pdf -v cups-pdf:/ -P /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd -E 2>/dev/null
  fi
}
if [ "${RESERVPACK_TEST_CUPS:-1}" != 0 ]; then
  setup_cups || echo "CUPS-PDF kunde inte ställas in; testet som skriver ut på riktigt hoppas över."
fi
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --no-fail-fast "$@"
else
  cargo test --no-fail-fast "$@"
fi
