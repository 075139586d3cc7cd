#!/usr/bin/env bash
# Checks the validator's default tolerances (not a test: it takes minutes): clean transactions from 20 seeds
# must pass at 100k and 1M records, and at 100k a 2-point shift of the regional split or a doubled fraud rate
# must fail. Prints one line per run and a summary; exit 1 when a run goes the wrong way.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/ecomdata}
DIR=${DIR:-/dev/shm/ecomdata-calibrate}
SEEDS=${SEEDS:-20}
mkdir -p "$DIR"
wrong=0
verdict() { "$BIN" validate "$1" --seed "$2" --json "$DIR/r.json" >/dev/null 2>&1 || true
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r['verdict'], ' '.join(c['id']+'='+c['status'] for c in r['checks'] if c['status'] in ('warn','fail')))" "$DIR/r.json"; }
for seed in $(seq "$SEEDS"); do
  for count in 100000 1000000; do
    "$BIN" generate --type transactions --count "$count" --seed "$seed" --out "$DIR/t.ndjson" 2>/dev/null
    result=$(verdict "$DIR/t.ndjson" "$seed")
    echo "clean   seed $seed $count: $result"
    [[ $result == pass* ]] || wrong=$((wrong + 1))
  done
  "$BIN" generate --type transactions --count 100000 --seed "$seed" --set regions.Europe.weight=0.32 --set "regions.North America.weight=0.43" --out "$DIR/t.ndjson" 2>/dev/null
  result=$(verdict "$DIR/t.ndjson" "$seed"); echo "shifted seed $seed 100000: $result"
  [[ $result == fail*distribution.regions=fail* ]] || wrong=$((wrong + 1))
  "$BIN" generate --type transactions --count 100000 --seed "$seed" --set fraud_rate=0.002 --out "$DIR/t.ndjson" 2>/dev/null
  result=$(verdict "$DIR/t.ndjson" "$seed"); echo "fraud x2 seed $seed 100000: $result"
  [[ $result == *distribution.fraud_rate=fail* ]] || wrong=$((wrong + 1))
done
rm -rf "$DIR"
echo "runs that went the wrong way: $wrong"
[ "$wrong" -eq 0 ]
