#!/usr/bin/env bash
# Benchmark (not a test): records/s, MB/s and peak RSS per type, median of RUNS runs, release build,
# written to a file under $BENCH_DIR. Also RSS at 1M and 10M records, and the disk's own write speed
# (dd) for comparison, since output size bounds throughput.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/ecomdata
RUNS=${RUNS:-5}
DIR=${BENCH_DIR:-/tmp/ecomdata-bench}
mkdir -p "$DIR"
echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # type count -> prints "records/s MB/s rssKB" medians
  local type=$1 count=$2 rates=() mbs=() rss=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$DIR/time.txt" -f "%e %M" "$BIN" generate --type "$type" --count "$count" --seed 1 --out "$DIR/$type.ndjson" 2>/dev/null
    out=$(tail -1 "$DIR/time.txt")
    secs=${out% *}; kb=${out#* }
    bytes=$(stat -c %s "$DIR/$type.ndjson")
    rates+=("$(awk -v n="$count" -v s="$secs" 'BEGIN{printf "%.0f", n/s}')")
    mbs+=("$(awk -v b="$bytes" -v s="$secs" 'BEGIN{printf "%.1f", b/s/1e6}')")
    rss+=("$kb")
  done
  printf '%-18s %10s records  %12s rec/s  %8s MB/s  %6s MB peak RSS  (%s B/record)\n' "$type" "$count" \
    "$(printf '%s\n' "${rates[@]}" | median)" "$(printf '%s\n' "${mbs[@]}" | median)" \
    "$(( $(printf '%s\n' "${rss[@]}" | median) / 1024 ))" "$(( bytes / count ))"
}
echo "median of $RUNS runs, output to $DIR"
measure transactions 1000000
measure user_events 2000000
measure product_updates 1000000
measure fraud_alerts 200000
measure analytics_results 1000000
echo "RSS from 1M to 10M transactions (one run each, to /dev/null):"
for n in 1000000 10000000; do
  /usr/bin/time -f "  $n transactions: %e s, %M KB peak RSS" "$BIN" generate --type transactions --count "$n" --out /dev/null 2>&1 | tail -1
done
echo "disk reference: dd of 1 GB to $DIR:"
dd if=/dev/zero of="$DIR/dd.bin" bs=1M count=1024 conv=fdatasync 2>&1 | tail -1
rm -f "$DIR"/*.ndjson "$DIR/dd.bin"
