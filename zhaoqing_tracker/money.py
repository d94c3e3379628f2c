"""Money as people type it: 万元 by default, exact to the fen (DESIGN "Vocabulary").

Storage and the API keep Decimal yuan with 2 decimals; people think and type in 万元 ("386",
"386.5", "386万"), sometimes in 亿元 ("3.86亿") or copy a figure in yuan ("3,860,000元"). This is the
one reading of such text, for the browser's money field (zhaoqing_tracker/forms.py) and anything
else that reads typed amounts; static/js/money.js repeats it for the echo under the input and
must accept exactly what this accepts.

Decimal arithmetic only: a figure that is more precise than a fen is refused, never rounded, so
that what is stored is what was typed.
"""

import re
import unicodedata
from decimal import Decimal, localcontext

YUAN = Decimal("1")
WAN = Decimal("10000")
YI = Decimal("100000000")
FEN = Decimal("0.01")
# The money columns hold 16 digits, 2 of them decimals (projects.models.MONEY).
MAX_YUAN = Decimal("99999999999999.99")

# The unit written after the figure; none means the default unit (万元 in the browser).
UNITS = {"元": YUAN, "万": WAN, "万元": WAN, "亿": YI, "亿元": YI}

# A sign, digits (grouped by commas in threes, or not grouped), a decimal part, a unit. Grouping
# in threes only: "386,5" is a European decimal comma more often than a typo, and reading it as
# 3865 would be a tenfold error, so it is refused instead.
_AMOUNT = re.compile(
    r"(?P<sign>[+-]?)(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.(?P<fraction>[0-9]*))?"
    r"\s*(?P<unit>万元?|亿元?|元)?"
)


class AmountError(ValueError):
    """Text that is not an amount (``code`` "invalid"), one finer than a fen ("precision"), or
    one beyond what the money columns hold ("max")."""

    def __init__(self, code: str, unit: Decimal):
        super().__init__(code)
        self.code, self.unit = code, unit


def normalise(text: str) -> str:
    """Full-width digits, commas and points as ASCII (a Chinese input method types them), and the
    ideographic full stop as a decimal point (the same key in Chinese punctuation mode)."""
    return unicodedata.normalize("NFKC", text).replace("。", ".").strip()


def parse_amount(text: str, default_unit: Decimal = WAN) -> Decimal | None:
    """The amount ``text`` means, in yuan with 2 decimals; None for blank text.

    ``AmountError`` for text that is not an amount, that is finer than a fen in its unit (more
    than 6 decimals in 万元, 10 in 亿元, 2 in 元), or that is too large to store."""
    text = normalise(text or "")
    if not text:
        return None
    match = _AMOUNT.fullmatch(text)
    unit = UNITS.get(match.group("unit"), default_unit) if match else default_unit
    if match is None or not (match.group("whole") or match.group("fraction")):
        raise AmountError("invalid", unit)
    whole = match.group("whole").replace(",", "").lstrip("0")
    if len(whole) > len(str(int(MAX_YUAN))):  # larger than any column holds, whatever the unit
        raise AmountError("max", unit)
    # Enough digits that nothing typed within that length is ever rounded.
    with localcontext(prec=60):
        yuan = Decimal(f"{match.group('sign')}{whole or '0'}.{match.group('fraction') or '0'}") * unit
        if yuan != yuan.quantize(FEN):
            raise AmountError("precision", unit)
        if abs(yuan) > MAX_YUAN:
            raise AmountError("max", unit)
        return yuan.quantize(FEN)


def in_wan_text(yuan: Decimal | None) -> str:
    """Yuan as the plain 万元 figure a person would type back: 3860000.00 → "386",
    12500000.50 → "1250.00005" (exact, no grouping, no trailing zeros)."""
    if yuan is None:
        return ""
    return format((Decimal(yuan) / WAN).normalize(), "f")
