"""Named writes of the responsible units (责任单位) and the officials who work in them (house rule 2).

Kept apart from services.py, which holds the work done on projects: these are the reference
rows that work points at, maintained by a city or county admin.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from projects.audit import apply_changes, field_error, lock, save_audited
from supervision.models import Person, Unit


def _check_unit_of_person(*, unit: Unit | None, region) -> None:
    """An official works in a unit of their own region or in a city-level one."""
    region_id = region.pk if region is not None else None
    if unit is not None and unit.region_id not in (None, region_id):
        raise field_error("unit", _("The unit belongs to another region."), "other_region")


def _check_people_of_unit(*, unit: Unit, region) -> None:
    """A unit that moves to a region may not leave its officials behind in another one
    (a city-level unit, no region, may have officials anywhere)."""
    if unit.people.exclude(region=region).exists():
        raise ValidationError(
            {"region": _("Officials of this unit work in another region; move them first.")}
        )


@transaction.atomic
def unit_create(*, name: str, by, name_en: str = "", region=None) -> Unit:
    """Add a unit of ``region``, or a city-level one (no region)."""
    unit = Unit(name=(name or "").strip(), name_en=(name_en or "").strip(), region=region)
    return save_audited(unit, by=by, reason="created")


@transaction.atomic
def unit_update(
    *, unit: Unit, name: str, by, name_en: str = "", region=None, version: int | None = None
) -> Unit:
    """Rename a unit or move it to another region; an unchanged unit writes nothing."""
    unit = lock(unit, version)
    if region is not None and region.pk != unit.region_id:
        _check_people_of_unit(unit=unit, region=region)
    changes = {"name": (name or "").strip(), "name_en": (name_en or "").strip(), "region": region}
    if apply_changes(unit, changes):
        unit.version += 1
        save_audited(unit, by=by, reason="edited")
    return unit


@transaction.atomic
def person_create(
    *, name: str, by, title: str = "", phone: str = "", region=None, unit=None, user=None
) -> Person:
    """Add an official of ``region`` (none for a city-level one), optionally linked to a login."""
    _check_unit_of_person(unit=unit, region=region)
    person = Person(
        name=(name or "").strip(),
        title=(title or "").strip(),
        phone=(phone or "").strip(),
        region=region,
        unit=unit,
        user=user,
    )
    return save_audited(person, by=by, reason="created")


@transaction.atomic
def person_update(
    *, person: Person, name: str, by, title: str = "", phone: str = "", region=None, unit=None, user=None
) -> Person:
    """Correct an official's details, under the rules of adding one; an unchanged official writes nothing."""
    _check_unit_of_person(unit=unit, region=region)
    person = lock(person)
    changes = {
        "name": (name or "").strip(),
        "title": (title or "").strip(),
        "phone": (phone or "").strip(),
        "region": region,
        "unit": unit,
        "user": user,
    }
    if apply_changes(person, changes):
        save_audited(person, by=by, reason="edited")
    return person
