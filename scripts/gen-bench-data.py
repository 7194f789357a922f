#!/usr/bin/env python3
"""Benchmark inputs for `zhibiao inspect`: a 100,000-row organizations table as CSV and as
XLSX (openpyxl write-only mode), plus the matching community list, built from the real
Shanxi list (all 11 cities, 21,875 communities). Deterministic (fixed seed). Not committed.

    pip install openpyxl
    python3 scripts/gen-bench-data.py [OUT_DIR] [--rows N] [--divisions DIR]

OUT_DIR defaults to target/bench-data/; DIR defaults to ../shared/data/divisions.
Writes communities.csv, orgs.csv (UTF-8) and orgs.xlsx. Every organization's place is in
the list, so the run measures reading and matching, not error reporting.

National scale (`scripts/bench-national.sh`; CSV only, no XLSX):

    python3 scripts/gen-bench-data.py OUT_DIR --scale N [--outside F] [--unmatched F]

--scale N replicates the list N times, each copy a province's worth of cities with names of
its own (copy 1 keeps 太原市 …, copy k puts a distinct character before them: 东太原市 …),
and draws N × --rows organizations over all copies; the 统计用区划代码 column is left blank.
--outside F gives round(F × N) of the copies the division codes of another province (61…,
as an export that collected other provinces' lists): their communities are skipped as out
of the province and their organizations (about F of the rows) match no city.
--unmatched F misspells the community names of about F of the communities (one wrong
character, the same spelling on every row of that community, as a county that writes a
name wrongly does), so about F of the organization rows are unmatched with a suggestion.
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
# The character put before the city names of copy k (k ≥ 2): distinct, none a city's own.
COPY = "东西南北新上下前后中左右大小安平永长兴宁德和丰泰庆康嘉明清华盛昌"
# Characters that replace one character of a misspelt community name.
TYPO = "甲乙丙丁戊己庚辛壬癸"
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


def copy_city(city, k):
    return city if k == 0 else COPY[k - 1] + city


def misspell(name, h):
    """One character of the short name replaced (the same way for the same name)."""
    stem = short(name)
    i = h % len(stem)
    t = TYPO[h % len(TYPO)]
    if stem[i] == t:
        t = TYPO[(h + 1) % len(TYPO)]
    return stem[:i] + t + stem[i + 1 :]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default=os.path.join(ROOT, "target", "bench-data"))
    ap.add_argument("--rows", type=int, default=100_000, help="organization rows per copy")
    ap.add_argument("--divisions", default=os.path.join(ROOT, "..", "shared", "data", "divisions"))
    ap.add_argument("--scale", type=int, default=None, help="copies of the list (CSV only, codes blank)")
    ap.add_argument("--outside", type=float, default=0.0, help="share of copies in another province")
    ap.add_argument("--unmatched", type=float, default=0.0, help="share of communities misspelt")
    a = ap.parse_args()
    national = a.scale is not None
    scale = a.scale if national else 1
    if not 1 <= scale <= len(COPY) + 1:
        sys.exit(f"--scale must be 1 to {len(COPY) + 1}")
    outside = round(a.outside * scale)
    if a.outside and not national:
        sys.exit("--outside needs --scale")
    if a.outside and not 1 <= outside < scale:
        sys.exit(f"--outside {a.outside} of {scale} copies is {outside} copies: use a larger --scale")
    if a.unmatched and not national:
        sys.exit("--unmatched needs --scale")

    with open(os.path.join(a.divisions, "shanxi-communities.csv"), encoding="utf-8", newline="") as f:
        comms = list(csv.DictReader(f))
    os.makedirs(a.out, exist_ok=True)
    # The last `outside` copies carry another province's codes.
    foreign = set(range(scale - outside, scale))
    with open(os.path.join(a.out, "communities.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["市", "县区", "街道乡镇", "社区", "城乡分类代码", "统计用区划代码"])
        for k in range(scale):
            for c in comms:
                code = c["code"]
                if k in foreign:
                    code = "61" + code[2:]
                elif national:
                    code = ""
                w.writerow([copy_city(c["city"], k), c["county"], c["street"], c["community"],
                            c["urban_rural_code"], code])

    # a short name that is not unique within its street (白文居委会 / 白文村委会) is written in full
    seen = {}
    for c in comms:
        k = (c["code"][:9], short(c["community"]))
        seen[k] = seen.get(k, 0) + 1
    # Misspelt communities: a fixed share, chosen per (copy, community) by a seeded draw.
    typo_rng = random.Random(33)
    typos = {(k, j): misspell(c["community"], typo_rng.randrange(1 << 30))
             for k in range(scale) for j, c in enumerate(comms)
             if a.unmatched and typo_rng.random() < a.unmatched}
    rng = random.Random(100_000)
    base = dt.date(2012, 1, 1).toordinal()
    counts = {"rows": 0, "outside": 0, "misspelt": 0}

    def rows():
        for i in range(1, a.rows * scale + 1):
            k = rng.randrange(scale) if national else 0
            j = rng.randrange(len(comms))
            c = comms[j]
            cat = rng.choice(CATS)
            reg = rng.random() < 0.15
            founded = dt.date.fromordinal(base + rng.randrange(4383))
            dissolved = dt.date.fromordinal(founded.toordinal() + rng.randrange(30, 1500)) if rng.random() < 0.02 else None
            unique = seen[(c["code"][:9], short(c["community"]))] == 1
            comm = short(c["community"]) if unique and rng.random() < 0.8 else c["community"]
            counts["rows"] += 1
            if k in foreign:
                counts["outside"] += 1
            elif (k, j) in typos:
                comm = typos[(k, j)]
                counts["misspelt"] += 1
            yield [i, f"{short(c['community'])}{rng.choice(ADJ)}{rng.choice(NOUNS)}{i}", copy_city(c["city"], k),
                   c["county"], c["street"], comm, cat, "登记" if reg else "备案",
                   "是" if rng.random() < 0.01 else "否", founded.isoformat(),
                   dissolved.isoformat() if dissolved else "", credit(rng, c["code"][:6]) if reg else "",
                   "注销" if dissolved else "正常", ""]

    kept = []
    with open(os.path.join(a.out, "orgs.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for r in rows():
            w.writerow(r)
            if not national:
                kept.append(r)
    names = ["communities.csv", "orgs.csv"]
    if not national:
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("组织")
        ws.append(HEADER)
        for r in kept:
            r = list(r)
            r[9] = dt.date.fromisoformat(r[9])
            r[10] = dt.date.fromisoformat(r[10]) if r[10] else None
            ws.append([None if v == "" else v for v in r])
        wb.save(os.path.join(a.out, "orgs.xlsx"))
        names.append("orgs.xlsx")
    for n in names:
        p = os.path.join(a.out, n)
        print(f"{p}\t{os.path.getsize(p):,} bytes", file=sys.stderr)
    n = counts["rows"]
    print(f"{scale} cop{'y' if scale == 1 else 'ies'} ({outside} in another province), {len(comms) * scale:,} communities, "
          f"{n:,} organizations: {counts['outside']:,} outside ({counts['outside'] / n:.1%}), "
          f"{counts['misspelt']:,} misspelt ({counts['misspelt'] / n:.1%})", file=sys.stderr)


if __name__ == "__main__":
    main()
