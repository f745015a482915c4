#!/usr/bin/env bash
# Issue 6 benchmark: `generate --person` on the city fixtures (120 units, 10,000 persons,
# ~250,000 planned visits), end to end, must take at most 1 s.
#
#   ./scripts/bench-person.sh              builds --release, makes the fixtures and a full
#                                          pack once (slow: tens of minutes), then times
#                                          --person runs
#   BENCH_DIR=/tmp/rp-city ./scripts/bench-person.sh
#                                          reuses fixtures and pack kept from an earlier run
#   RUNS=10 PERSON=P004711 …               more runs, another person
#   KEEP_PACK=1 …                          keep a pack made by another build (its first
#                                          timed run may then renew more of the person's
#                                          documents, if templates changed)
#
# Each timed run gives one person's genomförandeplan a new version first (so the run really
# renders the new plan, the unit's egenkontroll and gallringslista, and writes the history),
# then runs `generate --person`. Prints each wall time, the median and the maximum, and the
# per-stage times of the last run (RESERVPACK_LOG=info).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
DATE=${DATE:-2026-11-24}
DIR=${BENCH_DIR:-$(mktemp -d /tmp/reservpack-bench-person.XXXXXX)}
IN="$DIR/city"
OUT="$DIR/out"

mkdir -p "$DIR"
cargo build --release --quiet
# A copy: a build running meanwhile must not swap the binary between the full run and the
# timed ones (other templates would make every document a new version).
BIN="$DIR/reservpack"
cp target/release/reservpack "$BIN.new" && mv "$BIN.new" "$BIN"
SUM=$(sha256sum "$BIN" | cut -d' ' -f1)

if [ ! -f "$IN/personer.csv" ]; then
  echo "Fixtures (city) → $IN"
  "$BIN" fixtures --scale city --out "$IN" >/dev/null
fi
PERSON=${PERSON:-$(awk -F';' 'NR > 1 && $12 == "ingen" { print $1; exit }' "$IN/personer.csv")}
if [ ! -f "$OUT/manifest.json" ] || { [ -z "${KEEP_PACK:-}" ] && [ "$(cat "$DIR/pack.sha256" 2>/dev/null)" != "$SUM" ]; }; then
  echo "Full pack with this binary (once; tens of minutes) → $OUT"
  /usr/bin/time -f "  full run: %e s, %M KiB peak" "$BIN" generate --input "$IN" --out "$OUT" --date "$DATE" 2>"$DIR/full.err" | tail -n 3
  echo "$SUM" > "$DIR/pack.sha256"
fi

bump_plan() { python3 scripts/lib/bump_plan.py "$IN/genomforandeplaner.json" "$PERSON" "$1"; }

echo "generate --person $PERSON on $(($(wc -l < "$IN/personer.csv") - 1)) persons, $(($(wc -l < "$IN/besok.csv") - 1)) visits:"
times=()
for i in $(seq 1 "$RUNS"); do
  bump_plan "$RANDOM$i"
  start=$(date +%s.%N)
  RESERVPACK_LOG=info "$BIN" generate --input "$IN" --out "$OUT" --date "$DATE" --person "$PERSON" >"$DIR/last.out" 2>"$DIR/last.err"
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc -l)
  times+=("$t")
  printf '  run %d: %.3f s  (%s)\n' "$i" "$t" "$(grep -o '[0-9]* nya eller ändrade' "$DIR/last.out")"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "median %.3f s, max %.3f s over %d runs\n", a[int((NR + 1) / 2)], a[NR], NR }'
echo "Stages of the last run:"
grep -E 'INFO' "$DIR/last.err" | sed -E 's/.*INFO [^ ]+ ?//; s/^/  /' || true
echo "(fixtures and pack kept in $DIR; BENCH_DIR=$DIR reuses them)"
