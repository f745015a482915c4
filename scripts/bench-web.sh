#!/usr/bin/env bash
# Issue 15 benchmark: "Skapa om pärmen" on the web page, on the city fixtures, must answer in
# under 2 s: from the POST of the button until the run's status says finished (what the
# enhetschef waits for in the browser).
#
#   BENCH_DIR=/tmp/rp-city ./scripts/bench-web.sh
#       reuses the fixtures, the full pack and the binary copy that ./scripts/bench-person.sh
#       keeps in BENCH_DIR (run that first; it builds --release and makes the pack once)
#   RUNS=10 PERSON=P004711 PORT=18080 …
#
# Each timed run first gives the person's genomförandeplan a new version, so every run really
# renders the new plan, the unit's lists and history, rebuilds the unit's batches and publishes.
# Prints each wall time, the median and the maximum. An untimed first run and a pause (SETTLE
# seconds, default 10) let the server's start-up check of the exports finish first.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${BENCH_DIR:?set BENCH_DIR to the directory ./scripts/bench-person.sh used}
RUNS=${RUNS:-5}
PORT=${PORT:-18080}
IN="$DIR/city"
OUT="$DIR/out"
BIN="$DIR/reservpack"
[ -x "$BIN" ] && [ -f "$OUT/manifest.json" ] || { echo "kör ./scripts/bench-person.sh med BENCH_DIR=$DIR först" >&2; exit 2; }
PERSON=${PERSON:-$(awk -F';' 'NR > 1 && $12 == "ingen" { print $1; exit }' "$IN/personer.csv")}
UNIT=$(awk -F';' -v p="$PERSON" 'NR > 1 && $1 == p { print $11 }' "$IN/personer.csv")
NAME=$(awk -F';' -v p="$PERSON" 'NR > 1 && $1 == p { print $4 " " $5 }' "$IN/personer.csv")
BASE="http://127.0.0.1:$PORT"
JAR=$(mktemp)
LOG=$(mktemp)
PASS="bench-$(date +%s)-lösen"

"$BIN" user remove bench --out "$OUT" >/dev/null 2>&1 || true
echo "$PASS" | "$BIN" user add bench --role enhetschef --unit "$UNIT" --out "$OUT" >/dev/null
"$BIN" serve --out "$OUT" --input "$IN" --listen "127.0.0.1:$PORT" >"$LOG" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; "$BIN" user remove bench --out "$OUT" >/dev/null 2>&1 || true; rm -f "$JAR" "$LOG"; }
trap cleanup EXIT
for _ in $(seq 100); do curl -fs -o /dev/null "$BASE/logga-in" && break; sleep 0.1; done

csrf_of() { sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1; }
LOGIN_CSRF=$(curl -fs -c "$JAR" -b "$JAR" "$BASE/logga-in" | csrf_of)
curl -fs -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "csrf=$LOGIN_CSRF" --data-urlencode "name=bench" --data-urlencode "password=$PASS" "$BASE/logga-in"
Q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$NAME")
KEY=$(curl -fs -b "$JAR" "$BASE/enhet/$UNIT/personer?q=$Q" | sed -n "s|.*href=\"/enhet/$UNIT/person/\([^\"]*\)\".*|\1|p" | head -n 1)
[ -n "$KEY" ] || { echo "hittade inte $PERSON på personsidan" >&2; exit 1; }

bump_plan() { python3 scripts/lib/bump_plan.py "$IN/genomforandeplaner.json" "$PERSON" "$1"; }

echo "Skapa om pärmen för $PERSON ($UNIT) på webbsidan, $RUNS gånger (efter en omätt första körning):"
times=()
for i in $(seq 0 "$RUNS"); do
  bump_plan "web-$i-$$"
  CSRF=$(curl -fs -b "$JAR" "$BASE/enhet/$UNIT/person/$KEY" | csrf_of)
  start=$(date +%s.%N)
  RUN=$(curl -fs -o /dev/null -w '%{redirect_url}' -b "$JAR" --data-urlencode "csrf=$CSRF" "$BASE/enhet/$UNIT/person/$KEY/skapa-om")
  RUN=${RUN##*/korning/}
  until curl -fs -b "$JAR" "$BASE/korning/$RUN/status" | grep -q '"finished":true'; do sleep 0.02; done
  end=$(date +%s.%N)
  outcome=$(curl -fs -b "$JAR" "$BASE/korning/$RUN" | grep -o 'Klart[^<]*' | head -n 1 || true)
  t=$(echo "$end - $start" | bc)
  # Run 0 warms up: the server's start-up check of the exports runs in the background then.
  [ "$i" = 0 ] && { printf '  uppvärmning: %.3f s\n' "$t"; sleep "${SETTLE:-10}"; continue; }
  times+=("$t")
  printf '  run %d: %.3f s  (%s)\n' "$i" "$t" "$outcome"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median %.3f s, max %.3f s over %d runs\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), a[NR], NR}'
