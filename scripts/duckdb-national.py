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

# The organization targets of the Shanxi plan as one would write them in SQL, on the same
# files: the CSVs read once into tables; an organization placed at its community by the
# community's name or its short form (居委会, 村委会… stripped on both sides), or at its
# street when the community cell is blank; then, per city, the two densities (and per
# county; urban or rural by the committee in the name, else by 城乡分类代码, as zhibiao
# does by default), the four coverages (a street covered by an organization within it; a
# community by one in it, at its street, or naming it in 服务社区) and the brand count.
# Still less than zhibiao: no header or encoding detection, no checks, no issues, a
# short form shared by two communities of a street not told apart.
SHORT = "regexp_replace({col}, '(.)(居民委员会|村民委员会|居委会|村委会)$', '\\1')"
FULL = [
    f"""CREATE OR REPLACE TEMP TABLE c AS
    SELECT 市, 县区, 街道乡镇, 社区, {SHORT.format(col='社区')} AS short,
           CASE WHEN regexp_matches(社区, '(居委会|居民委员会)$') THEN true
                WHEN regexp_matches(社区, '(村委会|村民委员会)$') THEN false
                ELSE substr(城乡分类代码, 1, 1) = '1' END AS urban
    FROM read_csv('{{dir}}/communities.csv', all_varchar = true, header = true)""",
    f"""CREATE OR REPLACE TEMP TABLE o AS
    SELECT DISTINCT ON (组织名称, 市, 县区, 街道乡镇, 社区)
           组织名称, 市, 县区, 街道乡镇, 社区, {SHORT.format(col='社区')} AS short,
           组织类别 AS cat, 品牌组织 = '是' AS brand, coalesce(服务社区, '') AS serves
    FROM read_csv('{{dir}}/orgs.csv', all_varchar = true, header = true)
    WHERE (coalesce(注销日期, '') = '' AND coalesce(状态, '') <> '注销'
           OR 注销日期 > '2023-12-31')
      AND coalesce(成立日期, '') <= '2023-12-31'""",
    """CREATE OR REPLACE TEMP TABLE oc AS
    SELECT o.市, o.县区, o.街道乡镇, c.社区 AS community, c.urban, o.cat, o.brand,
           coalesce(o.社区, '') = '' AS at_street, o.serves
    FROM o LEFT JOIN c
      ON o.市 = c.市 AND o.县区 = c.县区 AND o.街道乡镇 = c.街道乡镇 AND o.short = c.short""",
    """SELECT 市, 县区, urban, count(*) AS units,
           (SELECT count(*) FROM oc WHERE oc.市 = c.市 AND oc.县区 = c.县区 AND oc.urban = c.urban
              AND oc.cat <> '社会工作服务机构') AS records
    FROM c GROUP BY ALL ORDER BY ALL""",
    """SELECT 市, urban, count(*) AS units,
           (SELECT count(*) FROM oc WHERE oc.市 = c.市 AND oc.urban = c.urban
              AND oc.cat <> '社会工作服务机构') AS records
    FROM c GROUP BY ALL ORDER BY ALL""",
    """WITH s AS (SELECT DISTINCT 市, 县区, 街道乡镇 FROM c),
    h AS (SELECT DISTINCT 市, 县区, 街道乡镇 FROM oc WHERE cat IN ('枢纽型', '支持型')
          AND (community IS NOT NULL OR at_street))
    SELECT s.市, count(*) AS streets, count(h.市) AS covered
    FROM s LEFT JOIN h USING (市, 县区, 街道乡镇) GROUP BY ALL ORDER BY ALL""",
    """WITH r AS (
        SELECT 市, 县区, 街道乡镇, community AS 社区, cat
        FROM oc WHERE community IS NOT NULL
        UNION ALL
        SELECT c.市, c.县区, c.街道乡镇, c.社区, oc.cat
        FROM oc JOIN c USING (市, 县区, 街道乡镇) WHERE oc.at_street
        UNION ALL
        SELECT oc.市, oc.县区, oc.街道乡镇, c.社区, oc.cat
        FROM (SELECT *, unnest(string_split(serves, '、')) AS served FROM oc WHERE serves <> '') oc
        JOIN c ON oc.市 = c.市 AND oc.县区 = c.县区 AND oc.街道乡镇 = c.街道乡镇
              AND {short_served} = c.short
    ),
    reached AS (SELECT 市, 县区, 街道乡镇, 社区, bool_or(cat IN ('枢纽型', '支持型')) AS hub,
                       bool_or(cat = '社会工作服务机构') AS social
                FROM r GROUP BY ALL)
    SELECT c.市, c.urban, count(*) AS communities,
           count(*) FILTER (WHERE reached.hub) AS hub_covered,
           count(*) FILTER (WHERE reached.social) AS social_covered
    FROM c LEFT JOIN reached USING (市, 县区, 街道乡镇, 社区) GROUP BY ALL ORDER BY ALL""".replace(
        "{short_served}", SHORT.format(col="oc.served")
    ),
    """SELECT 市, count(*) FILTER (WHERE brand) AS brand_orgs FROM oc GROUP BY ALL ORDER BY ALL""",
]

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
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        for sql in FULL:
            con.execute(sql.format(dir=args.dir)).fetchall()
        times.append(time.perf_counter() - start)
    print(
        f"duckdb organization targets ({len(FULL) - 3} queries over the tables read once): "
        f"{statistics.median(times):.2f} s median of {args.runs}"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"duckdb peak RSS: {peak:.0f} MB (threads {args.threads})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
