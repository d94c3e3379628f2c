"""Money on screens: stored as Decimal yuan, shown as 万元 or 亿元 (DESIGN "Vocabulary").

Decimal arithmetic only. A float here would mean a figure already lost its exactness
somewhere upstream, so it is refused rather than rounded into something plausible.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _

from zhaoqing_tracker.money import FEN as CENT
from zhaoqing_tracker.money import WAN, YI

register = template.Library()


def to_decimal(value) -> Decimal | None:
    """Decimal for Decimal, int or a numeric string; None for empty; TypeError for float."""
    if value is None or value == "":
        return None
    if isinstance(value, bool | float):
        raise TypeError(f"money filters take Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def in_unit(value, unit: Decimal) -> Decimal | None:
    amount = to_decimal(value)
    if amount is None:
        return None
    return (amount / unit).quantize(CENT, rounding=ROUND_HALF_UP)


def _grouped(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:,.2f}"


@register.filter
def wan(value) -> str:
    """Yuan → 万元 with 2 decimals and thousands separators: 300000000 → "30,000.00"."""
    return _grouped(in_unit(value, WAN))


@register.filter
def yi(value) -> str:
    """Yuan → 亿元 with 2 decimals: 300000000 → "3.00"."""
    return _grouped(in_unit(value, YI))


@register.filter
def money(value) -> str:
    """Yuan in the unit a reader expects: 亿元 from one 亿 up, 万元 below, with the unit."""
    amount = to_decimal(value)
    if amount is None:
        return ""
    if abs(amount) >= YI:
        return _("%(amount)s hundred million yuan") % {"amount": yi(amount)}
    return _("%(amount)s ten thousand yuan") % {"amount": wan(amount)}
