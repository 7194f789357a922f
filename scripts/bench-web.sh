#!/usr/bin/env bash
# Issue 13: audit a province's organizations (136,564 rows) as an HTML-table ".xls" export
# (GBK, declared gb2312, 74 MB) and as the same data in CSV; wall time and peak RSS.
#   scripts/bench-web.sh [DATA_DIR] [RUNS]      (default target/bench-data/web, 3 runs)
# Generates the CSV with scripts/gen-bench-data.py (needs ../shared/data/divisions) and
# converts it to HTML as a web system's "导出 Excel" writes it (one <table>, a title row,
# every row and cell with Excel-style attributes, credit codes marked as text). Results
# are printed, not committed. Do not run it while something else compiles (2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-target/bench-data/web}
RUNS=${2:-3}
ROWS=136564

if [ ! -s "$DIR/orgs.csv" ] || [ ! -s "$DIR/communities.csv" ]; then
    python3 scripts/gen-bench-data.py "$DIR" --scale 1 --rows "$ROWS"
fi
if [ ! -s "$DIR/html/orgs.xls" ]; then
    mkdir -p "$DIR/html" "$DIR/csv"
    cp "$DIR/communities.csv" "$DIR/html/communities.csv"
    cp "$DIR/communities.csv" "$DIR/orgs.csv" "$DIR/csv/"
    python3 - "$DIR/orgs.csv" "$DIR/html/orgs.xls" <<'PY'
import csv, html, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8", newline="") as f, open(dst, "w", encoding="gbk", newline="") as out:
    rows = csv.reader(f)
    header = next(rows)
    out.write('<html xmlns:x="urn:schemas-microsoft-com:office:excel">\n<head>\n'
              '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">\n'
              '<style>td { mso-number-format: General; border: .5pt solid windowtext; }</style>\n'
              '</head>\n<body>\n<table border="1" cellspacing="0" cellpadding="0">\n')
    out.write('<tr><td colspan="%d" align="center">山西省社区社会组织台账</td></tr>\n' % len(header))
    out.write("<tr>" + "".join('<th style="background:#ddd">%s</th>' % html.escape(h) for h in header) + "</tr>\n")
    code = header.index("统一社会信用代码") if "统一社会信用代码" in header else -1
    for r in rows:
        cells = []
        for j, v in enumerate(r):
            if j == code and v:
                cells.append("<td style=\"mso-number-format:'\\@'\">%s</td>" % v)
            else:
                cells.append('<td class="xl%d" nowrap>%s</td>' % (60 + j, html.escape(v, quote=False) if v else "&nbsp;"))
        out.write('<tr height="19" style="height:14.25pt">' + "".join(cells) + "</tr>\n")
    out.write("</table>\n</body>\n</html>\n")
PY
fi
ls -l "$DIR/csv/orgs.csv" "$DIR/html/orgs.xls"
echo "nproc: $(nproc)"
cargo build --release
BIN=target/release/zhibiao
for kind in csv html; do
    for i in $(seq "$RUNS"); do
        /usr/bin/time -f "$kind run $i: %e s wall, %M KB max RSS" \
            "$BIN" audit --plan shanxi-2021-2023 --as-of 2023-12-31 --fail-on never \
            --format csv "$DIR/$kind" > /dev/null
    done
done
# Both read the same rows: the accounting lines must agree.
for kind in csv html; do
    echo "$kind: $("$BIN" audit --plan shanxi-2021-2023 --as-of 2023-12-31 --fail-on never "$DIR/$kind" | grep 行数核对)"
done
