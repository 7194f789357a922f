#!/usr/bin/env bash
# Measure `zhibiao diff` of two province-scale exports: the 100,000-row organizations CSV of
# scripts/gen-bench-data.py (all 21,875 Shanxi communities) against a "previous" copy with
# edits (2,000 rows removed, 1,000 given a 注销日期 only now, 1,000 moved to the next row's
# place, 1,000 renamed; a row needs a credit code to be moved or renamed and be found).
#   scripts/bench-diff.sh [DATA_DIR]      (default target/bench-data)
# Generates the data if missing (python3 + openpyxl), builds the release binary and runs
# hyperfine (median of 7 runs after 1 warm-up: wall and user+sys CPU), then one run under
# /usr/bin/time for the peak memory. Other processes on the machine show in the wall time:
# compare the CPU figures, and the load average printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-target/bench-data}

if ! command -v hyperfine >/dev/null 2>&1; then
    echo "hyperfine not found; install it with: apt-get install hyperfine" >&2
    exit 1
fi
if [ ! -s "$DIR/communities.csv" ] || [ ! -s "$DIR/orgs.csv" ]; then
    python3 scripts/gen-bench-data.py "$DIR"
fi
mkdir -p "$DIR/diff-prev" "$DIR/diff-cur"
cp "$DIR/communities.csv" "$DIR/diff-prev/communities.csv"
cp "$DIR/communities.csv" "$DIR/diff-cur/communities.csv"
cp "$DIR/orgs.csv" "$DIR/diff-cur/orgs.csv"
python3 - "$DIR/orgs.csv" "$DIR/diff-prev/orgs.csv" <<'PY'
import csv, random, sys
random.seed(8)
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
head, body = rows[0], rows[1:]
NAME, CITY, COUNTY, STREET, COMM, DIS, CODE, STATUS = 1, 2, 3, 4, 5, 10, 11, 12
idx = list(range(len(body)))
random.shuffle(idx)
removed = set(idx[:2000])
dissolved = [i for i in idx[2000:] if body[i][DIS]][:1000]
coded = [i for i in idx[2000:] if body[i][CODE] and not body[i][DIS] and i not in dissolved]
moved, renamed = coded[:1000], coded[1000:2000]
out = []
for i, r in enumerate(body):
    if i in removed:
        continue
    r = list(r)
    if i in dissolved:
        r[DIS], r[STATUS] = "", "正常"
    if i in moved:
        n = body[(i + 1) % len(body)]
        r[CITY:COMM + 1] = n[CITY:COMM + 1]
    if i in renamed:
        r[NAME] = r[NAME] + "旧名"
    out.append(r)
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(head)
    w.writerows(out)
print(f"previous: {len(out)} rows (removed {len(removed)}, dissolved {len(dissolved)}, moved {len(moved)}, renamed {len(renamed)})")
PY
echo "nproc: $(nproc)"
cargo build --release
BIN=target/release/zhibiao
"$BIN" diff "$DIR/diff-prev" "$DIR/diff-cur" --as-of 2023-12-31 --by city | head -8
hyperfine --warmup 1 --runs 7 --export-json "$DIR/bench-diff.json" \
    -n "diff csv (2 x 100k rows)" "$BIN diff '$DIR/diff-prev' '$DIR/diff-cur' --as-of 2023-12-31" \
    -n "diff csv (2 x 100k rows) -o records.csv" "$BIN diff '$DIR/diff-prev' '$DIR/diff-cur' --as-of 2023-12-31 -o '$DIR/diff-records.csv'"
python3 - "$DIR/bench-diff.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    cpu = r["user"] + r["system"]  # hyperfine gives their means
    print(f"median {r['median']:.3f} s wall, mean {cpu:.3f} s CPU (user+sys)  ({len(r['times'])} runs)  {r['command']}")
PY
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "one run: %e s wall, %U s user + %S s sys, peak memory %M KB" \
        "$BIN" diff "$DIR/diff-prev" "$DIR/diff-cur" --as-of 2023-12-31 >/dev/null
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
