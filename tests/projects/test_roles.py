"""Roles as auth groups, row scope by region, and the city's regions from the data migration."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from projects import services
from projects.choices import RegionKind, Role
from projects.models import AnnualTarget, InvestmentReport, Project, Region, StageTransition
from projects.roles import ensure_role_groups, role_permissions
from tests.fixtures.regions import CITY_CODE

RANKED = {
    "441202",
    "441203",
    "441204",
    "441223",
    "441224",
    "441225",
    "441226",
    "441284",
    "441291",
    "441292",
    "441293",
}


def perms_of(role: Role) -> set[str]:
    group = Group.objects.get(name=role.value)
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


@pytest.mark.django_db
def test_the_four_groups_exist_after_migrate():
    assert set(Group.objects.filter(name__in=Role.values).values_list("name", flat=True)) == set(Role.values)


@pytest.mark.django_db
def test_every_role_can_view_projects_and_rankings_data():
    for role in Role:
        perms = perms_of(role)
        for codename in ("view_project", "view_region", "view_investmentreport", "view_annualtarget"):
            assert f"projects.{codename}" in perms, (role, codename)


@pytest.mark.django_db
def test_county_staff_write_projects_but_not_targets():
    perms = perms_of(Role.COUNTY_STAFF)
    for codename in ("add_project", "change_project", "add_investmentreport", "change_investmentreport"):
        assert f"projects.{codename}" in perms
    for codename in (
        "change_annualtarget",
        "add_annualtarget",
        "change_region",
        "delete_project",
        "view_user",
    ):
        assert f"projects.{codename}" not in perms


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.COUNTY_LEADER, Role.CITY_LEADER])
def test_leaders_read_but_do_not_change_projects(role):
    perms = perms_of(role)
    assert "projects.view_project" in perms
    for codename in ("add_project", "change_project", "delete_project", "change_investmentreport"):
        assert f"projects.{codename}" not in perms
    assert not any(p.startswith("projects.") and not p.split(".")[1].startswith("view_") for p in perms)


@pytest.mark.django_db
def test_city_admin_may_do_everything_including_targets():
    perms = perms_of(Role.CITY_ADMIN)
    for codename in (
        "change_annualtarget",
        "add_annualtarget",
        "change_project",
        "change_region",
        "view_user",
    ):
        assert f"projects.{codename}" in perms


@pytest.mark.django_db
def test_no_role_may_edit_history_tables():
    for role in Role:
        assert not any(".add_historical" in p or ".change_historical" in p for p in perms_of(role))


@pytest.mark.django_db
def test_user_has_perm_follows_the_group(county_staff, county_leader, city_leader, city_admin):
    assert county_staff.has_perm("projects.change_project")
    assert not county_leader.has_perm("projects.change_project")
    assert not city_leader.has_perm("projects.change_project")
    assert city_admin.has_perm("projects.change_annualtarget")
    assert not county_staff.has_perm("projects.change_annualtarget")
    assert county_leader.has_role(Role.COUNTY_LEADER) and not county_leader.has_role(Role.COUNTY_STAFF)


@pytest.mark.django_db
def test_ensure_role_groups_is_idempotent_and_repairs_drift():
    group = Group.objects.get(name=Role.COUNTY_LEADER.value)
    group.permissions.clear()
    Group.objects.filter(name=Role.CITY_LEADER.value).delete()
    ensure_role_groups()
    ensure_role_groups()
    assert Group.objects.filter(name__in=Role.values).count() == 4
    for role in Role:
        assert perms_of(role) == {f"{p.content_type.app_label}.{p.codename}" for p in role_permissions(role)}


# Row scope


@pytest.mark.django_db
def test_visible_to_scopes_county_users_to_their_region(
    make_project, region, other_region, county_staff, county_leader, city_leader, city_admin, make_user
):
    mine = make_project(region=region)
    theirs = make_project(region=other_region)
    for user in (county_staff, county_leader):
        assert set(Project.objects.visible_to(user)) == {mine}
    other_staff = make_user(Role.COUNTY_STAFF, region=other_region)
    assert set(Project.objects.visible_to(other_staff)) == {theirs}
    for user in (city_leader, city_admin):
        assert set(Project.objects.visible_to(user)) == {mine, theirs}
    assert not Project.objects.visible_to(AnonymousUser()).exists()


@pytest.mark.django_db
def test_visible_to_scopes_child_rows_too(
    make_project, region, other_region, county_staff, city_leader, today
):
    mine = make_project(region=region)
    theirs = make_project(region=other_region)
    for project in (mine, theirs):
        services.investment_report(project=project, month=today, amount=Decimal("1"), by=None)
        services.target_set(
            region=project.region,
            year=today.year,
            investment=Decimal("2"),
            investment_h1=Decimal("1"),
            by=None,
        )
    assert {r.project for r in InvestmentReport.objects.visible_to(county_staff)} == {mine}
    assert {r.project for r in InvestmentReport.objects.visible_to(city_leader)} == {mine, theirs}
    assert {t.region for t in AnnualTarget.objects.visible_to(county_staff)} == {region}
    assert AnnualTarget.objects.visible_to(city_leader).count() == 2
    assert {t.project for t in StageTransition.objects.visible_to(county_staff)} == {mine}


# Regions from the data migration (read as migrated: no fixture re-creates them here)


@pytest.mark.django_db
def test_the_city_is_the_parent_of_the_eleven_ranked_regions():
    city = Region.objects.get(code=CITY_CODE)
    assert city.code == "441200"
    assert (city.kind, city.parent, city.is_ranked) == (RegionKind.CITY, None, False)
    assert set(city.children.values_list("code", flat=True)) == RANKED
    assert set(Region.objects.ranked().values_list("code", flat=True)) == RANKED
    assert all(r.parent_id == city.pk and r.is_ranked for r in Region.objects.filter(code__in=RANKED))


@pytest.mark.django_db
def test_region_kinds_and_names():
    kinds = dict(Region.objects.filter(code__in=RANKED).values_list("code", "kind"))
    assert kinds["441202"] == RegionKind.DISTRICT
    assert kinds["441223"] == RegionKind.COUNTY
    assert kinds["441284"] == RegionKind.COUNTY_CITY
    assert {kinds[c] for c in ("441291", "441292", "441293")} == {RegionKind.FUNCTIONAL_ZONE}
    assert Region.objects.get(code="441202").name == "端州区"
    assert all(r.name and r.name_en for r in Region.objects.filter(code__in=RANKED | {CITY_CODE}))


@pytest.mark.django_db
def test_a_city_subtree_contains_every_region(regions):
    city = regions[CITY_CODE]
    assert set(Region.objects.subtree(city).values_list("code", flat=True)) == RANKED | {CITY_CODE}
