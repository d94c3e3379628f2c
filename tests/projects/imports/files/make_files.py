"""Writes the binary fixtures of this folder with real office software, because no maintained
Python package writes .xls files or encrypted workbooks:

    ledger.xls       a ledger in the Excel 97-2003 format (an instructions sheet first), by LibreOffice
    ledger.xlsx      the same as .xlsx, by LibreOffice: shared strings (Chinese mixed with digits in
                     runs of two fonts), formulas with their cached values
    encrypted.xls    the same, saved by LibreOffice with a password (RC4, a FILEPASS record)
    encrypted.xlsx   the same as .xlsx, encrypted with a password by msoffcrypto-tool (ECMA-376 agile
                     encryption: an OLE2 container holding EncryptionInfo and EncryptedPackage, as Excel
                     writes it; LibreOffice 7.4 does not encrypt .xlsx on export)

Run once, with the system Python that LibreOffice's UNO bridge belongs to (Debian packages
libreoffice-calc-nogui and python3-uno) and msoffcrypto-tool on the PATH (pip install
msoffcrypto-tool, in a throwaway virtualenv), and commit the files:

    python3 tests/projects/imports/files/make_files.py

The tests read these files only; they need neither tool.
"""

import datetime
import subprocess
import tempfile
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue

HERE = Path(__file__).resolve().parent
PASSWORD = "zhaoqing"
PIPE = "zhaoqing_fixtures"


def props(**values):
    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        out.append(prop)
    return tuple(out)


def serial(day: datetime.datetime) -> float:
    delta = day - datetime.datetime(1899, 12, 30)
    return delta.days + delta.seconds / 86400


def connect(profile: str):
    office = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=pipe,name={PIPE};urp;",
        ]
    )
    resolver = uno.getComponentContext().ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", uno.getComponentContext()
    )
    for _attempt in range(60):
        try:
            context = resolver.resolve(f"uno:pipe,name={PIPE};urp;StarOffice.ComponentContext")
            desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
            return office, desktop
        except Exception:  # noqa: BLE001 - the office is still starting
            time.sleep(0.5)
    raise SystemExit("LibreOffice did not start")


def fill(doc):
    locale = uno.createUnoStruct("com.sun.star.lang.Locale")
    formats = doc.NumberFormats

    def number_format(code):
        key = formats.queryKey(code, locale, False)
        return key if key != -1 else formats.addNew(code, locale)

    sheets = doc.Sheets
    instructions = sheets.getByIndex(0)
    instructions.Name = "填表说明"
    for row, text in enumerate(["填表说明", "1. 金额单位为万元", "2. 日期格式：2024-03-05"]):
        instructions.getCellByPosition(0, row).setString(text)

    sheets.insertNewByName("项目台账", 1)
    ledger = sheets.getByName("项目台账")

    def put(ref, value, fmt=None):
        cell = ledger.getCellRangeByName(ref)
        if isinstance(value, str) and value.startswith("="):
            cell.setFormula(value)
        elif isinstance(value, str):
            cell.setString(value)
        elif isinstance(value, datetime.datetime):
            cell.setValue(serial(value))
        else:
            cell.setValue(value)
        if fmt:
            cell.NumberFormat = number_format(fmt)

    put("A1", "2024年端州区制造业项目台账")
    put("A2", "单位：万元")
    for ref, text in [
        ("A3", "序号"),
        ("B3", "项目名称"),
        ("C3", "计划总投资"),
        ("E3", "签约日期"),
        ("F3", "备注"),
        ("C4", "总额"),
        ("D4", "其中：2024年"),
    ]:
        put(ref, text)
    put("A5", 1)
    put("B5", "  端州电池项目 ")
    put("C5", 386.5)
    put("D5", 120)
    put("E5", datetime.datetime(2024, 3, 5), "YYYY-MM-DD")
    put("A6", 2)
    put("B6", "鼎湖储能项目")
    put("C6", 12000)
    put("D6", "=C6/100")
    put("E6", datetime.datetime(2024, 3, 5, 14, 30), "YYYY-MM-DD HH:MM")
    put("F6", "—")
    put("A8", "合计")
    put("C8", "=SUM(C5:C6)")
    for ref in ["A1:F1", "B3:B4", "C3:D3", "E3:E4"]:
        ledger.getCellRangeByName(ref).merge(True)
    # A blank first row and column, as some ledgers have: the rows and columns must keep their numbers.
    ledger.Rows.insertByIndex(0, 1)
    ledger.Columns.insertByIndex(0, 1)


def main():
    with tempfile.TemporaryDirectory() as profile:
        office, desktop = connect(profile)
        doc = desktop.loadComponentFromURL("private:factory/scalc", "_blank", 0, props(Hidden=True))
        fill(doc)
        outputs = [
            ("ledger.xls", props(FilterName="MS Excel 97")),
            ("encrypted.xls", props(FilterName="MS Excel 97", Password=PASSWORD)),
        ]
        for name, filter_props in outputs:
            doc.storeToURL((HERE / name).as_uri(), filter_props)
        plain = HERE / "ledger.xlsx"
        doc.storeToURL(plain.as_uri(), props(FilterName="Calc MS Excel 2007 XML"))
        doc.close(True)
        office.terminate()
        office.wait(timeout=30)
        subprocess.run(
            ["msoffcrypto-tool", "-e", "-p", PASSWORD, str(plain), str(HERE / "encrypted.xlsx")], check=True
        )
    for name in ["ledger.xls", "ledger.xlsx", "encrypted.xls", "encrypted.xlsx"]:
        print(name, (HERE / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
