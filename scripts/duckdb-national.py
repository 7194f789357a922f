#!/usr/bin/env python3
"""The skilled analyst's alternative to `zhibiao audit` on the national benchmark data
(issue 9): the core of the Shanxi plan's organization-density audit written as DuckDB
SQL, timed on the same files, with DuckDB's bare row count for scale.

    pip install duckdb
    python3 scripts/duckdb-national.py DIR [--runs N] [--threads N]

DIR holds communities.csv and orgs.csv from `scripts/gen-bench-data.py --scale N`.
The SQL does less than zhibiao: no header detection, encoding detection, place-name
normalization, misspelling suggestions, issue accounting or report; it counts the
organizations active on 2023-12-31 (founded by then, not dissolved), one per name and
place, per county and urban/rural kind, against the county's communities of that kind.
Prints the median wall time of each query over N runs (default 5) and the peak RSS of
this process (DuckDB runs in it).
"""

import argparse
import resource
import statistics
import sys
import time

import duckdb

DENSITY = """
WITH c AS (
    SELECT 市, 县区, 街道乡镇, 社区, substr(城乡分类代码, 1, 1) = '1' AS urban
    FROM read_csv('{dir}/communities.csv', all_varchar = true, header = true)
),
o AS (
    SELECT DISTINCT 组织名称, 市, 县区, 街道乡镇, 社区
    FROM read_csv('{dir}/orgs.csv', all_varchar = true, header = true)
    WHERE coalesce(注销日期, '') = ''
      AND coalesce(状态, '') <> '注销'
      AND coalesce(成立日期, '') <= '2023-12-31'
),
oc AS (
    SELECT c.市, c.县区, c.urban, count(*) AS n
    FROM o JOIN c USING (市, 县区, 街道乡镇, 社区)
    GROUP BY ALL
),
cc AS (SELECT 市, 县区, urban, count(*) AS m FROM c GROUP BY ALL)
SELECT cc.市, cc.县区, cc.urban, cc.m, coalesce(oc.n, 0) AS n,
       coalesce(oc.n, 0) * 100.0 / cc.m AS per_100
FROM cc LEFT JOIN oc USING (市, 县区, urban)
ORDER BY ALL
"""

COUNT = "SELECT count(*) FROM read_csv('{dir}/orgs.csv', all_varchar = true, header = true)"


def timed(con, sql, runs):
    times = []
    rows = None
    for _ in range(runs):
        start = time.perf_counter()
        rows = con.execute(sql).fetchall()
        times.append(time.perf_counter() - start)
    return statistics.median(times), rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    t_count, rows = timed(con, COUNT.format(dir=args.dir), args.runs)
    print(f"duckdb count(*) orgs.csv: {t_count:.2f} s median of {args.runs} ({rows[0][0]} rows)")
    t_density, rows = timed(con, DENSITY.format(dir=args.dir), args.runs)
    print(f"duckdb density audit: {t_density:.2f} s median of {args.runs} ({len(rows)} county rows)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"duckdb peak RSS: {peak:.0f} MB (threads {args.threads})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
