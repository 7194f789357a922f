#!/usr/bin/env python3
"""Generate the small workbooks read by the ingest tests (tests/ingest_files.rs).

Run from this folder: python3 make.py   (needs openpyxl, xlwt, odfpy)
The outputs are committed; rerun only to change them.
"""
import datetime
import os

import openpyxl
import xlwt
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableRow, TableCell
from odf.text import P

HERE = os.path.dirname(os.path.abspath(__file__))


def messy_xlsx():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    # Row 1 and column A are left empty: the used range starts at B2.
    ws["B2"] = "太原市社区社会组织备案台账（2023年第三季度）"
    ws.merge_cells("B2:J2")
    ws["B3"] = "填报单位：太原市民政局"
    # Two-row header: 序号, 组织名称, 成立日期 merged vertically; 所在地 over 市/县区/街道/社区.
    ws["B4"] = "序号"
    ws.merge_cells("B4:B5")
    ws["C4"] = "组织名称"
    ws.merge_cells("C4:C5")
    ws["D4"] = "所在地"
    ws.merge_cells("D4:G4")
    ws["D5"] = "市"
    ws["E5"] = "县（市、区）"
    ws["F5"] = "乡镇\n(街道)"
    ws["G5"] = "社区(村)"
    ws["H4"] = "组织类别"
    ws.merge_cells("H4:H5")
    ws["I4"] = "成立日期"
    ws.merge_cells("I4:I5")
    ws["J4"] = "品牌组织"
    ws.merge_cells("J4:J5")
    rows = [
        (1, "迎泽区文体协会", "太原市", "迎泽区", "桥东街道", "迎泽社区", "文体类",
         datetime.datetime(2021, 3, 5), "是"),
        # Date as an Excel serial number in a numeric cell: 44256 = 2021-03-01.
        (2, "鄠邑区助老服务队", "太原市", "小店区", "坞城街道", "", "生活服务类", 44256, "否"),
        # Number stored as text in 序号, full-width digits in the date.
        ("3", "薛圐圙乡调解会", "太原市", "小店区", "", "", "调处类", "２０２２年５月", "√"),
    ]
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            ws.cell(row=6 + i, column=2 + j, value=v)
    ws["I6"].number_format = "yyyy-mm-dd"
    # Row 9 blank; row 10 totals (merged label); row 11 note merged across.
    ws["B10"] = "合计"
    ws.merge_cells("B10:C10")
    ws["D10"] = 3
    ws["B11"] = "填表人：张三　　审核人：李四"
    ws.merge_cells("B11:J11")

    hidden = wb.create_sheet("隐藏")
    hidden.append(["组织名称", "市", "县区"])
    hidden.append(["不应读到", "太原市", "迎泽区"])
    hidden.sheet_state = "hidden"

    wb.create_sheet("空表")

    funds = wb.create_sheet("经费")
    funds.append(["市", "县区", "年度", "金额（万元）"])
    funds.append(["太原市", "迎泽区", 2021, 12.5])
    funds.append(["太原市", "小店区", "2022年", "1,000"])
    wb.save(os.path.join(HERE, "messy.xlsx"))


def communities_xls():
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("社区名单")
    ws.write_merge(0, 0, 0, 5, "社区（村）名单")
    header = ["市", "县区", "街道乡镇", "社区", "城乡分类代码", "统计用区划代码"]
    for j, h in enumerate(header):
        ws.write(1, j, h)
    data = [
        ["西安市", "鄠邑区", "甘亭街道", "城关社区居民委员会", 111, "610118001001"],
        ["忻州市", "五寨县", "薛圐圙乡", "赤泥窊村委会", 220, 140928203201],
        ["吕梁市", "临县", "白文镇", "白文居委会", 121, "141124100001"],
    ]
    for i, r in enumerate(data):
        for j, v in enumerate(r):
            ws.write(2 + i, j, v)
    ws.write(6, 0, "注：代码取自国家统计局 2023 年统计用区划代码")
    wb.save(os.path.join(HERE, "communities.xls"))


def funds_ods():
    doc = OpenDocumentSpreadsheet()
    table = Table(name="经费")

    def add_row(values):
        tr = TableRow()
        for v in values:
            if isinstance(v, (int, float)):
                tc = TableCell(valuetype="float", value=v)
                tc.addElement(P(text=str(v)))
            elif v == "":
                tc = TableCell()
            else:
                tc = TableCell(valuetype="string")
                tc.addElement(P(text=v))
            tr.addElement(tc)
        table.addElement(tr)

    add_row(["2021—2023 年社区社会组织经费"])
    add_row(["市", "县（市、区）", "年份", "资金(万元)", "资金来源"])
    add_row(["太原市", "迎泽区", 2021, 30, "福彩公益金"])
    add_row(["太原市", "", "2022年", "15.5万元", ""])
    add_row(["小计", "", "", 45.5, ""])
    doc.spreadsheet.addElement(table)
    doc.save(os.path.join(HERE, "funds.ods"))


def broken():
    # An encrypted XLSX is an OLE/CFB container; its header followed by garbage is a
    # fair stand-in.
    with open(os.path.join(HERE, "encrypted.xlsx"), "wb") as f:
        f.write(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(range(256)) * 16)
    with open(os.path.join(HERE, "garbage.xlsx"), "wb") as f:
        f.write(b"this is not a spreadsheet\x00\x01\x02" * 10)
    with open(os.path.join(HERE, "empty.xlsx"), "wb") as f:
        pass


if __name__ == "__main__":
    messy_xlsx()
    communities_xls()
    funds_ods()
    broken()
