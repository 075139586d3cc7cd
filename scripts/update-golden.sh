#!/usr/bin/env bash
# Rewrites fixtures/golden/digests.json from the current build: a deliberate, reviewed step when a change
# to generated output is intended. Run `git diff fixtures/golden` afterwards and explain the change.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug/ecomdata
args=(--count 2000 --seed 7 --start 2024-09-02 --end 2024-09-09 --threads 2)
{
  printf '{\n  "comment": "SHA-256 of `ecomdata generate --type T` with these arguments; update with `make golden`",\n'
  printf '  "arguments": ["%s"' "${args[0]}"; for a in "${args[@]:1}"; do printf ', "%s"' "$a"; done; printf '],\n'
  printf '  "digests": {\n'
  first=1
  for t in transactions user_events product_updates fraud_alerts analytics_results; do
    d=$("$bin" generate --type "$t" "${args[@]}" | sha256sum | cut -c1-64)
    [ $first -eq 1 ] || printf ',\n'
    printf '    "%s": "%s"' "$t" "$d"; first=0
  done
  printf '\n  }\n}\n'
} > fixtures/golden/digests.json
cat fixtures/golden/digests.json
