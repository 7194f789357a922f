#!/usr/bin/env python3
"""Benchmark inputs for `zhibiao inspect`: a 100,000-row organizations table as CSV and as
XLSX (openpyxl write-only mode), plus the matching community list, built from the real
Shanxi list (all 11 cities, 21,875 communities). Deterministic (fixed seed). Not committed.

    pip install openpyxl
    python3 scripts/gen-bench-data.py [OUT_DIR] [--rows N] [--divisions DIR]

OUT_DIR defaults to target/bench-data/; DIR defaults to ../shared/data/divisions.
Writes communities.csv, orgs.csv (UTF-8) and orgs.xlsx. Every organization's place is in
the list, so the run measures reading and matching, not error reporting.
"""

import argparse
import csv
import datetime as dt
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
SUFFIXES = ["居民委员会", "居委会", "村民委员会", "村委会"]
CATS = ["文体活动类"] * 8 + ["生活服务类"] * 5 + ["公益慈善类"] * 5 + ["专业调处类"] * 2 + ["社会工作服务机构", "枢纽型"]
NOUNS = ["舞蹈队", "秧歌队", "合唱团", "太极拳协会", "志愿服务队", "助老服务队", "邻里互助会", "调解队",
         "书画协会", "锣鼓队", "读书会", "便民服务队", "爱心帮扶队", "红白理事会", "健身队", "象棋协会"]
ADJ = ["", "夕阳红", "金秋", "阳光", "和谐", "幸福", "同心", "银龄", "快乐", "七彩", "暖心", "晨光"]
HEADER = ["序号", "组织名称", "市", "县区", "街道乡镇", "社区", "组织类别", "登记形式", "品牌组织",
          "成立日期", "注销日期", "统一社会信用代码", "状态", "服务社区"]


def short(n):
    for s in SUFFIXES:
        if n.endswith(s) and len(n) > len(s):
            return n[: -len(s)]
    return n


def credit(rng, county):
    body = "5" + rng.choice("12") + county + "".join(rng.choice("0123456789") for _ in range(9))
    s = sum(ALPHA.index(c) * w for c, w in zip(body, WEIGHTS))
    return body + ALPHA[(31 - s % 31) % 31]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default=os.path.join(ROOT, "target", "bench-data"))
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--divisions", default=os.path.join(ROOT, "..", "shared", "data", "divisions"))
    a = ap.parse_args()
    import openpyxl

    with open(os.path.join(a.divisions, "shanxi-communities.csv"), encoding="utf-8", newline="") as f:
        comms = list(csv.DictReader(f))
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "communities.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["市", "县区", "街道乡镇", "社区", "城乡分类代码", "统计用区划代码"])
        for c in comms:
            w.writerow([c["city"], c["county"], c["street"], c["community"], c["urban_rural_code"], c["code"]])

    # a short name that is not unique within its street (白文居委会 / 白文村委会) is written in full
    seen = {}
    for c in comms:
        k = (c["code"][:9], short(c["community"]))
        seen[k] = seen.get(k, 0) + 1
    rng = random.Random(100_000)
    base = dt.date(2012, 1, 1).toordinal()
    rows = []
    for i in range(1, a.rows + 1):
        c = rng.choice(comms)
        cat = rng.choice(CATS)
        reg = rng.random() < 0.15
        founded = dt.date.fromordinal(base + rng.randrange(4383))
        dissolved = dt.date.fromordinal(founded.toordinal() + rng.randrange(30, 1500)) if rng.random() < 0.02 else None
        unique = seen[(c["code"][:9], short(c["community"]))] == 1
        comm = short(c["community"]) if unique and rng.random() < 0.8 else c["community"]
        rows.append([i, f"{short(c['community'])}{rng.choice(ADJ)}{rng.choice(NOUNS)}{i}", c["city"], c["county"],
                     c["street"], comm, cat, "登记" if reg else "备案", "是" if rng.random() < 0.01 else "否",
                     founded.isoformat(), dissolved.isoformat() if dissolved else "",
                     credit(rng, c["code"][:6]) if reg else "", "注销" if dissolved else "正常", ""])
    with open(os.path.join(a.out, "orgs.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("组织")
    ws.append(HEADER)
    for r in rows:
        r = list(r)
        r[9] = dt.date.fromisoformat(r[9])
        r[10] = dt.date.fromisoformat(r[10]) if r[10] else None
        ws.append([None if v == "" else v for v in r])
    wb.save(os.path.join(a.out, "orgs.xlsx"))
    for n in ("communities.csv", "orgs.csv", "orgs.xlsx"):
        p = os.path.join(a.out, n)
        print(f"{p}\t{os.path.getsize(p):,} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
