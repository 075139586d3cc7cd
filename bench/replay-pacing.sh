#!/usr/bin/env bash
# Measures how closely `ecomdata replay` keeps to its schedule over a run of a minute or more (not a test).
# A file of transactions spanning SPAN_MINUTES of record time is replayed at SPEED into the embedded broker
# (`ecomdata broker`, another process); kcat, the independent client, reads back every message's timestamp
# (CreateTime, set when the record was handed to the producer) and the record. For each record:
#   due    = (record timestamp - first record timestamp) / SPEED
#   actual = message timestamp - first message timestamp
# and the script prints the run's length against the schedule (the drift, in %), and the largest and 99th
# percentile |actual - due| in ms and as a share of the run.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ECOMDATA:-.build/release/ecomdata}
[ -x "$BIN" ] || BIN=.build/debug/ecomdata
SPEED=${SPEED:-10}
SPAN_MINUTES=${SPAN_MINUTES:-10}
COUNT=${COUNT:-6000}
RUNS=${RUNS:-2}
DIR=$(mktemp -d /tmp/ecomdata-replay-bench.XXXXXX)
BROKER_PID=
cleanup() { [ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT

"$BIN" broker --bootstrap-file "$DIR/bootstrap" >/dev/null 2>&1 &
BROKER_PID=$!
for _ in $(seq 100); do [ -s "$DIR/bootstrap" ] && break; sleep 0.1; done
BROKERS=$(cat "$DIR/bootstrap")
END=$(date -u -d "2024-09-02T10:00:00Z + $SPAN_MINUTES minutes" +%Y-%m-%dT%H:%M:%SZ)
"$BIN" generate --type transactions --count "$COUNT" --seed 1 --start 2024-09-02T10:00:00Z --end "$END" --out "$DIR/t.ndjson" 2>/dev/null
echo "binary: $BIN; $COUNT transactions over $SPAN_MINUTES min of record time, speed x$SPEED, $RUNS run(s)"
for run in $(seq "$RUNS"); do
  topic="pacing-$run"
  "$BIN" replay "$DIR/t.ndjson" --topic "$topic" --key-field user_id --speed "$SPEED" --brokers "$BROKERS" \
    --manifest "$DIR/m-$run.json" 2>/dev/null | grep -E "sent|pacing"
  kcat -C -b "$BROKERS" -t "$topic" -o beginning -e -q -f '%T\t%s\n' > "$DIR/read-$run.tsv"
  python3 - "$DIR/read-$run.tsv" "$SPEED" <<'EOF'
import json, sys
from datetime import datetime
rows = []
for line in open(sys.argv[1]):
    sent, record = line.rstrip("\n").split("\t", 1)
    stamp = datetime.strptime(json.loads(record)["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    rows.append((stamp.timestamp() * 1000, int(sent)))
speed = float(sys.argv[2])
rows.sort()
t0, s0 = rows[0][0], min(r[1] for r in rows)
first_sent = rows[0][1]
errors = sorted(abs((s - first_sent) - (t - t0) / speed) for t, s in rows)
scheduled = (rows[-1][0] - t0) / speed
actual = max(r[1] for r in rows) - first_sent
p99 = errors[int(0.99 * (len(errors) - 1))]
print(f"  {len(rows)} records read back; run {actual / 1000:.3f} s against a {scheduled / 1000:.3f} s schedule: "
      f"drift {100 * (actual - scheduled) / scheduled:+.3f} %")
print(f"  |actual - due| per record: max {errors[-1]:.0f} ms ({100 * errors[-1] / scheduled:.3f} % of the run), "
      f"p99 {p99:.0f} ms, median {errors[len(errors) // 2]:.0f} ms")
EOF
done
