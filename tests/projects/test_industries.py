"""The industries of a fresh install: the GB/T 4754-2017 manufacturing divisions and the city's
strategic industries under them, from the data migration (idempotent against a database that
has industries already), and the named writes that keep the tree two levels deep."""

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

from projects import industries
from projects.models import Industry
from tests.fixtures.projects import error_codes, industries_migration

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DIVISION_CODES = [f"C{number}" for number in range(13, 44)]


def add_industries():
    industries_migration.add_industries(django_apps, None)


def empty_the_table():
    Industry.objects.filter(parent__isnull=False).delete()
    Industry.objects.all().delete()


def test_the_31_manufacturing_divisions_with_their_official_names(national_industries):
    divisions = Industry.objects.filter(parent__isnull=True, code__in=DIVISION_CODES)
    assert sorted(divisions.values_list("code", flat=True)) == DIVISION_CODES
    names = dict(divisions.values_list("code", "name"))
    assert names["C13"] == "农副食品加工业"
    assert names["C27"] == "医药制造业"
    assert names["C36"] == "汽车制造业"
    assert names["C39"] == "计算机、通信和其他电子设备制造业"
    assert names["C43"] == "金属制品、机械和设备修理业"
    assert all(divisions.values_list("name_en", flat=True))
    assert national_industries["C38"].name_en == "Manufacture of electrical machinery and apparatus"


def test_the_strategic_industries_of_the_articles_sit_under_their_divisions(national_industries):
    under = {
        code: industry.parent.code
        for code, industry in national_industries.items()
        if industry.parent_id is not None
    }
    assert under == {
        "new-energy-vehicles": "C36",
        "energy-storage": "C38",
        "electronic-information": "C39",
        "hydrogen-energy": "C38",
        "intelligent-equipment": "C34",
        "biomedicine": "C27",
        "food-beverage": "C14",
        "beauty-cosmetics": "C26",
        "low-altitude-aircraft": "C37",
    }
    assert national_industries["biomedicine"].name == "南药与生物医药"
    assert str(national_industries["energy-storage"]) == "New energy storage"  # English reader


def test_rerunning_the_migration_changes_nothing(national_industries):
    before = list(Industry.objects.order_by("pk").values())
    add_industries()
    assert list(Industry.objects.order_by("pk").values()) == before


def test_rows_with_the_same_codes_are_brought_up_to_date(make_project):
    """A database that had industries before (the demo's, or a bureau's own) keeps its rows and
    their projects; their names and division follow the classification, their version goes up."""
    empty_the_table()
    car = Industry.objects.create(code="C36", name="汽车", name_en="")
    medicine = Industry.objects.create(code="biomedicine", name="生物医药(南药)", name_en="Biomedicine")
    project = make_project(industry=medicine)

    add_industries()

    car.refresh_from_db()
    medicine.refresh_from_db()
    assert (car.name, car.name_en, car.parent, car.version) == (
        "汽车制造业",
        "Manufacture of motor vehicles",
        None,
        2,
    )
    assert (medicine.name, medicine.parent.code, medicine.version) == ("南药与生物医药", "C27", 2)
    project.refresh_from_db()
    assert project.industry_id == medicine.pk
    assert Industry.objects.filter(code__in=DIVISION_CODES).count() == 31


def test_a_local_row_with_the_national_name_takes_the_national_code(make_project):
    empty_the_table()
    pharma = Industry.objects.create(code="pharma", name="医药制造业")
    project = make_project(industry=pharma)

    add_industries()

    pharma.refresh_from_db()
    assert pharma.code == "C27"
    assert Industry.objects.filter(name="医药制造业").count() == 1
    project.refresh_from_db()
    assert project.industry.code == "C27"


def test_a_name_held_by_another_industry_stays_with_it():
    empty_the_table()
    Industry.objects.create(code="C14", name="食品")
    Industry.objects.create(code="food", name="食品制造业")

    add_industries()  # no IntegrityError: the migration never takes a name from another row

    assert Industry.objects.get(code="C14").name == "食品"
    assert Industry.objects.get(code="food").name == "食品制造业"
    assert Industry.objects.get(code="food-beverage").parent.code == "C14"


# --- the named writes ---------------------------------------------------------------------------


def test_a_strategic_industry_is_added_under_a_division(national_industries, city_admin):
    industry = industries.industry_create(
        code="photovoltaics",
        name="光伏",
        name_en="Photovoltaics",
        parent=national_industries["C38"],
        by=city_admin,
    )
    assert industry.parent.code == "C38"
    row = industry.history.get()
    assert (row.history_type, row.history_user, row.history_change_reason) == ("+", city_admin, "created")


def test_the_tree_stays_two_levels_deep(national_industries, city_admin):
    with pytest.raises(ValidationError) as error:
        industries.industry_create(
            code="fuel-cells", name="燃料电池", parent=national_industries["hydrogen-energy"], by=city_admin
        )
    assert error_codes(error.value) == {"not_a_division"}
    assert not Industry.objects.filter(code="fuel-cells").exists()

    c38 = national_industries["C38"]
    with pytest.raises(ValidationError) as error:
        industries.industry_update(
            industry=c38, name=c38.name, name_en=c38.name_en, parent=national_industries["C39"], by=city_admin
        )
    assert error_codes(error.value) == {"has_children"}

    c41 = national_industries["C41"]
    with pytest.raises(ValidationError) as error:
        industries.industry_update(industry=c41, name=c41.name, parent=c41, by=city_admin)
    assert error_codes(error.value) == {"self"}
    assert Industry.objects.get(code="C41").parent is None


def test_an_update_bumps_the_version_and_an_unchanged_one_writes_nothing(national_industries, city_admin):
    storage = national_industries["energy-storage"]
    rows = storage.history.count()
    industries.industry_update(
        industry=storage,
        name="新型储能",
        name_en="New-type energy storage",
        parent=storage.parent,
        by=city_admin,
    )
    assert (storage.version, storage.history.count()) == (2, rows + 1)
    assert storage.history.first().history_user == city_admin

    industries.industry_update(
        industry=storage,
        name="新型储能",
        name_en="New-type energy storage",
        parent=storage.parent,
        by=city_admin,
    )
    assert (storage.version, storage.history.count()) == (2, rows + 1)

    with pytest.raises(ValidationError) as error:
        industries.industry_update(
            industry=storage, name="储能", parent=storage.parent, by=city_admin, version=1
        )
    assert error_codes(error.value) == {"stale"}
