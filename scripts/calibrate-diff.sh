#!/usr/bin/env bash
# Checks diff's default tolerances (not a test: it takes minutes). For SEEDS seeds, 100k clean transactions, the
# same with a 2-point regional shift and with a doubled fraud rate are validated; then each clean report is
# diffed against the next seed's clean report (must pass), shifted report (must drift on transactions.regions)
# and doubled-fraud report (must drift on transactions.fraud_rate). Prints per pair the largest share of a
# tolerance any split, rate or count used, and exits 1 when a diff goes the wrong way.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/ecomdata}
[ -x "$BIN" ] || BIN=.build/debug/ecomdata
DIR=${DIR:-/tmp/ecomdata-calibrate-diff}
SEEDS=${SEEDS:-8}
mkdir -p "$DIR"
report() { # name seed overrides...
  local name=$1 seed=$2; shift 2
  "$BIN" generate --type transactions --count 100000 --seed "$seed" "$@" --out "$DIR/t.ndjson" 2>/dev/null
  "$BIN" validate "$DIR/t.ndjson" --seed "$seed" --json "$DIR/$name-$seed.json" >/dev/null 2>&1 || true
}
for seed in $(seq "$SEEDS"); do
  report clean "$seed"
  report shifted "$seed" --set regions.Europe.weight=0.32 --set "regions.North America.weight=0.43"
  report fraud "$seed" --set fraud_rate=0.002
done
rm -f "$DIR/t.ndjson"
wrong=0
rate_missed=0
for seed in $(seq $((SEEDS - 1))); do
  next=$((seed + 1))
  for kind in clean shifted fraud; do
    status=0
    "$BIN" diff "$DIR/clean-$seed.json" "$DIR/$kind-$next.json" --json "$DIR/d.json" >/dev/null || status=$?
    expected=$([ "$kind" = shifted ] && echo transactions.regions || echo transactions.fraud_rate)
    line=$(python3 - "$DIR/d.json" "$expected" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
expected = sys.argv[2]
used = [(c["value"] / c["tolerance"], c["id"]) for c in d["comparisons"]
        if c["kind"] in ("split", "rate", "count") and c["status"] != "inconclusive" and c["tolerance"] > 0]
worst = max(used)
drift = [c["id"] for c in d["comparisons"] if c["status"] == "drift" and c["gating"]]
print(f"worst {worst[0]:.2f} of tolerance ({worst[1]}); gating drift: {', '.join(drift) or 'none'}"
      f"{'; EXPECTED-DRIFT' if expected in drift else ''}")
PY
)
    echo "seed $seed vs $kind $next: exit $status, $line"
    case $kind in
      clean) [ "$status" -eq 0 ] || wrong=$((wrong + 1)) ;;
      shifted) [[ $status -eq 1 && $line == *EXPECTED-DRIFT* ]] || wrong=$((wrong + 1)) ;;
      fraud)
        [ "$status" -eq 1 ] || wrong=$((wrong + 1))
        [[ $line == *EXPECTED-DRIFT* ]] || rate_missed=$((rate_missed + 1)) ;;
    esac
  done
done
rm -rf "$DIR"
echo "diffs that went the wrong way: $wrong; doubled fraud rates the rate comparison alone missed: $rate_missed of $((SEEDS - 1))"
[ "$wrong" -eq 0 ]
