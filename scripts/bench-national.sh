#!/usr/bin/env bash
# National-scale audit benchmark (issue 9): the Shanxi list replicated SCALE times (each copy
# with city names of its own, division codes blank) and SCALE × 100,000 organizations, clean,
# with ~43 % of the rows in copies that carry another province's codes (--outside 0.43), and
# with a third of the communities misspelt (--unmatched 0.33); plus the 1-copy clean run.
#   scripts/bench-national.sh [SCALE] [OTHER_BINARY...]      (SCALE default 28)
# Data goes to target/bench-data/national-*/ (python3; reads ../shared/data/divisions).
# Builds the release binary; every binary given after SCALE is measured too, interleaved with
# it run by run (hyperfine runs one command after the other, so the noisy shared host is
# averaged the same way for all of them). hyperfine: medians of RUNS (default 5) runs after
# one warm-up, with CPU (user+sys, mean) and the system time in it; /usr/bin/time -v: peak
# memory of one run. On the shared 2-core host, whole-run differences under ~5 % needed
# RUNS=8 or more to tell from noise (session 22: 4-6 rounds showed "gains" of 3-10 % that 8
# rounds showed to be nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-28}
shift || true
RUNS=${RUNS:-5}
OUT=target/bench-data

for t in hyperfine python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "$t not found (apt-get install hyperfine python3)" >&2; exit 1; }
done
# shellcheck source=scripts/bench-gen.sh
. scripts/bench-gen.sh
gen "$OUT/national-1" --scale 1
gen "$OUT/national-$SCALE" --scale "$SCALE"
gen "$OUT/national-$SCALE-outside" --scale "$SCALE" --outside 0.43
gen "$OUT/national-$SCALE-unmatched" --scale "$SCALE" --unmatched 0.33

cargo build --release
mkdir -p target/bench-bin
cp target/release/zhibiao target/bench-bin/zhibiao-this
BINS=(target/bench-bin/zhibiao-this "$@")
SETS=(national-1 "national-$SCALE" "national-$SCALE-outside" "national-$SCALE-unmatched")
echo "nproc $(nproc), memory $(free -g | awk '/^Mem/ {print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg)"

args=()
for s in "${SETS[@]}"; do
    for b in "${BINS[@]}"; do
        args+=(-n "$(basename "$b") $s"
            "$b audit --plan shanxi-2021-2023 --as-of 2023-12-31 --format csv --fail-on never --max-rows 10000000 $OUT/$s/communities.csv $OUT/$s/orgs.csv")
    done
done
# Each data set once per binary per round: rounds interleave the binaries.
rm -f "$OUT"/national-run-*.json
for r in $(seq 1 "$RUNS"); do
    hyperfine --style none --runs 1 $( [ "$r" = 1 ] && echo --warmup 1 ) \
        --export-json "$OUT/national-run-$r.json" "${args[@]}" >/dev/null
done
for s in "${SETS[@]}"; do
    for b in "${BINS[@]}"; do
        /usr/bin/time -v "$b" audit --plan shanxi-2021-2023 --as-of 2023-12-31 --format csv --fail-on never --max-rows 10000000 \
            "$OUT/$s/communities.csv" "$OUT/$s/orgs.csv" 2>"$OUT/national-time-$(basename "$b")-$s.txt" >/dev/null
    done
done
python3 - "$OUT" "$RUNS" "${BINS[@]}" -- "${SETS[@]}" <<'PY'
import json, re, statistics, sys, os
out, runs, rest = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
bins, sets = rest[: rest.index("--")], rest[rest.index("--") + 1 :]
wall, cpu, sys_ = {}, {}, {}
for r in range(1, runs + 1):
    for x in json.load(open(f"{out}/national-run-{r}.json"))["results"]:
        wall.setdefault(x["command"], []).append(x["median"])
        cpu.setdefault(x["command"], []).append(x["user"] + x["system"])
        sys_.setdefault(x["command"], []).append(x["system"])
def rows(s):
    n = sum(1 for _ in open(f"{out}/{s}/orgs.csv", encoding="utf-8")) - 1
    return n
print(f"| data | org rows | binary | wall median (s) | CPU mean (s) | of it sys (s) | peak RSS (MB) | vs clean |")
print(f"|---|---:|---|---:|---:|---:|---:|---:|")
clean = {}
for s in sets:
    n = rows(s)
    for b in bins:
        name = f"{os.path.basename(b)} {s}"
        t = open(f"{out}/national-time-{os.path.basename(b)}-{s}.txt").read()
        peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
        w = statistics.median(wall[name])
        if not s.endswith(("outside", "unmatched")):
            clean[b] = w
        ratio = f"{w / clean[b]:.2f}×" if s.endswith(("outside", "unmatched")) and b in clean else ""
        print(f"| {s} | {n:,} | {os.path.basename(b)} | {w:.2f} | {statistics.mean(cpu[name]):.2f} | {statistics.mean(sys_[name]):.2f} | {peak:.0f} | {ratio} |")
PY
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
