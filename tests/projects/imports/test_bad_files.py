"""Files an import cannot read: each is refused with a code and a message in the user's language
(Chinese by default), before anything of it is used."""

import io
import pickle
from dataclasses import dataclass

import pytest
from django.utils import translation

from projects.imports.limits import MB
from projects.imports.readers import ImportFileError, Limits, open_table
from tests.fixtures.spreadsheets import (
    docx,
    edit_part,
    fixture,
    pictures_only_xlsx,
    png,
    set_dimension,
    xlsx,
    zip_bomb,
)


def refused(data: bytes, filename: str, *, during_rows: bool = False, **limits) -> ImportFileError:
    with pytest.raises(ImportFileError) as error:
        table = open_table(io.BytesIO(data), filename, limits=Limits(**limits))
        assert during_rows, "open_table should have refused the file"
        with table:
            for _row in table.rows():
                pass
    return error.value


def renamed_ole(data: bytes, old: str, new: str) -> bytes:
    """An OLE2 file with one stream renamed in its directory (same length: nothing moves)."""
    old_name, new_name = old.encode("utf-16-le"), new.encode("utf-16-le")
    assert len(old_name) == len(new_name) and data.count(old_name) == 1
    return data.replace(old_name, new_name)


def broken_sheet(data: bytes, where: str) -> bytes:
    """The workbook with its sheet's XML broken right after `where`."""
    return edit_part(data, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(where, where + "<", 1))


def ledger_rows(count: int):
    return [["项目名称", "计划总投资"], *([f"项目{n}", n] for n in range(1, count + 1))]


@dataclass
class Bad:
    id: str
    make: object  # () -> bytes
    filename: str
    code: str
    chinese: str
    english: str
    limits: dict | None = None


BAD_FILES = [
    Bad("0 bytes", lambda: b"", "台账.xlsx", "empty", "空的", "empty"),
    Bad(
        "over the size limit",
        lambda: b"a,b\n" * 300_000,
        "台账.csv",
        "too_big",
        "1 MB",
        "1 MB",
        {"max_bytes": MB},
    ),
    Bad(
        "a picture named .xlsx",
        png,
        "台账.xlsx",
        "not_a_spreadsheet",
        "不是可读取的表格",
        "not a spreadsheet",
    ),
    Bad(
        "a picture named .csv", png, "台账.csv", "not_a_spreadsheet", "不是可读取的表格", "not a spreadsheet"
    ),
    Bad(
        "a Word file named .xlsx",
        docx,
        "台账.xlsx",
        "not_a_spreadsheet",
        "不是可读取的表格",
        "not a spreadsheet",
    ),
    Bad(
        "a zip cut short",
        lambda: xlsx(("台账", [["a"]]))[:300],
        "台账.xlsx",
        "not_a_spreadsheet",
        "不是可读取的表格",
        "not a spreadsheet",
    ),
    Bad(
        "text named .xlsx",
        lambda: "项目名称,计划总投资\n".encode(),
        "台账.xlsx",
        "not_a_spreadsheet",
        "不是可读取的表格",
        "not a spreadsheet",
    ),
    Bad(
        "an OLE2 file without a workbook (a .doc)",
        lambda: renamed_ole(fixture("ledger.xls"), "Workbook", "Document"),
        "台账.xls",
        "not_a_spreadsheet",
        "不是可读取的表格",
        "not a spreadsheet",
    ),
    Bad(
        "an encrypted .xlsx",
        lambda: fixture("encrypted.xlsx"),
        "台账.xlsx",
        "encrypted",
        "密码保护",
        "password",
    ),
    Bad(
        "an encrypted .xls", lambda: fixture("encrypted.xls"), "台账.xls", "encrypted", "密码保护", "password"
    ),
    Bad("a zip bomb, 300 MB", lambda: zip_bomb(300), "台账.xlsx", "zip_bomb", "压缩炸弹", "zip bomb"),
    # Under the total limit, but one part unpacks to a thousand times its size.
    Bad("a zip bomb, one 50 MB part", lambda: zip_bomb(50), "台账.xlsx", "zip_bomb", "200 MB", "200 MB"),
    Bad(
        "a sheet of pictures only",
        pictures_only_xlsx,
        "台账.xlsx",
        "no_data",
        "没有任何单元格数据",
        "no cell values",
    ),
    Bad(
        "sheets of blanks and spaces",
        lambda: xlsx(("一", [[None, "  "], ["\u3000"]]), ("二", [])),
        "台账.xlsx",
        "no_data",
        "没有任何单元格数据",
        "no cell values",
    ),
    Bad(
        "a CSV of separators only",
        lambda: b",,\r\n \t\r\n,,\r\n",
        "台账.csv",
        "no_data",
        "没有任何",
        "no cell",
    ),
    Bad(
        "an OLE2 file broken after its header",
        lambda: fixture("ledger.xls")[:512] + bytes(100),
        "台账.xls",
        "unreadable",
        "已损坏",
        "damaged",
    ),
    Bad(
        "an xlsx whose sheet XML is broken",
        lambda: broken_sheet(xlsx(("台账", [["项目名称"]])), "<sheetData>"),
        "台账.xlsx",
        "unreadable",
        "已损坏",
        "damaged",
    ),
    Bad(
        "more rows than the limit (the sheet's dimension says so)",
        lambda: xlsx(("项目台账", ledger_rows(10))),
        "台账.xlsx",
        "too_many_rows",
        "工作表“项目台账”超过 5 行",
        "more than 5 rows",
        {"max_rows": 5},
    ),
    Bad(
        "more rows than the limit (.xls)",
        lambda: fixture("ledger.xls"),
        "台账.xls",
        "too_many_rows",
        "超过 3 行",
        "more than 3 rows",
        {"max_rows": 3},
    ),
]


@pytest.mark.parametrize("bad", BAD_FILES, ids=[bad.id for bad in BAD_FILES])
def test_a_bad_file_is_refused_with_a_message_in_the_users_language(bad):
    data = bad.make()
    error = refused(data, bad.filename, **(bad.limits or {}))
    assert error.code == bad.code
    assert bad.chinese in error.message
    with translation.override("en"):
        error = refused(data, bad.filename, **(bad.limits or {}))
    assert error.code == bad.code
    assert bad.english in error.message


def test_the_messages_say_what_to_do():
    assert refused(fixture("encrypted.xlsx"), "台账.xlsx").message == (
        "该文件有密码保护。请在 Excel 中打开，清除密码（文件 › 信息 › 保护工作簿 › 用密码进行加密）"
        "后保存，再重新上传。"
    )
    with translation.override("en"):
        assert refused(b"", "台账.csv").message == "The file is empty (0 bytes)."
        assert refused(png(), "台账.xlsx").message == (
            "This file is not a spreadsheet that can be read. "
            "Upload an Excel workbook (.xlsx or .xls) or a CSV file."
        )


@pytest.mark.parametrize("dimension", ["A1:B1", None], ids=["a wrong dimension", "no dimension"])
def test_rows_past_the_limit_are_refused_while_reading_when_the_dimension_cannot_tell(dimension):
    data = set_dimension(xlsx(("项目台账", ledger_rows(10))), dimension)
    with open_table(io.BytesIO(data), "台账.xlsx", limits=Limits(max_rows=5)) as table:
        rows = table.rows()
        assert [number for number, _values in (next(rows) for _ in range(5))] == [1, 2, 3, 4, 5]
        with pytest.raises(ImportFileError) as error:
            next(rows)
    assert error.value.code == "too_many_rows"
    # Exactly at the limit the file is read whole.
    with open_table(io.BytesIO(data), "台账.xlsx", limits=Limits(max_rows=11)) as table:
        assert len(list(table.rows())) == 11


def test_a_csv_with_too_many_rows_is_refused_while_reading():
    data = "".join(f"项目{n},{n}\r\n" for n in range(1, 12)).encode("gb18030")
    error = refused(data, "台账.csv", during_rows=True, max_rows=10)
    assert (error.code, error.params) == ("too_many_rows", {"sheet": "台账", "limit": "10"})


def test_a_sheet_broken_halfway_is_refused_while_reading():
    """The first rows pass (the sheet is chosen on its first 30), the break is met further on."""
    data = broken_sheet(xlsx(("台账", ledger_rows(60))), '<row r="50"')
    with open_table(io.BytesIO(data), "台账.xlsx") as table:
        numbers = []
        with pytest.raises(ImportFileError) as error:
            for number, _values in table.rows():
                numbers.append(number)
    assert error.value.code == "unreadable"
    assert numbers[:3] == [1, 2, 3] and len(numbers) >= 30


def test_the_error_survives_pickling_as_a_task_result_does():
    error = refused(xlsx(("项目台账", ledger_rows(10))), "台账.xlsx", max_rows=5)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.message, copy.params, str(copy)) == (
        "too_many_rows",
        error.message,
        {"sheet": "项目台账", "limit": "5"},
        error.message,
    )
