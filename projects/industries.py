"""Named writes of the industries (house rule 2): the city admin's reference data.

Two levels: the GB/T 4754 divisions (no parent) come with the migrations, and the strategic
industries sit under them. A code is what the API, the filters and the ledger imports name an
industry by, so it is fixed once the industry exists; names and the division may be corrected.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from projects.audit import apply_changes, field_error, lock, save_audited
from projects.models import Industry


def _check_parent(*, industry: Industry | None, parent: Industry | None) -> None:
    """The division of an industry is a first-level industry, and an industry with industries
    under it is a division itself: the tree has two levels, so a filter by division is one query."""
    if parent is None:
        return
    if industry is not None and industry.pk is not None:
        if parent.pk == industry.pk:
            raise field_error("parent", _("An industry cannot be its own division."), "self")
        if industry.children.exists():
            raise field_error(
                "parent",
                _("Industries are filed under this one; a division cannot be put under another."),
                "has_children",
            )
    if parent.parent_id is not None:
        raise field_error(
            "parent",
            _("“%(parent)s” is itself under a division; choose a division (e.g. C36).")
            % {"parent": parent.code},
            "not_a_division",
        )


@transaction.atomic
def industry_create(
    *, code: str, name: str, by, name_en: str = "", parent: Industry | None = None
) -> Industry:
    """Add an industry: a division (no parent) or a strategic industry under one."""
    _check_parent(industry=None, parent=parent)
    industry = Industry(
        code=(code or "").strip(), name=(name or "").strip(), name_en=(name_en or "").strip(), parent=parent
    )
    return save_audited(industry, by=by, reason="created")


@transaction.atomic
def industry_update(
    *,
    industry: Industry,
    name: str,
    by,
    name_en: str = "",
    parent: Industry | None = None,
    version: int | None = None,
) -> Industry:
    """Correct an industry's names or its division; an unchanged industry writes nothing."""
    industry = lock(industry, version)
    _check_parent(industry=industry, parent=parent)
    changes = {"name": (name or "").strip(), "name_en": (name_en or "").strip(), "parent": parent}
    if apply_changes(industry, changes):
        industry.version += 1
        save_audited(industry, by=by, reason="edited")
    return industry


def division_ids(industry: Industry) -> list[int]:
    """The industry and the industries under it (a division and its strategic industries)."""
    return [industry.pk, *Industry.objects.filter(parent=industry).values_list("pk", flat=True)]
