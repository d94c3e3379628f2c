"""A project's field history as people read it: who changed what, names instead of ids.

The rows are simple_history's; the differences come from ``audit.history_delta``, which also
sees the stage, its dates and the status (editable=False fields that plain diffs skip).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from projects.audit import change_reason_label, history_delta
from projects.choices import Stage, Status
from projects.models import Enterprise, Industry, Park, Project, Region
from projects.templatetags.money import money

RELATED = {"enterprise": Enterprise, "region": Region, "park": Park, "industry": Industry}
CHOICES = {"stage": Stage, "status": Status}


def project_history(project: Project, *, limit: int) -> dict:
    """The latest ``limit`` saved changes, newest first, each compared with the row before it.

    One query for the rows (one extra row fetched as the base of the oldest shown) and one per
    kind of related record named in them, whatever ``limit`` is.
    """
    rows = list(project.history.select_related("history_user").order_by("-history_id")[: limit + 1])
    deltas = []
    for index, row in enumerate(rows[:limit]):
        older = rows[index + 1] if index + 1 < len(rows) else None
        deltas.append(history_delta(row, older).changes if older is not None else [])
    names = _related_names(deltas)
    entries = [
        {
            "at": row.history_date,
            "by": row.history_user,
            "reason": change_reason_label(row.history_change_reason),
            "created": row.history_type == "+",
            "changes": [
                {
                    "label": _label(change.field),
                    "old": display_value(change.field, change.old, names),
                    "new": display_value(change.field, change.new, names),
                }
                for change in changes
            ],
        }
        for row, changes in zip(rows[:limit], deltas, strict=True)
    ]
    return {"entries": entries, "more": len(rows) > limit}


def _related_names(deltas) -> dict:
    names = {}
    for field, model in RELATED.items():
        ids = {value for changes in deltas for c in changes if c.field == field for value in (c.old, c.new)}
        ids.discard(None)
        if ids:
            names[field] = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=ids)}
    return names


def _label(field: str) -> str:
    try:
        return str(Project._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field


def display_value(field: str, value, names: dict | None = None) -> str:
    """A stored value as a reader wants it: labels for choices, names for ids, 万元/亿元 for money."""
    names = names or {}
    if value is None or value == "":
        return "—"
    if field in names:
        return names[field].get(value, str(value))
    if field in CHOICES:
        return str(CHOICES[field](value).label) if value in CHOICES[field].values else str(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
