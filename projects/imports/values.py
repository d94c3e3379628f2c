"""Cell values as ledgers hold them, read into what the services take.

Every reader raises ``ValueError`` with a message in the user's language; the preview puts it on
the row, under the column's header. Money comes out as Decimal yuan, never through a float's
rounding: a float cell is read through ``repr`` (the shortest text that gives the same float,
which is what Excel showed), then scaled exactly.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from projects.choices import Stage, Status
from zhaoqing_tracker.money import WAN, YI, YUAN, AmountError, parse_amount

UNITS = {"yuan": YUAN, "wan": WAN, "yi": YI}
# What bureaus write for "nothing here".
BLANKS = {"", "-", "—", "——", "–", "/", "／", "无", "暂无", "none", "n/a", "na", "null", "\\"}
# Unit words as they appear in unit lines, headers and typed amounts.
UNIT_WORDS = {"元": "yuan", "万元": "wan", "万": "wan", "亿元": "yi", "亿": "yi"}

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－／（）：　", "0123456789.,-/(): ")


def normalise(text) -> str:
    """Full-width digits and punctuation as ASCII, no surrounding or doubled spaces."""
    return re.sub(r"\s+", " ", str(text).translate(_FULL_WIDTH)).strip()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and normalise(value).lower() in BLANKS)


def money(value, unit: str) -> Decimal | None:
    """Decimal yuan from a cell in ``unit`` (wan, yuan, yi); a typed unit (386万, 3.86亿元) wins.

    Text is read as the browser's money field reads it (zhaoqing_tracker/money.py); a number cell
    is read as Excel showed it: a float through ``repr``, its shortest exact text."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(_("Enter an amount."))
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
    elif isinstance(value, int | Decimal):
        text = format(Decimal(value), "f")
    else:
        text = normalise(value).replace(" ", "")
    try:
        yuan = parse_amount(text, UNITS[unit])
    except AmountError as error:
        messages = {
            "precision": _("“%(value)s” is more precise than a fen (0.01 yuan)."),
            "max": _("“%(value)s” is too large for an amount."),
        }
        raise ValueError(
            messages.get(error.code, _("“%(value)s” is not an amount.")) % {"value": value}
        ) from None
    if yuan < 0:
        raise ValueError(_("An amount cannot be negative."))
    return yuan


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_MONTH_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(份)?$"),
]


def date(value, *, month_precision_ok: bool = True) -> datetime.date | None:
    """A date from an Excel date cell or text (2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日); a
    month alone (2024年3月, 2024-03) is its first day, as bureaus record many dates by month."""
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = normalise(value).replace(" ", "")
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            return _checked(*map(int, match.groups()[:3]), value=value)
    if month_precision_ok:
        for pattern in _MONTH_PATTERNS:
            match = pattern.match(text)
            if match:
                return _checked(int(match.group(1)), int(match.group(2)), 1, value=value)
    raise ValueError(
        _("“%(value)s” is not a date; write it as 2024-03-05 or 2024年3月5日.") % {"value": value}
    )


def _checked(year, month, day, *, value) -> datetime.date:
    try:
        result = datetime.date(year, month, day)
    except ValueError:
        raise ValueError(_("“%(value)s” is not a real date.") % {"value": value}) from None
    if result < datetime.date(2000, 1, 1):
        raise ValueError(_("Dates before 2000-01-01 are not accepted."))
    return result


def month(value) -> datetime.date | None:
    """The first day of the month a cell names."""
    day = date(value)
    return day.replace(day=1) if day else None


def text(value, *, max_length: int) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number
    result = normalise(value) if not isinstance(value, datetime.date) else value.isoformat()
    if len(result) > max_length:
        raise ValueError(_("Longer than %(max)d characters.") % {"max": max_length})
    return result


def count(value) -> int | None:
    if is_blank(value):
        return None
    try:
        number = Decimal(repr(value) if isinstance(value, float) else normalise(value).replace(",", ""))
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value}) from None
    if number != number.to_integral_value() or number < 0:
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
    return int(number)


_YES = {"是", "y", "yes", "true", "1", "√", "✓", "制造业"}
_NO = {"否", "n", "no", "false", "0", "×", "非制造业"}


def yes_no(value) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    word = normalise(value).lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValueError(_("Write 是 or 否 (yes or no)."))


def _choice_words(choices) -> dict[str, str]:
    """A choice's value and its label in every language, whatever the uploader's language."""
    words = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for choice in choices:
                for word in (choice.value, choice.label):
                    words[normalise(str(word)).lower()] = choice.value
    return words


# Chinese names of the stages and statuses as ledgers write them, besides the labels.
STAGE_WORDS = {
    "签约": Stage.SIGNED,
    "已签约": Stage.SIGNED,
    "供地": Stage.LAND_SUPPLIED,
    "已供地": Stage.LAND_SUPPLIED,
    "开工": Stage.STARTED,
    "已开工": Stage.STARTED,
    "在建": Stage.STARTED,
    "竣工": Stage.COMPLETED,
    "已竣工": Stage.COMPLETED,
    "投产": Stage.IN_PRODUCTION,
    "已投产": Stage.IN_PRODUCTION,
    "上规": Stage.ABOVE_SCALE,
    "已上规": Stage.ABOVE_SCALE,
    "纳统": Stage.ABOVE_SCALE,
}
STATUS_WORDS = {
    "正常": Status.ACTIVE,
    "推进中": Status.ACTIVE,
    "在推进": Status.ACTIVE,
    "停滞": Status.STALLED,
    "半拉子": Status.STALLED,
    "清退": Status.CANCELLED,
    "已清退": Status.CANCELLED,
    "取消": Status.CANCELLED,
}


def stage(value) -> Stage | None:
    if is_blank(value):
        return None
    word = normalise(value).lower()
    found = STAGE_WORDS.get(word) or _choice_words(Stage).get(word)
    if found is None:
        raise ValueError(_("“%(value)s” is not a stage.") % {"value": value})
    return Stage(found)


def status(value) -> Status | None:
    if is_blank(value):
        return None
    word = normalise(value).lower()
    found = STATUS_WORDS.get(word) or _choice_words(Status).get(word)
    if found is None:
        raise ValueError(_("“%(value)s” is not a status.") % {"value": value})
    return Status(found)
