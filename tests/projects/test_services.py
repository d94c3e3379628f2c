"""The named write functions of projects/services.py."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects import lifecycle, services
from projects.choices import Stage, Status
from projects.models import AnnualTarget, InvestmentReport, Park, Project, StageTransition
from tests.fixtures.projects import error_codes

pytestmark = pytest.mark.usefixtures("english")

DAY = datetime.timedelta(days=1)


@pytest.fixture
def project(make_project):
    """Signed before the months these tests report for: no investment is reported before a signing."""
    return make_project(signed_on=datetime.date(2023, 12, 1))


# project_create


def test_project_create_writes_the_signed_transition(make_project, county_staff, today):
    project = make_project(signed_on=today - 3 * DAY)
    project.refresh_from_db()
    assert (project.stage, project.status, project.version, project.is_major) == (
        Stage.SIGNED,
        Status.ACTIVE,
        1,
        False,
    )
    assert project.signed_on == today - 3 * DAY
    (transition,) = StageTransition.objects.filter(project=project)
    assert (transition.from_stage, transition.to_stage, transition.on, transition.by) == (
        "",
        Stage.SIGNED,
        project.signed_on,
        county_staff,
    )


def test_project_create_assigns_incrementing_codes(make_project, region, other_region):
    year = datetime.date(2024, 5, 1)
    first = make_project(signed_on=year)
    second = make_project(signed_on=year + 30 * DAY)
    third = make_project(signed_on=year + 60 * DAY)
    assert [first.code, second.code, third.code] == [
        "441202-2024-0001",
        "441202-2024-0002",
        "441202-2024-0003",
    ]
    # Numbering is per region and per signing year.
    assert make_project(signed_on=datetime.date(2023, 12, 31)).code == "441202-2023-0001"
    assert make_project(signed_on=year, region=other_region).code == "441203-2024-0001"
    assert make_project(signed_on=year).code == "441202-2024-0004"


def test_project_create_continues_after_the_highest_number(make_project):
    make_project(signed_on=datetime.date(2024, 1, 2), code="441202-2024-0041")
    assert make_project(signed_on=datetime.date(2024, 1, 3)).code == "441202-2024-0042"
    assert make_project(signed_on=datetime.date(2024, 1, 4), code="自编-001").code == "自编-001"


def test_project_create_marks_major_projects(make_project):
    assert make_project(planned_investment=Decimal("1000000000")).is_major is True
    assert make_project(planned_investment=Decimal("999999999.99")).is_major is False


def test_project_create_refuses_a_future_signing_date(make_project, today):
    with pytest.raises(ValidationError) as info:
        make_project(signed_on=today + DAY)
    assert "signed_on" in info.value.message_dict
    assert not Project.objects.exists() and not StageTransition.objects.exists()


def test_project_create_refuses_a_park_of_another_region(make_project, other_region):
    park = Park.objects.create(name="鼎湖园区", region=other_region)
    with pytest.raises(ValidationError) as info:
        make_project(park=park)
    assert "park" in info.value.message_dict
    assert not Project.objects.exists()


def test_project_create_refuses_first_contact_after_signing(make_project, today):
    with pytest.raises(ValidationError):
        make_project(signed_on=today - 5 * DAY, first_contact_on=today - 4 * DAY)
    assert not Project.objects.exists() and not StageTransition.objects.exists()


# project_update


def test_project_update_changes_descriptive_fields_and_bumps_version(project, county_staff, region):
    park = Park.objects.create(name="端州园区", region=region)
    updated = services.project_update(
        project=project,
        by=county_staff,
        version=project.version,
        name="新名称",
        park=park,
        planned_investment=Decimal("1500000000"),
    )
    updated.refresh_from_db()
    assert (updated.name, updated.park, updated.version, updated.is_major) == ("新名称", park, 2, True)


@pytest.mark.parametrize(
    "field",
    ["stage", "signed_on", "land_supplied_on", "started_on", "above_scale_on", "status", "is_major", "code"],
)
def test_project_update_refuses_lifecycle_fields(project, county_staff, today, field):
    before = Project.objects.filter(pk=project.pk).values().get()
    value = {
        "stage": Stage.STARTED,
        "status": Status.CANCELLED,
        "is_major": True,
        "code": "X",
    }.get(field, today)
    with pytest.raises(ValidationError) as info:
        services.project_update(project=project, by=county_staff, **{field: value})
    assert field in info.value.message_dict
    assert Project.objects.filter(pk=project.pk).values().get() == before


def test_project_update_refuses_a_stale_version(project, county_staff):
    services.project_update(project=project, by=county_staff, version=1, name="第一次")
    with pytest.raises(ValidationError) as info:
        services.project_update(project=project, by=county_staff, version=1, name="第二次")
    assert "stale" in error_codes(info.value)
    project.refresh_from_db()
    assert (project.name, project.version) == ("第一次", 2)


def test_project_update_refuses_a_park_of_another_region(project, county_staff, other_region):
    park = Park.objects.create(name="鼎湖园区", region=other_region)
    with pytest.raises(ValidationError) as info:
        services.project_update(project=project, by=county_staff, park=park)
    assert "park" in info.value.message_dict
    project.refresh_from_db()
    assert (project.park, project.version) == (None, 1)
    # Moving the project to the park's region together with the park is fine.
    moved = services.project_update(project=project, by=county_staff, park=park, region=other_region)
    assert (moved.region, moved.park) == (other_region, park)


def test_project_update_keeps_the_stage(project, county_staff, today):
    project = lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today)
    updated = services.project_update(project=project, by=county_staff, name="改名")
    updated.refresh_from_db()
    assert (updated.stage, updated.land_supplied_on) == (Stage.LAND_SUPPLIED, today)


# project_cancel / project_reactivate


def test_cancel_and_reactivate(project, county_staff):
    with pytest.raises(ValidationError):
        services.project_cancel(project=project, reason=" ", by=county_staff)
    cancelled = services.project_cancel(project=project, reason="企业撤资", by=county_staff, version=1)
    assert (cancelled.status, cancelled.version) == (Status.CANCELLED, 2)
    assert Project.objects.counted().filter(pk=project.pk).exists() is False
    with pytest.raises(ValidationError) as info:
        services.project_cancel(project=project, reason="再次", by=county_staff)
    assert "status" in error_codes(info.value)
    active = services.project_reactivate(project=project, reason="恢复投资", by=county_staff, version=2)
    assert (active.status, active.version) == (Status.ACTIVE, 3)
    with pytest.raises(ValidationError):
        services.project_reactivate(project=project, reason="再次", by=county_staff)
    changes = list(project.status_changes.values_list("from_status", "to_status", "reason", "by"))
    assert changes == [
        (Status.ACTIVE, Status.CANCELLED, "企业撤资", county_staff.pk),
        (Status.CANCELLED, Status.ACTIVE, "恢复投资", county_staff.pk),
    ]


# investment_report


@pytest.mark.parametrize("day", [1, 15, 31])
def test_investment_report_normalises_to_the_first_of_the_month(project, county_staff, day):
    report = services.investment_report(
        project=project, month=datetime.date(2024, 1, day), amount=Decimal("12345.67"), by=county_staff
    )
    report.refresh_from_db()
    assert report.month == datetime.date(2024, 1, 1)
    assert (report.amount, report.version, report.reported_by) == (Decimal("12345.67"), 1, county_staff)


def test_investment_report_second_report_of_the_month_updates_it(project, county_staff):
    first = services.investment_report(
        project=project, month=datetime.date(2024, 2, 3), amount=Decimal("100"), by=county_staff
    )
    second = services.investment_report(
        project=project,
        month=datetime.date(2024, 2, 28),
        amount=Decimal("250.50"),
        note="更正",
        by=county_staff,
        version=first.version,
    )
    assert second.pk == first.pk
    (report,) = InvestmentReport.objects.filter(project=project)
    assert (report.month, report.amount, report.note, report.version) == (
        datetime.date(2024, 2, 1),
        Decimal("250.50"),
        "更正",
        2,
    )
    # Another month is another row.
    services.investment_report(
        project=project, month=datetime.date(2024, 3, 1), amount=Decimal("1"), by=county_staff
    )
    assert InvestmentReport.objects.filter(project=project).count() == 2


def test_investment_report_refuses_a_stale_version(project, county_staff):
    services.investment_report(
        project=project, month=datetime.date(2024, 2, 1), amount=Decimal("1"), by=county_staff
    )
    services.investment_report(
        project=project, month=datetime.date(2024, 2, 1), amount=Decimal("2"), by=county_staff, version=1
    )
    with pytest.raises(ValidationError) as info:
        services.investment_report(
            project=project, month=datetime.date(2024, 2, 1), amount=Decimal("3"), by=county_staff, version=1
        )
    assert "stale" in error_codes(info.value)
    assert InvestmentReport.objects.get(project=project).amount == Decimal("2")


def test_investment_report_a_correction_needs_the_version(project, county_staff):
    """Without a version the caller knew of no report: one already there is a conflict, never
    silently replaced (two people reporting the same month at once)."""
    first = services.investment_report(
        project=project, month=datetime.date(2024, 2, 1), amount=Decimal("1"), by=county_staff
    )
    with pytest.raises(ValidationError) as info:
        services.investment_report(
            project=project, month=datetime.date(2024, 2, 10), amount=Decimal("2"), by=county_staff
        )
    assert "conflict" in error_codes(info.value)
    assert str(first.pk) in " ".join(info.value.messages)
    first.refresh_from_db()
    assert (first.amount, first.version, first.history.count()) == (Decimal("1.00"), 1, 1)


@pytest.mark.parametrize("amount", [Decimal("-0.01"), Decimal("-1000000")])
def test_investment_report_refuses_negative_amounts(project, county_staff, amount):
    with pytest.raises(ValidationError) as info:
        services.investment_report(
            project=project, month=datetime.date(2024, 2, 1), amount=amount, by=county_staff
        )
    assert "amount" in info.value.message_dict
    assert not InvestmentReport.objects.exists()


def test_investment_report_zero_is_allowed(project, county_staff):
    report = services.investment_report(
        project=project, month=datetime.date(2024, 2, 1), amount=Decimal("0"), by=county_staff
    )
    assert report.amount == 0


def test_investment_report_refuses_future_months(project, county_staff, today):
    next_month = (today.replace(day=28) + 4 * DAY).replace(day=1)
    with pytest.raises(ValidationError) as info:
        services.investment_report(project=project, month=next_month, amount=Decimal("1"), by=county_staff)
    assert "month" in info.value.message_dict
    assert not InvestmentReport.objects.exists()
    # The current month, even reported on its first day for a later day, is not the future.
    report = services.investment_report(project=project, month=today, amount=Decimal("1"), by=county_staff)
    assert report.month == today.replace(day=1)


def test_investment_report_refuses_a_non_date(project, county_staff):
    with pytest.raises(ValidationError) as info:
        services.investment_report(project=project, month="2024-02", amount=Decimal("1"), by=county_staff)
    assert "month" in info.value.message_dict


def test_investment_report_refuses_cancelled_projects(project, county_staff):
    services.project_cancel(project=project, reason="清退", by=county_staff)
    project.refresh_from_db()
    with pytest.raises(ValidationError) as info:
        services.investment_report(
            project=project, month=datetime.date(2024, 2, 1), amount=Decimal("1"), by=county_staff
        )
    assert "cancelled" in error_codes(info.value)
    assert not InvestmentReport.objects.exists()


# target_set


def test_target_set_creates_then_updates(region, city_admin):
    created = services.target_set(
        region=region,
        year=2025,
        investment=Decimal("5000000000"),
        investment_h1=Decimal("2000000000"),
        started=10,
        by=city_admin,
    )
    assert (created.version, created.started) == (1, 10)
    updated = services.target_set(
        region=region,
        year=2025,
        investment=Decimal("6000000000"),
        investment_h1=Decimal("3000000000"),
        completed=4,
        by=city_admin,
        version=1,
    )
    assert updated.pk == created.pk
    (target,) = AnnualTarget.objects.filter(region=region)
    assert (target.investment, target.investment_h1, target.started, target.completed, target.version) == (
        Decimal("6000000000"),
        Decimal("3000000000"),
        0,  # a replace, not a merge
        4,
        2,
    )
    with pytest.raises(ValidationError) as info:
        services.target_set(
            region=region,
            year=2025,
            investment=Decimal("1"),
            investment_h1=Decimal("1"),
            by=city_admin,
            version=1,
        )
    assert "stale" in error_codes(info.value)


def test_target_set_refuses_h1_above_the_year(region, city_admin):
    with pytest.raises(ValidationError) as info:
        services.target_set(
            region=region,
            year=2025,
            investment=Decimal("100"),
            investment_h1=Decimal("100.01"),
            by=city_admin,
        )
    assert any("first-half" in m for m in info.value.messages)
    assert not AnnualTarget.objects.exists()
    # Equal is allowed.
    services.target_set(
        region=region, year=2025, investment=Decimal("100"), investment_h1=Decimal("100"), by=city_admin
    )


def test_target_set_h1_refusal_on_update_keeps_the_old_target(region, city_admin):
    services.target_set(
        region=region, year=2025, investment=Decimal("100"), investment_h1=Decimal("50"), by=city_admin
    )
    with pytest.raises(ValidationError) as info:
        services.target_set(
            region=region,
            year=2025,
            investment=Decimal("100"),
            investment_h1=Decimal("150"),
            by=city_admin,
            version=1,
        )
    assert any("first-half" in m for m in info.value.messages)
    target = AnnualTarget.objects.get(region=region, year=2025)
    assert (target.investment_h1, target.version) == (Decimal("50"), 1)


def test_investment_report_refuses_a_month_before_the_signing(make_project, county_staff):
    project = make_project(signed_on=datetime.date(2024, 3, 18))
    with pytest.raises(ValidationError) as error:
        services.investment_report(
            project=project, month=datetime.date(2024, 2, 29), amount=Decimal("1.00"), by=county_staff
        )
    assert error.value.error_dict["month"][0].code == "before_signing"
    assert "signed in 2024-03" in error.value.message_dict["month"][0]
    assert not project.investment_reports.exists()
    # Any day of the signing's own month stands for that month, which takes a report.
    services.investment_report(
        project=project, month=datetime.date(2024, 3, 1), amount=Decimal("1.00"), by=county_staff
    )
    assert project.investment_reports.get().month == datetime.date(2024, 3, 1)


def test_target_set_without_a_version_never_replaces_a_target(region, city_admin, english):
    """A writer that read no target creates one; where one exists it is refused, naming it."""
    first = services.target_set(
        region=region, year=2025, investment=Decimal("100"), investment_h1=Decimal("50"), by=city_admin
    )
    with pytest.raises(ValidationError) as info:
        services.target_set(
            region=region, year=2025, investment=Decimal("900"), investment_h1=Decimal("50"), by=city_admin
        )
    assert "conflict" in error_codes(info.value)
    assert f"(id {first.pk})" in info.value.message_dict["year"][0]
    target = AnnualTarget.objects.get(region=region, year=2025)
    assert (target.investment, target.version, target.history.count()) == (Decimal("100.00"), 1, 1)
