"""Finding the header row of a ledger and matching its columns to fields.

Real ledgers put a title (and a unit line, 单位：万元) above the header, spread a header over two
rows (a merged "阶段时间" over 签约 / 开工 / 竣工), name columns in their own words and add
columns of their own. The header is the row (or pair of rows) among the first ones whose texts
match the most fields; columns no field matches are ignored. A bureau's corrected mapping is
remembered by header text and wins over the automatic match next time.
"""

import re
from dataclasses import dataclass, field

from projects.imports.columns import COLUMNS, Column
from projects.imports.models import ImportKind
from projects.imports.values import UNIT_WORDS, normalise

# How far down a header may start: titles, notes and a unit line rarely take more.
HEAD_ROWS = 15
# "（万元）", "(单位：元)", and the English headers of the app's own exports: "(10k yuan)".
_UNIT_IN_BRACKETS = re.compile(
    r"[(\[【]\s*(?:单位[:：]?|unit:?)?\s*(万元|亿元|元|万|亿|10k yuan|100m yuan|yuan)\s*[)\]】]",
    re.IGNORECASE,
)
_UNIT_NAMES = {**UNIT_WORDS, "10k yuan": "wan", "100m yuan": "yi", "yuan": "yuan"}
_UNIT_LINE = re.compile(r"单位\s*[:：]\s*(万元|亿元|元)")
# 月报 columns: "3月", "2026年3月", "3月份完成投资"; "1-10月累计完成投资" (year to date).
_MONTH_COLUMN = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月份?(?:完成投资|投资|完成|实际投资)?$")
_ISO_MONTH_COLUMN = re.compile(r"^(\d{4})-(\d{1,2})$")
_YTD_COLUMN = re.compile(
    r"^(?:(\d{4})年)?1[-~—–至到](\d{1,2})月份?(?:累计)?(?:完成投资|投资|完成)?(?:累计)?$"
)


def clean(text) -> str:
    """A header as compared: ASCII punctuation, no spaces or line breaks, no unit, lower case."""
    result = _UNIT_IN_BRACKETS.sub("", normalise(text)).replace(" ", "")
    return result.lower().strip(":：*")


def unit_of(text) -> str | None:
    """The money unit a header or a unit line names, if any."""
    found = _UNIT_IN_BRACKETS.search(normalise(text)) or _UNIT_LINE.search(normalise(text))
    return _UNIT_NAMES[found.group(1).lower()] if found else None


def _alias_index(kind) -> dict[str, str]:
    index = {}
    for column in COLUMNS[ImportKind(kind)]:
        for alias in (column.field, column.label, *column.aliases):
            index.setdefault(clean(str(alias)), column.field)
    return index


def dynamic_field(text: str) -> str | None:
    """Month columns of a 月报: ``month:2026-03`` / ``month:3``, ``ytd:2026-10`` / ``ytd:10``."""
    cleaned = clean(text)
    for pattern, prefix in ((_YTD_COLUMN, "ytd"), (_MONTH_COLUMN, "month")):
        match = pattern.match(cleaned)
        if match:
            year, number = match.group(1), int(match.group(2))
            if 1 <= number <= 12:
                return f"{prefix}:{year}-{number:02d}" if year else f"{prefix}:{number}"
    match = _ISO_MONTH_COLUMN.match(cleaned)
    if match and 1 <= int(match.group(2)) <= 12:
        return f"month:{match.group(1)}-{int(match.group(2)):02d}"
    return None


def match_text(text: str, kind, index: dict[str, str] | None = None) -> str | None:
    """The field a header text names: an exact alias, else the longest alias it contains."""
    index = index if index is not None else _alias_index(kind)
    cleaned = clean(text)
    if not cleaned:
        return None
    if cleaned in index:
        return index[cleaned]
    if ImportKind(kind) == ImportKind.INVESTMENT:
        dynamic = dynamic_field(text)
        if dynamic:
            return dynamic
    contained = [alias for alias in index if len(alias) >= 3 and alias in cleaned]
    return index[max(contained, key=len)] if contained else None


@dataclass
class Header:
    row: int  # the (last) header row, as Excel numbers it
    texts: dict[int, str]  # column index → header text as shown
    mapping: dict[int, str]  # column index → field
    units: dict[int, str] = field(default_factory=dict)  # column index → unit its header names
    unit: str | None = None  # the unit line's unit

    def score(self) -> int:
        return len(set(self.mapping.values()))


def _texts(cells) -> list[str]:
    return ["" if cell is None else normalise(cell) for cell in cells]


def _candidate(kind, index, row: int, top: list[str], bottom: list[str] | None, remembered) -> Header:
    texts, mapping, units = {}, {}, {}
    carried = ""
    width = max(len(top), len(bottom or []))
    for i in range(width):
        upper = top[i] if i < len(top) else ""
        if bottom is None:
            options = [upper]
        else:
            lower = bottom[i] if i < len(bottom) else ""
            # A merged cell's text stands in its first column only: carry it to the right
            # over the columns it spans (their top is empty and their bottom is not).
            carried = upper or (carried if lower else "")
            options = [lower, f"{carried}{lower}", carried] if lower else [upper]
        shown = next((option for option in options if option), "")
        if not shown:
            continue
        texts[i] = shown
        for option in options:
            if not option:
                continue
            found = remembered.get(option) or match_text(option, kind, index)
            if found:
                mapping[i] = found
                unit = unit_of(option) or (unit_of(carried) if bottom is not None else None)
                if unit:
                    units[i] = unit
                break
    # One column per field: the first wins, a later duplicate is left unmapped (and shown so).
    seen = set()
    for i in sorted(mapping):
        if mapping[i] in seen:
            del mapping[i]
        else:
            seen.add(mapping[i])
    return Header(row=row, texts=texts, mapping=mapping, units=units)


def find_header(
    head: list[tuple[int, tuple]], kind, remembered: dict[str, str] | None = None
) -> Header | None:
    """The best header among the first rows ``head`` ((row number, cells) pairs), or None."""
    index = _alias_index(kind)
    remembered = remembered or {}
    rows = [(number, _texts(cells)) for number, cells in head[: HEAD_ROWS + 1]]
    best = None
    for position, (number, texts) in enumerate(rows):
        candidates = [_candidate(kind, index, number, texts, None, remembered)]
        if position + 1 < len(rows):
            next_number, next_texts = rows[position + 1]
            candidates.append(_candidate(kind, index, next_number, texts, next_texts, remembered))
        for candidate in candidates:
            if best is None or candidate.score() > best.score():
                best = candidate
    if best is None or best.score() < 2:
        return None
    for number, texts in rows:
        if number >= best.row:
            break
        units = [unit_of(text) for text in texts if text]
        best.unit = next((unit for unit in units if unit), best.unit)
    return best


def missing_required(kind, mapping: dict[int, str]) -> list[Column]:
    fields = set(mapping.values())
    missing = [c for c in COLUMNS[ImportKind(kind)] if c.required and c.field not in fields]
    if ImportKind(kind) == ImportKind.INVESTMENT:
        if not fields & {"code", "name", "credit_code"}:
            missing.append(COLUMNS[ImportKind.INVESTMENT][1])
        if not any(f in ("amount", "ytd") or f.startswith(("month:", "ytd:")) for f in fields):
            missing.append(COLUMNS[ImportKind.INVESTMENT][4])
    return missing
