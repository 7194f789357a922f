#!/usr/bin/env python3
"""Hostile workbooks for `scripts/bench-xlsx.sh` (issue 9), written by hand with zipfile as
tests/limits.rs's `hand_xlsx` writes them (nothing checks or fixes them on the way), the
sheet XML streamed into the archive so that this script stays small in memory. Each is an
organizations table (the header and three rows matching communities.csv, also written)
followed by something hostile:

    inflate.xlsx  18,000,000 identical rows (no `r` attributes), the issue's "5 MB XLSX
                  whose sheet inflates to 1.5 GB of XML": 17 times Excel's 1,048,576 rows.
    stray.xlsx    one cell at XFD1048576 (and `<dimension ref="A1:XFD1048576"/>`, as Excel
                  writes it): a dense range of that sheet is 17 billion cells.
    far.xlsx      `<dimension ref="A1:BGQCW5"/>` and one cell at BGQCW5, column 1,048,577.
    wide.xlsx     one row of 1,048,577 cells without `r` attributes (columns A to BGQCW).

    python3 scripts/gen-hostile-xlsx.py OUT_DIR [--rows N]

Deterministic. Not committed.
"""

import argparse
import os
import sys
import zipfile

HEADER = ["序号", "组织名称", "市", "县区", "街道乡镇", "社区", "组织类别", "登记形式", "品牌组织",
          "成立日期", "注销日期", "统一社会信用代码", "状态", "服务社区"]
COMMUNITIES = [
    ["太原市", "小店区", "坞城街道", "师范街社区居委会", "111", ""],
    ["太原市", "小店区", "坞城街道", "山西大学社区居委会", "111", ""],
    ["阳泉市", "城区", "上站街道", "东风社区居委会", "111", ""],
]
ORGS = [
    [1, "师范街舞蹈队1", "太原市", "小店区", "坞城街道", "师范街", "文体活动类", "备案", "否", "2019-11-09", "", "", "正常"],
    [2, "山西大学合唱团2", "太原市", "小店区", "坞城街道", "山西大学", "文体活动类", "备案", "否", "2021-03-05", "", "", "正常"],
    [3, "东风助老服务队3", "阳泉市", "城区", "上站街道", "东风", "生活服务类", "备案", "否", "2022-06-30", "", "", "正常"],
]

PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="组织台账" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def col(n):
    """1-based column number → letters (1 → A, 16384 → XFD)."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def cell(ref, v):
    if isinstance(v, int):
        return f'<c r="{ref}"><v>{v}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'


def table():
    """The header and the three organizations, rows 1–4 (empty cells not written)."""
    out = []
    for i, row in enumerate([HEADER] + ORGS):
        n = i + 1
        out.append(f'<row r="{n}">' + "".join(cell(f"{col(j + 1)}{n}", v) for j, v in enumerate(row) if v != "") + "</row>")
    return "".join(out)


def write(path, dimension, body):
    """A workbook of one sheet: `dimension` (or None) and the sheet data `body` yields."""
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in PARTS.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w") as w:
            w.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            if dimension:
                w.write(f'<dimension ref="{dimension}"/>'.encode())
            w.write(b"<sheetData>")
            w.write(table().encode())
            for chunk in body():
                w.write(chunk)
            w.write(b"</sheetData></worksheet>")
    os.replace(tmp, path)
    with zipfile.ZipFile(path) as z:
        xml = z.getinfo("xl/worksheets/sheet1.xml").file_size
    print(f"{path}\t{os.path.getsize(path):,} bytes, sheet XML {xml:,} bytes", file=sys.stderr)


def inflate(rows):
    """`rows` identical rows of 84 bytes (a text cell and two numbers), without `r`
    attributes: 18 million come to 1.5 GB of XML, which deflate packs into 5 MB."""
    row = '<row><c t="inlineStr"><is><t>备注</t></is></c><c><v>0</v></c><c><v>1</v></c></row>'.encode()
    block = row * 4096

    def body():
        whole, part = divmod(rows, 4096)
        for _ in range(whole):
            yield block
        yield row * part
    return body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=18_000_000, help="rows of the inflating sheet")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "communities.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("市,县区,街道乡镇,社区,城乡分类代码,统计用区划代码\n")
        for c in COMMUNITIES:
            f.write(",".join(c) + "\n")
    far = col(1_048_577)
    write(os.path.join(a.out, "inflate.xlsx"), None, inflate(a.rows))
    write(os.path.join(a.out, "stray.xlsx"), "A1:XFD1048576",
          lambda: ['<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>备注</t></is></c></row>'.encode()])
    write(os.path.join(a.out, "far.xlsx"), f"A1:{far}5",
          lambda: [f'<row r="5"><c r="{far}5" t="inlineStr"><is><t>x</t></is></c></row>'.encode()])

    def wide():
        yield b'<row r="5">'
        for _ in range(1_048_577 // 4096):
            yield b"<c><v>1</v></c>" * 4096
        yield b"<c><v>1</v></c>" * (1_048_577 % 4096)
        yield b"</row>"
    write(os.path.join(a.out, "wide.xlsx"), None, wide)


if __name__ == "__main__":
    main()
