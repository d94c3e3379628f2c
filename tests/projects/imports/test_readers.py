"""Reading a ledger as rows of plain values: .xlsx, .xls and CSV as Excel and WPS users save them.

Files that cannot be read are in test_bad_files.py.
"""

import csv
import datetime
import html
import io
import re
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from openpyxl import Workbook
from openpyxl.reader.strings import read_string_table

from projects.imports.readers import ImportFileError, Limits, open_table, shared_strings
from tests.fixtures.spreadsheets import big_xlsx, cache_values, edit_part, fixture, set_dimension, xlsx

D = datetime.date
DT = datetime.datetime
TITLE = "2024年端州区制造业项目台账"
INSTRUCTIONS = ("填表说明", [["填表说明"], ["1. 金额单位为万元"], ["2. 日期格式：2024-03-05"]])


def read(data: bytes, filename: str, **limits):
    with open_table(io.BytesIO(data), filename, limits=Limits(**limits)) as table:
        return table.format, table.sheet_name, list(table.rows())


# --- .xlsx ---------------------------------------------------------------------------------------


def ledger_xlsx() -> bytes:
    """A county's ledger as counties lay them out: an instructions sheet first, a title and a unit
    line, a header over two merged rows, real dates, formulas with the values Excel caches, a blank
    row and a 合计 row."""
    rows = [
        [TITLE],
        ["单位：万元"],
        ["序号", "项目名称", "计划总投资", None, "签约日期", "备注"],
        [None, None, "总额", "其中：2024年", None, None],
        [1, "  端州电池项目 ", 386.5, 120, D(2024, 3, 5), "   "],
        [2, "鼎湖储能项目", 12000, "=C6/100", DT(2024, 3, 5, 14, 30), "—"],
        [],
        # D8: a formula Excel never computed (the file was written by a program): no cached value.
        ["合计", None, "=SUM(C5:C6)", "=D5+D6", DT(2024, 3, 6), True],
    ]
    data = xlsx(INSTRUCTIONS, ("项目台账", rows), merges={"项目台账": ["A1:F1", "B3:B4", "C3:D3", "E3:E4"]})
    return cache_values(data, {"D6": "120", "C8": "12386.5"}, sheet=2)


LEDGER_ROWS = [
    (1, (TITLE,) * 6),
    (2, ("单位：万元",)),
    (3, ("序号", "项目名称", "计划总投资", "计划总投资", "签约日期", "备注")),
    (4, (None, "项目名称", "总额", "其中：2024年", "签约日期")),
    (5, (1, "端州电池项目", 386.5, 120, D(2024, 3, 5))),
    (6, (2, "鼎湖储能项目", 12000, 120, DT(2024, 3, 5, 14, 30), "—")),
    (8, ("合计", None, 12386.5, None, D(2024, 3, 6), True)),
]


def test_an_xlsx_ledger_reads_as_excel_shows_it():
    """Cached formula values, dates (midnight as a date), merged cells filled, blanks left out
    with the row numbers kept, text stripped, the instructions sheet passed over."""
    assert read(ledger_xlsx(), "端州区台账.xlsx") == ("xlsx", "项目台账", LEDGER_ROWS)


def test_the_content_decides_the_format_not_the_extension():
    assert read(ledger_xlsx(), "台账.xls")[:2] == ("xlsx", "项目台账")
    assert read(ledger_xlsx(), "台账.csv")[:2] == ("xlsx", "项目台账")
    assert read(fixture("ledger.xls"), "台账.xlsx")[:2] == ("xls", "项目台账")
    assert read(fixture("ledger.xlsx"), "台账.xls")[:2] == ("xlsx", "项目台账")


@pytest.mark.parametrize(
    ("sheets", "hidden", "chosen"),
    [
        # A cover sheet of text in one column loses to the ledger's wide header row (with as many
        # values in all: counting them would not tell).
        ([("封面", [["肇庆市"], ["制造业"], ["台账"]]), ("台账", [["名称", "投资", "日期"]])], (), "台账"),
        # A tie goes to the first sheet; an empty sheet never wins.
        ([("空表", []), ("一", [["a", "b"]]), ("二", [["c", "d"]])], (), "一"),
        # A hidden sheet (drop-down lists of a template) is passed over for a visible one…
        ([("台账", [["名称", "投资"]]), ("选项", [["县区", "行业", "阶段", "状态"]])], ("选项",), "台账"),
        # …unless no visible sheet has anything.
        ([("空表", []), ("数据", [["名称", "投资"]])], ("数据",), "数据"),
    ],
)
def test_the_ledger_sheet_is_the_one_with_the_widest_rows(sheets, hidden, chosen):
    assert read(xlsx(*sheets, hidden=hidden), "台账.xlsx")[1] == chosen


def test_a_wrong_or_missing_dimension_does_not_cut_the_rows():
    """openpyxl's read-only mode stops at the sheet's <dimension>, which some writers leave at A1."""
    rows = [["项目名称"], *([f"项目{n}"] for n in range(1, 41))]
    for dimension in ["A1:A1", None]:
        data = set_dimension(xlsx(("台账", rows)), dimension)
        assert [number for number, _values in read(data, "台账.xlsx")[2]] == list(range(1, 42))


def test_rows_read_again_from_the_start_and_the_upload_stays_open():
    data = ledger_xlsx()
    upload = SimpleUploadedFile("台账.xlsx", data)
    with open_table(upload, upload.name) as table:
        assert list(table.rows()) == list(table.rows()) == LEDGER_ROWS
    assert not upload.closed

    big = TemporaryUploadedFile("台账.xlsx", "application/octet-stream", len(data), None)
    big.write(data)
    with open_table(big, big.name) as table:
        assert list(table.rows()) == LEDGER_ROWS
    assert not big.closed
    big.close()


def test_the_limits_come_from_the_settings_at_each_import(settings):
    settings.IMPORT_MAX_ROWS = 3
    assert Limits().max_rows == Limits.from_settings().max_rows == 3
    assert Limits(max_bytes=10).max_rows == 3
    with pytest.raises(ImportFileError) as refused:
        open_table(io.BytesIO(ledger_xlsx()), "台账.xlsx")
    assert refused.value.code == "too_many_rows"


# --- .xls ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "format"), [("ledger.xls", "xls"), ("ledger.xlsx", "xlsx")])
def test_a_ledger_saved_by_an_office_suite_reads_the_same(name, format):
    """The same ledger saved by LibreOffice as Excel 97-2003 and as .xlsx (shared strings, some in
    runs of two fonts), shifted by a blank first row and column: the row numbers and columns are
    those Excel shows."""
    shifted = [(number + 1, (None, *values)) for number, values in LEDGER_ROWS]
    # The fixture's 合计 row has no formula without a cached value (an office suite computes all)
    # and no date or TRUE in it; its first rows are as above.
    expected = [*shifted[:-1], (9, (None, "合计", None, 12386.5))]
    assert read(fixture(name), f"端州区台账.{format}") == (format, "项目台账", expected)


def test_shared_strings_read_as_openpyxl_reads_them():
    """The fast reader of the shared strings gives openpyxl's texts: plain, in runs, and without a
    phonetic guide (<rPh>, which Excel keeps for Japanese readings)."""
    guide = '<rPh sb="0" eb="2"><t>ふりがな</t></rPh>'
    data = edit_part(
        fixture("ledger.xlsx"),
        "xl/sharedStrings.xml",
        lambda xml: xml.replace("项目名称</t>", "项目名称</t>" + guide, 1).replace(
            "</r></si>", "</r>" + guide + "</si>", 1
        ),
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/sharedStrings.xml")
    assert xml.count(b"<rPh") == 2
    ours, theirs = shared_strings(io.BytesIO(xml)), read_string_table(io.BytesIO(xml))
    assert ours == theirs
    assert {"项目名称", "1. 金额单位为万元", "2024年端州区制造业项目台账"} <= set(ours)


# --- CSV -----------------------------------------------------------------------------------------

CSV_ROWS = [
    ["项目名称", "企业名称", "计划总投资", "签约日期"],
    [" 端州电池项目", "肇庆宁德新能源有限公司", "386.5", "2024-03-05"],
    ["", "", "", ""],
    ["鼎湖, 储能\n二期", "广东某某储能科技有限公司", "12,000", "2024年3月5日"],
]
CSV_READ = [
    (1, ("项目名称", "企业名称", "计划总投资", "签约日期")),
    (2, ("端州电池项目", "肇庆宁德新能源有限公司", "386.5", "2024-03-05")),
    # One record over two lines (a line break in a quoted field) is one row, as in Excel.
    (4, ("鼎湖, 储能\n二期", "广东某某储能科技有限公司", "12,000", "2024年3月5日")),
]


def csv_bytes(rows, encoding: str, delimiter: str = ",") -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "delimiter", "filename"),
    [
        ("utf-8", ",", "台账.csv"),
        ("utf-8-sig", ",", "台账.csv"),  # Excel's "CSV UTF-8"
        ("gb18030", ",", "台账.csv"),  # Excel's plain "CSV" on Chinese Windows (GBK)
        ("utf-8", "\t", "台账.txt"),
        ("gb18030", ";", "台账.csv"),
        ("utf-16", "\t", "台账.txt"),  # Excel's "Unicode text"
    ],
)
def test_csv_in_the_encodings_and_delimiters_excel_saves(encoding, delimiter, filename):
    assert read(csv_bytes(CSV_ROWS, encoding, delimiter), filename) == ("csv", "台账", CSV_READ)


def test_a_gbk_csv_whose_first_megabyte_is_plain_ascii_is_still_read_as_gbk():
    ascii_rows = ([f"P{n:08d}" + "x" * 90, "1"] for n in range(12_000))
    rows = [["code", "amount"], *ascii_rows, ["端州电池项目", "386.5"]]
    data = csv_bytes(rows, "gb18030")
    assert data.find("端州".encode("gb18030")) > 1024 * 1024
    *_, last = read(data, "ledger.csv")[2]
    assert last == (12_002, ("端州电池项目", "386.5"))


# --- memory ----------------------------------------------------------------------------------------


def peak_while_reading(data: bytes) -> tuple[int, int, float]:
    """(rows read, peak bytes allocated while rows() ran over the open table, seconds)."""
    with open_table(io.BytesIO(data), "台账.xlsx") as table:
        tracemalloc.start()
        started = time.perf_counter()
        count = sum(1 for _row in table.rows())
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return count, peak, elapsed


def test_reading_an_xlsx_takes_memory_flat_in_the_number_of_rows(capsys):
    """Ten times the rows, the same memory. Under tracemalloc openpyxl reads ~1,500 rows a second,
    so the files are small; they are big enough to fail on openpyxl's own read-only iteration, which
    keeps ~80 bytes a row (5,000 against 20,000 rows here gave 415 and 422 KiB)."""
    small_rows, small_peak, _ = peak_while_reading(big_xlsx(500))
    large_rows, large_peak, seconds = peak_while_reading(big_xlsx(5_000))
    assert (small_rows, large_rows) == (501, 5_001)
    with capsys.disabled():
        print(
            f"\nxlsx rows(): peak {small_peak / 1024:,.0f} KiB over 500 rows, "
            f"{large_peak / 1024:,.0f} KiB over 5,000 rows ({seconds:.1f} s under tracemalloc)"
        )
    assert large_peak < 1.5 * small_peak


def test_dates_in_the_formats_excel_in_chinese_writes_without_defining_them():
    """Chinese Excel formats a date typed as 2024年3月5日 with built-in format 31 and a month typed
    as 2024年4月 with 57, neither spelled out in the file; they are dates all the same."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["签约日期", "开工月份"])
    sheet.append([D(2024, 3, 5), D(2024, 4, 1)])
    sheet.append([45356, 0.5])
    sheet["A2"].number_format = 'yyyy"年"m"月"d"日"'  # openpyxl writes these as formats 164 and 165,
    sheet["B2"].number_format = 'yyyy"年"m"月"'  # defined in the file
    out = io.BytesIO()
    workbook.save(out)

    def builtin_formats(styles):
        builtin = {'yyyy"年"m"月"d"日"': "31", 'yyyy"年"m"月"': "57"}
        defined = {
            number: builtin[html.unescape(code)]
            for number, code in re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"', styles)
            if html.unescape(code) in builtin
        }
        assert len(defined) == 2, styles
        styles = re.sub(r"<numFmts .*?</numFmts>", "", styles)
        return re.sub(r'<xf numFmtId="(\d+)"', lambda m: f'<xf numFmtId="{defined.get(m[1], m[1])}"', styles)

    data = edit_part(out.getvalue(), "xl/styles.xml", builtin_formats)
    assert read(data, "台账.xlsx")[2] == [
        (1, ("签约日期", "开工月份")),
        (2, (D(2024, 3, 5), D(2024, 4, 1))),
        (3, (45356, 0.5)),  # numbers in the general format stay numbers
    ]
