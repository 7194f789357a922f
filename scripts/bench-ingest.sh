#!/usr/bin/env bash
# Measure `zhibiao inspect` on a 100,000-row organizations table, CSV and XLSX.
#   scripts/bench-ingest.sh [DATA_DIR]      (default target/bench-data)
# Generates the data with scripts/gen-bench-data.py if missing (needs python3 + openpyxl),
# builds the release binary and runs hyperfine (median of 7 runs after 1 warm-up).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-target/bench-data}

if ! command -v hyperfine >/dev/null 2>&1; then
    echo "hyperfine not found; install it with: apt-get install hyperfine" >&2
    exit 1
fi
if [ ! -s "$DIR/communities.csv" ] || [ ! -s "$DIR/orgs.csv" ] || [ ! -s "$DIR/orgs.xlsx" ]; then
    python3 scripts/gen-bench-data.py "$DIR"
fi
echo "nproc: $(nproc)"
cargo build --release
BIN=target/release/zhibiao
hyperfine --warmup 1 --runs 7 --export-json "$DIR/bench.json" \
    -n "inspect csv (100k rows)" "$BIN inspect '$DIR/communities.csv' '$DIR/orgs.csv'" \
    -n "inspect xlsx (100k rows)" "$BIN inspect '$DIR/communities.csv' '$DIR/orgs.xlsx'" \
    -n "audit csv (100k rows, 13 targets)" "$BIN audit --plan shanxi-2021-2023 --as-of 2023-12-31 --fail-on never --format csv '$DIR/communities.csv' '$DIR/orgs.csv'"
# Medians (hyperfine's summary shows means).
python3 - "$DIR/bench.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"median {r['median']:.3f} s  ({len(r['times'])} runs)  {r['command']}")
PY
