"""What a page of preview rows says, in words: for each row the changes it would make.

``ImportRow.data`` holds ids and ISO strings (rows.py); the page names them. Everything a page
needs is looked up for the whole page at once (the regions, industries and parks it names, the
projects it updates), so the page's query count does not grow with its rows.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from projects.choices import Stage
from projects.imports.columns import columns_of
from projects.imports.models import ImportKind, RowAction
from projects.models import Industry, Park, Project, Region

TEXT, MONEY, DATE = "text", "money", "date"
# The fields of a project row whose value is the id of a small reference table.
REFERENCES = {"region": Region, "park": Park, "industry": Industry}


@dataclass
class Item:
    label: str
    new: object
    kind: str = TEXT
    old: object = None
    has_old: bool = False

    @property
    def is_money(self) -> bool:
        return self.kind == MONEY

    @property
    def is_date(self) -> bool:
        return self.kind == DATE


@dataclass
class ShownRow:
    row: object
    items: list[Item] = field(default_factory=list)


def _day(value):
    return datetime.date.fromisoformat(value) if value else None


class _Names:
    """The names of the regions, industries and parks one page of rows refers to."""

    def __init__(self, rows, projects):
        wanted = {name: set() for name in REFERENCES}
        for row in rows:
            data = row.data or {}
            for values in (data.get("fields") or {}, data.get("changes") or {}):
                for name in REFERENCES:
                    if values.get(name):
                        wanted[name].add(values[name])
        for project in projects.values():  # what an update changes from
            for name in REFERENCES:
                if getattr(project, f"{name}_id"):
                    wanted[name].add(getattr(project, f"{name}_id"))
        self.found = {
            name: REFERENCES[name].objects.in_bulk(ids) if ids else {} for name, ids in wanted.items()
        }

    def __call__(self, name, value):
        if value in (None, ""):
            return None
        record = self.found[name].get(value)
        return str(record) if record is not None else value


def _project_items(row, labels, names, projects) -> list[Item]:
    data = row.data or {}
    items = []
    if row.action == RowAction.NEW:
        fields = data.get("fields", {})
        enterprise = data.get("enterprise", {})
        items.append(Item(labels["enterprise"], enterprise.get("name")))
        if enterprise.get("credit_code"):
            items.append(Item(labels["credit_code"], enterprise["credit_code"]))
        if data.get("code"):
            items.append(Item(labels["code"], data["code"]))
        for name in ("region", "park", "industry"):
            if fields.get(name):
                items.append(Item(labels[name], names(name, fields[name])))
        items.append(Item(labels["planned_investment"], fields.get("planned_investment"), MONEY))
        items.append(Item(labels["signed_on"], _day(data.get("signed_on")), DATE))
    else:
        project = projects.get(row.project_id)
        for name, value in (data.get("changes") or {}).items():
            if name in REFERENCES:
                old = getattr(project, f"{name}_id", None) if project else None
                item = Item(labels.get(name, name), names(name, value), old=names(name, old))
            elif name == "planned_investment":
                item = Item(labels[name], value, MONEY, old=getattr(project, name, None))
            elif name == "first_contact_on":
                item = Item(labels[name], _day(value), DATE, old=getattr(project, name, None))
            elif name == "is_manufacturing":
                item = Item(labels[name], _("Yes") if value else _("No"))
            else:
                item = Item(labels.get(name, name), value, old=getattr(project, name, None))
            item.has_old = project is not None
            items.append(item)
    # In stage order: a JSON column (jsonb) does not keep the order the keys were written in.
    advance = sorted((data.get("advance") or {}).items(), key=lambda item: Stage(item[0]).index)
    for stage, on in advance:
        items.append(Item(labels[Stage(stage).date_field], _day(on), DATE))
    if data.get("cancel") or data.get("status") == "cancel":
        items.append(Item(_("Status"), _("Cancelled (清退)")))
    elif data.get("status") == "reactivate":
        items.append(Item(_("Status"), _("Reactivated")))
    return items


def _investment_items(row, labels) -> list[Item]:
    items = []
    for write in (row.data or {}).get("reports", []):
        label = _("Investment of %(month)s") % {"month": write["month"][:7]}
        if write.get("version") is not None:
            label = _("%(label)s (corrects the stored figure)") % {"label": label}
        items.append(Item(label, write["amount"], MONEY))
    return items


def _target_items(row, labels) -> list[Item]:
    data = row.data or {}
    items = [Item(labels["year"], data.get("year"))] if data else []
    for name, value in (data.get("figures") or {}).items():
        items.append(Item(labels[name], value, MONEY if name.startswith("investment") else TEXT))
    return items


def shown_rows(ledger_import, rows) -> list[ShownRow]:
    """The rows of one page with what each would change; errors carry their own messages."""
    labels = {name: column.label for name, column in columns_of(ledger_import.kind).items()}
    kind = ImportKind(ledger_import.kind)
    if kind == ImportKind.PROJECTS:
        for stage in Stage:
            labels.setdefault(stage.date_field, Project._meta.get_field(stage.date_field).verbose_name)
        updated = [row.project_id for row in rows if row.action == RowAction.UPDATE and row.project_id]
        projects = Project.objects.in_bulk(updated) if updated else {}
        names = _Names(rows, projects)
    shown = []
    for row in rows:
        if row.action not in (RowAction.NEW, RowAction.UPDATE):
            shown.append(ShownRow(row))
        elif kind == ImportKind.PROJECTS:
            shown.append(ShownRow(row, _project_items(row, labels, names, projects)))
        elif kind == ImportKind.INVESTMENT:
            shown.append(ShownRow(row, _investment_items(row, labels)))
        else:
            shown.append(ShownRow(row, _target_items(row, labels)))
    return shown
