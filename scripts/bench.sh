#!/usr/bin/env bash
# Issue 18's benchmark: every figure in ONE run, so they can be compared side by side on a
# machine that drifts ±25 %. On the city fixtures (120 units, 10,000 persons), release build:
#   1. the one-document reference: 400 of the city's schedules as ONE Typst document in this
#      build (in-process, median of 3), and the Typst CLI 0.15.1 compiling
#      ../shared/bench/ref_schedules.typ (400 stamped schedules) as one document, median of 3
#      (install it once: cargo install typst-cli --version 0.15.1 --locked; skipped if absent);
#   2. a cold full pack for 2026-11-24: wall time, pages/s, its ratio to both references, peak RSS;
#   3. the nightly run: the next day (2026-11-25) after the full pack, with 2 % of persons'
#      genomförandeplaner changed: wall time, peak RSS, the time per stage;
#   4. `generate --person` on that pack (one plan changed each time): median of 5.
#
# Usage: ./scripts/bench.sh
#        BENCH_DIR=/tmp/rp-bench ./scripts/bench.sh   keep fixtures and pack there (the cold
#                                                     pack is always made again)
#        RESERVPACK_BENCH_SCALE=unit ./scripts/bench.sh   the small fixtures, for a quick run
# The cold pack takes tens of minutes on 2 cores. Peak RSS is /usr/bin/time's %M.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${RESERVPACK_BENCH_SCALE:-city}
DATE=2026-11-24
NEXT=2026-11-25
DIR=${BENCH_DIR:-$(mktemp -d /tmp/reservpack-bench.XXXXXX)}
IN="$DIR/$SCALE"
OUT="$DIR/out-$SCALE"
REF=../shared/bench
mkdir -p "$DIR"

cargo build --release --quiet --bin reservpack --bench city
BIN="$DIR/reservpack"
cp "${CARGO_TARGET_DIR:-target}/release/reservpack" "$BIN.new" && mv "$BIN.new" "$BIN"
if [ ! -f "$IN/personer.csv" ]; then
  "$BIN" fixtures --scale "$SCALE" --out "$IN" >/dev/null
fi
echo "Fixtures ($SCALE): $(($(wc -l < "$IN/personer.csv") - 1)) persons, $(($(wc -l < "$IN/besok.csv") - 1)) visits, in $IN"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
timed() { # timed LABEL CMD…: runs CMD, sets WALL (s) and RSS (MB)
  local label=$1
  shift
  /usr/bin/time -f '%e %M' -o "$DIR/time.$label" "$@"
  read -r WALL RSS_KB < "$DIR/time.$label"
  RSS=$((RSS_KB / 1024))
}
pages_of() { python3 -c 'import json,sys; print(sum(d["pages"] for d in json.load(open(sys.argv[1]))["documents"]))' "$1/manifest.json"; }
stages() { sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -a 'INFO' | sed -E 's/^.*INFO [^ ]+ ?//; s/^/    /' || true; }

echo
echo "1. Reference: 400 schedules as ONE Typst document"
REF_IN=$(RESERVPACK_BENCH_REFERENCE="$IN" cargo bench --quiet --bench city 2>/dev/null | grep 'reference in-process')
echo "  $REF_IN"
REF_IN_PPS=$(echo "$REF_IN" | sed -E 's/.*= ([0-9.]+) pages\/s.*/\1/')
REF_CLI_PPS=""
if command -v typst >/dev/null && typst --version | grep -q '0\.15\.1'; then
  work="$DIR/ref-cli"
  mkdir -p "$work"
  cp "$REF/ref_schedules.typ" "$work/"
  python3 "$REF/ref_data.py" 400 > "$work/ref_data.json"
  for i in 1 2 3; do
    s=$(date +%s.%N)
    typst compile --root "$work" --input data=ref_data.json "$work/ref_schedules.typ" "$work/ref.pdf"
    echo "$(date +%s.%N) - $s" | bc -l
  done > "$work/times"
  t=$(median < "$work/times")
  REF_CLI_PPS=$(echo "400 / $t" | bc -l)
  printf '  Typst CLI 0.15.1 (ref_schedules.typ): 400 pages in %.2f s = %.1f pages/s (median of 3)\n' "$t" "$REF_CLI_PPS"
else
  echo "  Typst CLI 0.15.1 not installed (cargo install typst-cli --version 0.15.1 --locked): its reference is skipped"
fi

echo
echo "2. Cold full pack for $DATE"
rm -rf "$OUT"
RESERVPACK_LOG=info timed cold "$BIN" generate --input "$IN" --out "$OUT" --date "$DATE" >"$DIR/cold.out" 2>"$DIR/cold.err" || true
COLD_PAGES=$(pages_of "$OUT")
COLD_PPS=$(echo "$COLD_PAGES / $WALL" | bc -l)
printf '  %s pages in %.1f s = %.1f pages/s, peak %d MB\n' "$COLD_PAGES" "$WALL" "$COLD_PPS" "$RSS"
printf '  ratio to the in-process reference: %.2f\n' "$(echo "$COLD_PPS / $REF_IN_PPS" | bc -l)"
[ -n "$REF_CLI_PPS" ] && printf '  ratio to the Typst CLI reference: %.2f (target ≥ 1.25)\n' "$(echo "$COLD_PPS / $REF_CLI_PPS" | bc -l)"
stages "$DIR/cold.err"
COLD_WALL=$WALL
COLD_RSS=$RSS

echo
echo "3. Nightly run for $NEXT, 2 % of genomförandeplaner changed"
python3 scripts/lib/bump_plan.py "$IN/genomforandeplaner.json" 2% "natt-$$" | sed 's/^/  /'
RESERVPACK_LOG=info timed night "$BIN" generate --input "$IN" --out "$OUT" --date "$NEXT" >"$DIR/night.out" 2>"$DIR/night.err" || true
printf '  %.1f s wall (target ≤ 30 s), peak %d MB (target ≤ 512 MB)\n' "$WALL" "$RSS"
grep -a '^Klart' "$DIR/night.out" | sed 's/^/  /'
stages "$DIR/night.err"
NIGHT_WALL=$WALL
NIGHT_RSS=$RSS

echo
echo "4. generate --person, 5 runs on the nightly pack"
PERSON=$(awk -F';' 'NR > 1 && $12 == "ingen" { print $1; exit }' "$IN/personer.csv")
for i in 1 2 3 4 5; do
  python3 scripts/lib/bump_plan.py "$IN/genomforandeplaner.json" "$PERSON" "person-$$-$i"
  timed person "$BIN" generate --input "$IN" --out "$OUT" --date "$NEXT" --person "$PERSON" >/dev/null 2>&1 || true
  echo "$WALL"
done > "$DIR/person.times"
PERSON_MED=$(median < "$DIR/person.times")
printf '  median %.2f s (target ≤ 1 s); runs: %s\n' "$PERSON_MED" "$(tr '\n' ' ' < "$DIR/person.times")"

echo
echo "Summary ($SCALE, $(date -u +%F), $(nproc) cores):"
CLI_TEXT="not measured"
[ -n "$REF_CLI_PPS" ] && CLI_TEXT=$(printf '%.1f pages/s' "$REF_CLI_PPS")
printf '  reference in-process %.1f pages/s; Typst CLI %s\n' "$REF_IN_PPS" "$CLI_TEXT"
printf '  cold pack %.1f s, %.1f pages/s, %d MB | nightly %.1f s, %d MB | --person median %.2f s\n' \
  "$COLD_WALL" "$COLD_PPS" "$COLD_RSS" "$NIGHT_WALL" "$NIGHT_RSS" "$PERSON_MED"
echo "(kept in $DIR)"
