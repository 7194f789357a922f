#!/usr/bin/env bash
# Instructions and simulated cache misses of the national-scale audit (issue 9), counted by
# valgrind's cachegrind: the same binary on the same data gives the same count on every run,
# whatever else the host runs, where wall and CPU time on the shared 2-core host swing by
# 30 % and more within minutes (sessions 11-17). A change that saves work shows here even
# when hyperfine cannot see it; it does not show what a cache miss costs in time (cachegrind
# counts misses, it does not time them), so confirm a gain in time with
# scripts/bench-national.sh when the host is quiet.
#   scripts/bench-instructions.sh BINARY...      (each binary on each data set)
# Data: target/bench-data/national-1 and national-1-unmatched (scripts/gen-bench-data.py,
# one copy of the Shanxi list, 100,000 organizations, clean and with a third of the
# communities misspelt; reads ../shared/data/divisions), made when missing. (The set with
# rows of another province needs several copies, and has stayed within 1.05x of clean.) SHA-256 of the inputs is left out of the "own" column: under valgrind the sha2
# crate cannot use the CPU's SHA instructions and runs its portable code (about 29 % of all
# instructions there, against 2-3 % of the time natively).
# Needs valgrind (apt-get install valgrind); about 12 s per binary and data set.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }
for t in valgrind cg_annotate python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "$t not found (apt-get install valgrind python3)" >&2; exit 1; }
done
OUT=target/bench-data
# shellcheck source=scripts/bench-gen.sh
. scripts/bench-gen.sh
gen "$OUT/national-1" --scale 1
gen "$OUT/national-1-unmatched" --scale 1 --unmatched 0.33

printf '| data | binary | instructions | own (without SHA-256) | vs clean | D1 misses | LL misses |\n'
printf '|---|---|---:|---:|---:|---:|---:|\n'
for b in "$@"; do
    clean=""
    for s in national-1 national-1-unmatched; do
        cg=$(mktemp)
        log=$(mktemp)
        valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file="$cg" \
            "$b" audit --plan shanxi-2021-2023 --as-of 2023-12-31 --format csv --fail-on never \
            "$OUT/$s/communities.csv" "$OUT/$s/orgs.csv" >/dev/null 2>"$log"
        total=$(awk '/I *refs:/ {gsub(",", "", $4); print $4}' "$log")
        d1=$(awk '/D1 *misses:/ {gsub(",", "", $4); print $4}' "$log")
        ll=$(awk '/LL misses:/ {gsub(",", "", $4); print $4}' "$log")
        sha=$(cg_annotate --show=Ir "$cg" 2>/dev/null \
            | awk '/sha2::sha256/ {gsub(",", "", $1); s += $1} END {print s + 0}')
        own=$((total - sha))
        [ -n "$clean" ] || clean=$own
        python3 - "$s" "$(basename "$b")" "$total" "$own" "$clean" "$d1" "$ll" <<'PY'
import sys
s, b, total, own, clean, d1, ll = sys.argv[1:]
ratio = "" if s == "national-1" else f"{int(own) / int(clean):.3f}×"
print(f"| {s} | {b} | {int(total):,} | {int(own):,} | {ratio} | {int(d1):,} | {int(ll):,} |")
PY
        rm -f "$cg" "$log"
    done
done
