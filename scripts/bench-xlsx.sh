#!/usr/bin/env bash
# Issue 9, two targets measured:
#  1. a province's organizations (136,564 rows) as an XLSX re-saved by LibreOffice: the
#     audit within 1.3x of the time calamine alone takes to read that sheet's cells
#     (examples/calamine_cells.rs, the same calamine), both in the same rounds of
#     hyperfine runs (each command once a round), with for reference calamine reading
#     the sheet's merged cells after (a second pass over its XML) and `inspect` of the
#     XLSX alone and with the communities;
#  2. hostile workbooks (scripts/gen-hostile-xlsx.py: a 5 MB sheet inflating to 1.5 GB of
#     XML, a stray cell at XFD1048576, a cell at column 1,048,577, a row of 1,048,577
#     cells): through `audit` and `inspect`, each answered (an error, or for the stray
#     cell a normal audit) within 5 s and 500 MB of peak RSS.
#   scripts/bench-xlsx.sh [DATA_DIR] [RUNS]      (default target/bench-data/xlsx, 5 runs)
# Generates the CSV with scripts/gen-bench-data.py (needs ../shared/data/divisions) and
# converts it with LibreOffice (soffice), credit codes as text. Results are printed, not
# committed. Do not run it while something else compiles (2 cores): the load is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-target/bench-data/xlsx}
RUNS=${2:-5}
ROWS=136564
LIMIT_S=5
LIMIT_KB=$((500 * 1000 * 1000 / 1024)) # 500 MB in the KiB of /usr/bin/time's %M

for tool in hyperfine python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$tool not found" >&2
        exit 1
    fi
done
if [ ! -x /usr/bin/time ]; then
    echo "/usr/bin/time not found; install it with: apt-get install time" >&2
    exit 1
fi

# The organizations and communities (CSV; --scale 1 writes no XLSX, so no openpyxl).
if [ ! -s "$DIR/orgs.csv" ] || [ ! -s "$DIR/communities.csv" ]; then
    python3 scripts/gen-bench-data.py "$DIR" --scale 1 --rows "$ROWS"
fi
# The organizations re-saved by LibreOffice: UTF-8 (76), from line 1, column 12
# (统一社会信用代码) as text (2), as a ledger keeps it; dates and numbers detected.
if [ ! -s "$DIR/audit/orgs.xlsx" ]; then
    if ! command -v soffice >/dev/null 2>&1; then
        echo "soffice not found; install it with: apt-get install libreoffice-calc-nogui" >&2
        exit 1
    fi
    mkdir -p "$DIR/audit"
    # A profile of its own, so that a LibreOffice already running is not asked to convert.
    soffice -env:UserInstallation="file://$(cd "$DIR" && pwd)/lo-profile" --headless \
        --infilter=CSV:44,34,76,1,12/2 --convert-to xlsx --outdir "$DIR/audit" "$DIR/orgs.csv"
fi
cp "$DIR/communities.csv" "$DIR/audit/communities.csv"
if [ ! -s "$DIR/hostile/inflate.xlsx" ] || [ ! -s "$DIR/hostile/wide.xlsx" ]; then
    python3 scripts/gen-hostile-xlsx.py "$DIR/hostile"
fi
ls -l "$DIR/orgs.csv" "$DIR/audit/orgs.xlsx" "$DIR/hostile"/*.xlsx

cargo build --release --bins --examples
BIN=target/release/zhibiao
CAL=target/release/examples/calamine_cells
XLSX=$DIR/audit/orgs.xlsx

echo
echo "nproc: $(nproc)"
free -g
echo "load before: $(uptime)"

# The XLSX is intact: every row read, and every organization found in the community
# list (its Chinese place names as written).
"$CAL" "$XLSX"
comms=$(($(wc -l <"$DIR/communities.csv") - 1))
total=$("$BIN" inspect "$DIR/audit/communities.csv" "$XLSX" | grep -a '^合计' || true)
echo "$total"
if ! grep -q "读取 $((ROWS + comms)) 行 = 使用 $((ROWS + comms)) 行" <<<"$total"; then
    echo "inspect does not read and use all $ROWS organizations and $comms communities" >&2
    exit 1
fi

echo
AUDIT="$BIN audit --plan shanxi-2021-2023 --as-of 2023-12-31 --fail-on never --format csv '$DIR/audit'"
# Rounds: each command once per round (hyperfine runs a command's runs one after the
# other; on a shared host whose speed drifts, rounds compare the commands at the same
# moments). The ratio is given both of the medians and as the median of each round's own.
rm -f "$DIR"/bench-*.json
for r in $(seq 1 "$RUNS"); do
    hyperfine --style none --runs 1 $( [ "$r" = 1 ] && echo --warmup 1 ) \
        --export-json "$DIR/bench-$r.json" \
        -n "calamine alone" "$CAL '$XLSX'" \
        -n "calamine + merges" "$CAL --merges '$XLSX'" \
        -n "audit" "$AUDIT" \
        -n "inspect xlsx" "$BIN inspect '$XLSX'" \
        -n "inspect csv+xlsx" "$BIN inspect '$DIR/audit/communities.csv' '$XLSX'" >/dev/null
done
echo "load after: $(uptime)"
/usr/bin/time -f "audit: %e s wall, %U s user, %S s sys, %M KB max RSS" \
    "$BIN" audit --plan shanxi-2021-2023 --as-of 2023-12-31 --fail-on never --format csv \
    "$DIR/audit" >/dev/null

# Hostile workbooks, each with the small community list beside it.
SUMMARY=$DIR/hostile/summary.txt
: >"$SUMMARY"
H=$DIR/hostile
for name in inflate stray far wide; do
    for cmd in audit inspect; do
        if [ "$cmd" = audit ]; then
            args=(audit --plan shanxi-2021-2023 --as-of 2023-12-31 --fail-on never --format csv
                "$H/communities.csv" "$H/$name.xlsx")
        else
            args=(inspect "$H/$name.xlsx")
        fi
        rc=0
        /usr/bin/time -f "%e %M" -o "$H/time.txt" "$BIN" "${args[@]}" >"$H/out.txt" 2>"$H/err.txt" || rc=$?
        # The last line: /usr/bin/time puts "Command exited with non-zero status" first.
        read -r secs kb < <(tail -n1 "$H/time.txt")
        # audit says why on stderr; inspect lists the file that failed on stdout and says
        # on stderr only that one failed.
        first=$(grep -a -m1 '^无法读取 failed:' "$H/out.txt" || head -n1 "$H/err.txt")
        [ -n "$first" ] || first="(nothing on stderr; stdout: $(head -c 80 "$H/out.txt" | head -n1))"
        # The stray cell is read normally (exit 0); the others are refused (exit 2,
        # naming the limit and the option that raises it).
        if [ "$name" = stray ]; then want=0; else want=2; fi
        verdict=PASS
        if [ "$rc" != "$want" ] || awk -v s="$secs" -v l="$LIMIT_S" 'BEGIN { exit !(s >= l) }' \
            || [ "$kb" -ge "$LIMIT_KB" ]; then
            verdict=FAIL
        fi
        if [ "$want" = 2 ] && ! grep -q -- '--max-' "$H/err.txt" "$H/out.txt"; then
            verdict=FAIL
        fi
        printf '%-8s %-8s exit %s  %6s s  %8s KB  %s  %s\n' "$name" "$cmd" "$rc" "$secs" "$kb" \
            "$verdict" "${first:0:160}" | tee -a "$SUMMARY"
    done
done
rm -f "$H/time.txt" "$H/out.txt" "$H/err.txt"

echo
echo "== summary ($(date -u +%F), $(nproc) cores, load: $(uptime | sed 's/.*load average: //'))"
python3 - "$DIR" "$RUNS" <<'PY'
import json, statistics, sys
d, runs = sys.argv[1], int(sys.argv[2])
times, user, system = {}, {}, {}
for r in range(1, runs + 1):
    for x in json.load(open(f"{d}/bench-{r}.json"))["results"]:
        times.setdefault(x["command"], []).extend(x["times"])
        user.setdefault(x["command"], []).append(x["user"])
        system.setdefault(x["command"], []).append(x["system"])
for name, t in times.items():
    print(f"{name:17} median {statistics.median(t):.3f} s  (min {min(t):.3f}, max {max(t):.3f}, "
          f"{len(t)} runs)  user {statistics.mean(user[name]):.3f} s  sys {statistics.mean(system[name]):.3f} s")
a, c = times["audit"], times["calamine alone"]
of_medians = statistics.median(a) / statistics.median(c)
paired = statistics.median(x / y for x, y in zip(a, c))
print(f"audit / calamine alone: {of_medians:.2f}x of the medians, {paired:.2f}x the median of the "
      f"rounds' own (target 1.3x): {'PASS' if max(of_medians, paired) <= 1.3 else 'FAIL'}")
PY
echo "hostile workbooks (target: within ${LIMIT_S} s and 500 MB):"
cat "$SUMMARY"
