"""Reading a ledger file: one worksheet of an .xlsx or .xls workbook, or a CSV file, as numbered
rows of plain values.

    with open_table(upload, upload.name) as table:
        for number, values in table.rows():
            ...

Every file a user can upload either opens or raises ImportFileError with a code and a message
in the user's language (sniff.py checks the file before any parser sees it); nothing is written.

- .xlsx: openpyxl in read-only mode, which streams the sheet's XML: memory stays flat in the
  number of rows (the shared-strings table, one copy of each distinct text, is held whole).
  data_only: a formula is read as the value Excel cached when it saved the file, never
  evaluated; a formula without a cached value (a file written by a program, never opened in
  Excel) reads as None.
- .xls: python-calamine (Rust's calamine), the maintained reader of the old binary format; it
  holds the sheet in memory, which the format's 65,536 rows bound.
- .csv: UTF-8, UTF-8 with a BOM, GB18030 or UTF-16 (sniff.text_encoding), delimiter guessed
  among comma, tab and semicolon; streamed through io.TextIOWrapper.

Which sheet: a workbook often starts with a cover or instructions sheet (填表说明). The sheet read
is the one whose widest row, among its first 30 rows with a value, has the most values, visible
sheets first: a ledger's header row is wide, while instructions are text in one or two columns.
The first sheet wins a tie.

What rows() yields, the same for every format:
- (row number as Excel shows it, values); rows with no value at all are left out, so the numbers
  can jump; each call reads from the start again;
- values: str (stripped; blank becomes None), int (also a whole number Excel stored as a float),
  float, datetime.date (a date, or a date and time at midnight), datetime.datetime, bool, None;
  a time of day or a duration comes as text; CSV values are all text;
- a cell of a merged range reads as the range's top-left value, as Excel shows it: a header
  merged over two rows is in both rows, a region merged down a column is on each of its rows
  (a row whose only values would come from merged ranges is still left out);
- trailing empty cells are cut, so a row may be shorter than the header: index with care.
"""

import codecs
import contextlib
import csv
import datetime
import io
import logging
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import PurePath

import python_calamine
from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet._reader import ROW_TAG, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from projects.imports import sniff
from projects.imports.limits import MB, ImportFileError, Limits

__all__ = ["ImportFileError", "Limits", "Table", "open_table"]

logger = logging.getLogger(__name__)

ROWS_TO_CHOOSE_BY = 30
MIDNIGHT = datetime.time(0)
SNIFF_BYTES = 8 * 1024
DELIMITERS = (",", "\t", ";")
# How much of a sheet's XML, from its <mergeCells>, is read to find the merged ranges; more is
# far beyond any ledger (about 300,000 ranges) and is ignored.
MERGE_BYTES = 8 * MB
SHEET_DATA, SI, T, R = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("sheetData", "si", "t", "r"))
# The built-in number formats that Excel set to Chinese shows as dates ([MS-OI29500] 2.1.704;
# 32–35, 55 and 56 are times of day).
CHINESE_BUILTIN_DATES = {27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58}
MERGE_BLOCK = re.compile(rb"<(?:[\w.-]+:)?mergeCells[\s>/]")
MERGE_CELL = re.compile(rb'<(?:[\w.-]+:)?mergeCell\s[^>]*?ref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')


def open_table(file, filename: str, *, limits: Limits | None = None) -> "Table":
    """Check the file and open its ledger sheet (or the CSV). Raises ImportFileError."""
    limits = limits or Limits.from_settings()
    kind = sniff.detect(file, filename, limits)
    if kind.format == "xlsx":
        return XlsxTable(file, limits)
    if kind.format == "xls":
        return XlsTable(file, limits)
    return CsvTable(file, limits, filename=filename, encoding=kind.encoding)


def clean(value):
    """One cell's value as rows() yields it."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == MIDNIGHT and value.tzinfo is None else value
    if value is None or isinstance(value, int | datetime.date):  # bool is an int
        return value
    if isinstance(value, datetime.time):
        return value.isoformat()
    return str(value)  # a duration, or anything else a reader hands back


class Table:
    format: str
    sheet_name: str

    def __init__(self, limits: Limits):
        self.limits = limits
        # The last row number, when the file says it before it is read (an .xlsx's dimension):
        # a progress bar's end. None when unknown.
        self.total_rows: int | None = None
        self.merges: list[tuple[int, int, int, int]] = []  # (first row, first column, last row, last column)

    def _raw_rows(self) -> Iterator[tuple[int, tuple | list]]:
        """(row number, the cells' values as the parser gives them), from column A."""
        raise NotImplementedError

    def rows(self) -> Iterator[tuple[int, tuple]]:
        """(row number as Excel shows it, values) of each row with a value, streamed; see the
        module's docstring. Raises ImportFileError("too_many_rows") once the rows pass
        limits.max_rows, and ImportFileError("unreadable") at a part of the file that is broken."""
        merged = MergedCells(self.merges)
        count = 0
        with contextlib.closing(self._raw_rows()) as source:
            while True:
                with unreadable_on_error("read the rows"):
                    item = next(source, None)
                if item is None:
                    return
                number, raw = item
                values = [clean(value) for value in raw]
                if all(value is None for value in values):
                    continue
                count += 1
                if count > self.limits.max_rows:
                    raise self.too_many_rows()
                values = merged.fill(number, values)
                while values and values[-1] is None:
                    values.pop()
                yield number, tuple(values)

    def too_many_rows(self) -> ImportFileError:
        return ImportFileError.of("too_many_rows", sheet=self.sheet_name, limit=f"{self.limits.max_rows:,}")

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class MergedCells:
    """Fills each merged range with its top-left value, over rows that come in order."""

    def __init__(self, ranges):
        self.pending = sorted(ranges, reverse=True)  # popped from the end: the topmost first
        self.active: list[tuple[int, int, int, object]] = []  # (last row, first column, last column, value)

    def fill(self, number: int, values: list) -> list:
        self.active = [cells for cells in self.active if cells[0] >= number]
        while self.pending and self.pending[-1][0] <= number:
            first_row, first_col, last_row, last_col = self.pending.pop()
            if first_row == number and first_col <= len(values) and values[first_col - 1] is not None:
                self.active.append((last_row, first_col, last_col, values[first_col - 1]))
        for _last_row, first_col, last_col, value in self.active:
            values.extend([None] * (last_col - len(values)))
            values[first_col - 1 : last_col] = [value] * (last_col - first_col + 1)
        return values


def guess_delimiter(lines: list[str]) -> str:
    """The delimiter (comma, tab or semicolon) that splits the most lines into rows of one same
    width, wider than one column; the comma when none does. (csv.Sniffer takes the comma of a
    tab-separated file whose amounts are written 12,000.)"""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        rows = csv.reader(lines, delimiter=delimiter)
        widths = Counter(len(row) for row in rows if any(cell.strip() for cell in row))
        width, count = max(widths.items(), key=lambda item: item[1], default=(0, 0))
        if width > 1 and (count, width) > best_score:
            best, best_score = delimiter, (count, width)
    return best


def widest_row(raw_rows) -> int:
    """The most values in one row among the first rows with a value (0: no value at all)."""
    widest = seen = 0
    with contextlib.closing(raw_rows):
        for _number, raw in raw_rows:
            width = sum(clean(value) is not None for value in raw)
            if width:
                widest, seen = max(widest, width), seen + 1
                if seen == ROWS_TO_CHOOSE_BY:
                    break
    return widest


def pick_sheet(sheets) -> int:
    """The index of the ledger sheet among (visible, raw rows) pairs; see the module's docstring."""
    scores = [(visible, widest_row(raw_rows)) for visible, raw_rows in sheets]
    for wanted in (True, False):
        best = max(
            ((score, -index) for index, (visible, score) in enumerate(scores) if visible == wanted),
            default=(0, 0),
        )
        if best[0]:
            return -best[1]
    raise ImportFileError.of("no_data")


@contextlib.contextmanager
def unreadable_on_error(what: str):
    """A parser's own exception, on a file that passed the checks of sniff.py, as "unreadable"."""
    try:
        yield
    except ImportFileError:
        raise
    except Exception as exc:
        logger.info("import: cannot %s", what, exc_info=True)
        raise ImportFileError.of("unreadable") from exc


class XlsxTable(Table):
    format = "xlsx"

    def __init__(self, file, limits: Limits):
        super().__init__(limits)
        file.seek(0)
        with unreadable_on_error("open the workbook"), warnings.catch_warnings():
            # openpyxl warns about parts it skips (data validation extensions, …): irrelevant here.
            warnings.simplefilter("ignore")
            reader = WorkbookReader(file, read_only=True, data_only=True)
            reader.read()
            self.workbook = reader.wb
        # The styles (by index) whose numbers are dates. Excel in Chinese formats dates with
        # built-in formats the file does not spell out (31: yyyy"年"m"月"d"日", …), which openpyxl,
        # knowing only the English built-ins, would leave as day numbers.
        self.date_formats = self.workbook._date_formats | {
            index
            for index, style in enumerate(self.workbook._cell_styles)
            if style.numFmtId in CHINESE_BUILTIN_DATES
        }
        try:
            with unreadable_on_error("choose the sheet"):
                sheets = self.workbook.worksheets
                index = pick_sheet([(ws.sheet_state == "visible", self._rows_of(ws)) for ws in sheets])
            self.sheet = sheets[index]
            self.sheet_name = self.sheet.title
            # The sheet's <dimension> (its used range), when it has one, refuses a big sheet before
            # it is read; it can be wrong, so the rows are read without it, and counted.
            first, last = self.sheet.min_row, self.sheet.max_row
            if last is not None and last - first + 1 > limits.max_rows:
                raise self.too_many_rows()
            self.total_rows = last
            # Read-only mode does not read merged cells; they follow the rows in the sheet's XML.
            with unreadable_on_error("read the merged cells"), self.sheet._get_source() as xml:
                self.merges = merged_ranges(xml)
        except BaseException:
            self.close()
            raise

    def _rows_of(self, ws):
        """(row number, values from column A) of each row the sheet's XML holds, streamed.

        openpyxl's parser is used on the sheet's XML as its read-only sheet does (_get_source and
        the workbook's date formats are its own), in a loop of our own: openpyxl's keeps every row
        element it parsed (cleared, but still a child of <sheetData>) and each row's height, which
        grows with the rows, and stops at a <dimension> that can be wrong.
        """
        workbook = ws.parent
        with ws._get_source() as xml:
            parser = WorkSheetParser(  # (ws._shared_strings is how a read-only sheet gets them)
                xml,
                ws._shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=self.date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            sheet_data, in_row = None, False
            for event, element in iterparse(xml, events=("start", "end")):
                if event == "start":
                    if element.tag == SHEET_DATA:
                        sheet_data = element
                    in_row = in_row or element.tag == ROW_TAG
                elif element.tag == ROW_TAG:
                    in_row = False
                    number, cells = parser.parse_row(element)
                    parser.row_dimensions.clear()
                    if sheet_data is not None:
                        sheet_data.clear()
                    values = [None] * max((cell["column"] for cell in cells), default=0)
                    for cell in cells:
                        values[cell["column"] - 1] = cell["value"]
                    yield number, values
                elif not in_row:
                    element.clear()  # anything outside the rows: formatting, validations, …

    def _raw_rows(self):
        return self._rows_of(self.sheet)

    def close(self):
        self.workbook.close()


class WorkbookReader(ExcelReader):
    """openpyxl's reader (what load_workbook runs) with a faster shared-strings table: openpyxl
    builds a rich-text object for each distinct text, some 25 µs each, 90 µs for text in runs of
    fonts (LibreOffice writes Chinese with digits so), which is seconds for a ledger's names."""

    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as xml:
                self.shared_strings = shared_strings(xml)


def shared_strings(xml) -> list[str]:
    """The texts of a sharedStrings part: each <si> is one <t>, or runs <r> of a <t> each; a
    phonetic guide <rPh> is not part of the text."""
    strings = []
    for _event, element in iterparse(xml):
        if element.tag == SI:
            parts = [child.text for child in element if child.tag == T]
            parts += [run.findtext(T) for run in element.iterfind(R)]
            # As openpyxl reads it: a text "_x…_" that Excel escaped as "_x005F_x…_".
            strings.append("".join(part for part in parts if part).replace("x005F_", ""))
            element.clear()
    return strings


def merged_ranges(xml) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet's XML, read as a stream: <mergeCells> comes after <sheetData>."""
    tail = b""
    while chunk := xml.read(MB):
        data = tail + chunk
        found = MERGE_BLOCK.search(data)
        if found:
            block = data[found.start() :] + xml.read(MERGE_BYTES)
            ranges = []
            for first_col, first_row, last_col, last_row in MERGE_CELL.findall(block):
                rows = sorted((int(first_row), int(last_row)))
                cols = sorted(
                    (
                        column_index_from_string(first_col.decode()),
                        column_index_from_string(last_col.decode()),
                    )
                )
                ranges.append((rows[0], cols[0], rows[1], cols[1]))
            return ranges
        tail = data[-64:]
    return []


class XlsTable(Table):
    format = "xls"

    def __init__(self, file, limits: Limits):
        super().__init__(limits)
        file.seek(0)
        try:
            self.workbook = python_calamine.CalamineWorkbook.from_filelike(file)
        except python_calamine.PasswordError as exc:
            raise ImportFileError.of("encrypted") from exc
        except Exception as exc:
            logger.info("import: cannot open the .xls workbook", exc_info=True)
            raise ImportFileError.of("unreadable") from exc
        try:
            with unreadable_on_error("choose the sheet"):
                worksheets = [
                    (index, meta.visible == python_calamine.SheetVisibleEnum.Visible)
                    for index, meta in enumerate(self.workbook.sheets_metadata)
                    if meta.typ == python_calamine.SheetTypeEnum.WorkSheet
                ]
                sheets = [self.workbook.get_sheet_by_index(index) for index, _visible in worksheets]
                chosen = pick_sheet(
                    [
                        (visible, self._rows_of(sheet))
                        for sheet, (_i, visible) in zip(sheets, worksheets, strict=True)
                    ]
                )
            self.sheet = sheets[chosen]
            self.sheet_name = self.sheet.name
            if self.sheet.height > limits.max_rows:
                raise self.too_many_rows()
            self.merges = [
                (first[0] + 1, first[1] + 1, last[0] + 1, last[1] + 1)
                for first, last in self.sheet.merged_cell_ranges or []
            ]
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _rows_of(sheet):
        # python-calamine yields the empty rows above the sheet's used range, but starts each row
        # at the range's first column: the columns to its left are put back.
        if sheet.start is None:
            return
        left = (None,) * sheet.start[1]
        for number, values in enumerate(sheet.iter_rows(), start=1):
            yield number, (*left, *values)

    def _raw_rows(self):
        return self._rows_of(self.sheet)

    def close(self):
        with contextlib.suppress(python_calamine.WorkbookClosed):
            self.workbook.close()


class CsvTable(Table):
    format = "csv"

    def __init__(self, file, limits: Limits, *, filename: str, encoding: str):
        super().__init__(limits)
        self.file = file
        self.encoding = encoding
        self.sheet_name = PurePath(filename or "").stem  # as Excel names a CSV file's one sheet
        self.delimiter = self._sniff_delimiter()
        with contextlib.closing(self.rows()) as rows:
            if next(rows, None) is None:
                raise ImportFileError.of("no_data")

    def _sniff_delimiter(self) -> str:
        self.file.seek(0)
        # The decoder holds back a character cut in two at the end of the sample.
        text = codecs.getincrementaldecoder(self.encoding)().decode(self.file.read(SNIFF_BYTES))
        lines = text.splitlines(keepends=True)
        return guess_delimiter(lines[:-1] if len(lines) > 1 else lines)  # the last line may be cut short

    def _raw_rows(self):
        self.file.seek(0)
        text = io.TextIOWrapper(self.file, encoding=self.encoding, newline="")
        try:
            yield from enumerate(csv.reader(text, delimiter=self.delimiter), start=1)
        finally:
            # Detached, the wrapper leaves the caller's file open.
            with contextlib.suppress(ValueError):
                text.detach()
