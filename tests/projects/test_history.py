"""Every change leaves a history row naming who made it, and the row shows old → new."""

import datetime
from decimal import Decimal

import pytest

from projects import lifecycle, services
from projects.audit import history_delta
from projects.choices import Stage, Status

DAY = datetime.timedelta(days=1)


@pytest.fixture
def project(make_project):
    """Signed before the months these tests report for: no investment is reported before a signing."""
    return make_project(signed_on=datetime.date(2023, 12, 1))


def changes(record) -> dict:
    """``{field: (old, new)}`` against the previous row, as the admin and the API show it."""
    delta = history_delta(record, record.prev_record)
    return {c.field: (c.old, c.new) for c in delta.changes}


def all_changes(record) -> dict:
    """Like ``changes`` but over every tracked field.

    ``diff_against`` compares only editable fields (django-simple-history #1019), and the
    stage, its dates, the status, is_major and the version are all ``editable=False``
    because only lifecycle.py and the services may write them; so this reads the two rows.
    """
    old = record.prev_record
    return {
        f.name: (f.value_from_object(old), f.value_from_object(record))
        for f in record.tracked_fields
        if f.value_from_object(old) != f.value_from_object(record)
    }


def latest(obj):
    return obj.history.order_by("-history_id").first()


def test_create_writes_a_history_row(project, county_staff):
    (row,) = project.history.all()
    assert (row.history_type, row.history_user, row.history_change_reason) == ("+", county_staff, "created")
    assert (row.stage, row.signed_on, row.code) == (Stage.SIGNED, project.signed_on, project.code)
    (transition,) = project.transitions.all()
    assert latest(transition).history_user == county_staff


def test_update_shows_old_and_new(project, county_staff, make_user, region):
    editor = make_user(None, region=region, username="editor")
    services.project_update(
        project=project, by=editor, name="新名称", planned_investment=Decimal("1200000000")
    )
    row = latest(project)
    assert (row.history_type, row.history_user, row.history_change_reason) == ("~", editor, "edited")
    diff = changes(row)
    assert diff == {
        "name": ("年产10万吨新材料项目", "新名称"),
        "planned_investment": (Decimal("300000000.00"), Decimal("1200000000.00")),
        "is_major": (False, True),
    }
    derived = all_changes(row)
    assert derived["is_major"] == (False, True)
    assert derived["version"] == (1, 2)
    assert project.history.count() == 2


def test_advance_shows_the_stage_and_its_date(project, county_staff, today):
    lifecycle.advance(
        project=project, stage=Stage.LAND_SUPPLIED, on=today, note="土地挂牌成交", by=county_staff
    )
    row = latest(project)
    assert (row.history_user, row.history_change_reason) == (county_staff, "土地挂牌成交")
    diff = all_changes(row)
    assert diff["stage"] == (Stage.SIGNED, Stage.LAND_SUPPLIED)
    assert diff["land_supplied_on"] == (None, today)
    assert diff["version"] == (1, 2)
    assert (row.prev_record.stage, row.stage) == (Stage.SIGNED, Stage.LAND_SUPPLIED)
    transition = project.transitions.order_by("-id").first()
    assert latest(transition).history_user == county_staff


def test_advance_without_a_note_gives_a_default_reason(project, county_staff, today):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, by=county_staff)
    assert latest(project).history_change_reason == "advanced"


def test_revert_shows_the_stage_going_back_and_the_reason(project, county_staff, make_user, region, today):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, by=county_staff)
    reviewer = make_user(None, region=region, username="reviewer")
    lifecycle.revert(project=project, reason="供地日期录错", by=reviewer)
    row = latest(project)
    assert (row.history_user, row.history_change_reason) == (reviewer, "供地日期录错")
    diff = all_changes(row)
    assert diff["stage"] == (Stage.LAND_SUPPLIED, Stage.SIGNED)
    assert diff["land_supplied_on"] == (today, None)
    assert diff["version"] == (2, 3)


def test_cancel_shows_the_status_and_the_reason(project, county_staff):
    services.project_cancel(project=project, reason="企业撤资", by=county_staff)
    row = latest(project)
    assert (row.history_user, row.history_change_reason) == (county_staff, "企业撤资")
    assert all_changes(row)["status"] == (Status.ACTIVE, Status.CANCELLED)
    services.project_reactivate(project=project, reason="重新洽谈", by=county_staff)
    assert all_changes(latest(project))["status"] == (Status.CANCELLED, Status.ACTIVE)
    (cancel, reactivate) = project.status_changes.order_by("id")
    assert latest(cancel).history_user == latest(reactivate).history_user == county_staff


def test_investment_report_history(project, county_staff, make_user, region):
    report = services.investment_report(
        project=project, month=datetime.date(2024, 4, 9), amount=Decimal("100.00"), by=county_staff
    )
    first = latest(report)
    assert (first.history_type, first.history_user, first.amount) == ("+", county_staff, Decimal("100.00"))
    corrector = make_user(None, region=region, username="corrector")
    services.investment_report(
        project=project,
        month=datetime.date(2024, 4, 30),
        amount=Decimal("180.50"),
        note="补报",
        by=corrector,
        version=report.version,
    )
    row = latest(report)
    assert (row.history_type, row.history_user, row.history_change_reason) == ("~", corrector, "补报")
    diff = changes(row)
    assert diff["amount"] == (Decimal("100.00"), Decimal("180.50"))
    assert diff["note"] == ("", "补报")
    assert diff["reported_by"] == (county_staff.pk, corrector.pk)
    assert all_changes(row)["version"] == (1, 2)
    assert report.history.count() == 2


def test_target_history(region, city_admin):
    target = services.target_set(
        region=region, year=2025, investment=Decimal("100"), investment_h1=Decimal("40"), by=city_admin
    )
    services.target_set(
        region=region,
        year=2025,
        investment=Decimal("120"),
        investment_h1=Decimal("40"),
        by=city_admin,
        version=1,
    )
    row = latest(target)
    assert row.history_user == city_admin
    assert changes(row)["investment"] == (Decimal("100.00"), Decimal("120.00"))


def test_refused_changes_write_no_history(project, county_staff, today):
    before = project.history.count()
    with pytest.raises(Exception):  # noqa: B017 - any refusal
        lifecycle.advance(project=project, stage=Stage.STARTED, on=today, by=county_staff)
    with pytest.raises(Exception):  # noqa: B017
        services.project_update(project=project, by=county_staff, version=99, name="x")
    assert project.history.count() == before


def test_a_system_change_has_no_user(project, today):
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, by=None)
    assert latest(project).history_user is None


@pytest.mark.parametrize("step", ["create", "update", "advance", "revert", "cancel", "report"])
def test_one_history_row_per_change(make_project, county_staff, today, step):
    project = make_project()
    counts = {"project": project.history.count()}
    assert counts["project"] == 1
    if step == "create":
        return
    if step == "update":
        services.project_update(project=project, by=county_staff, name="改")
    elif step in ("advance", "revert"):
        lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, by=county_staff)
        if step == "revert":
            assert project.history.count() == 2
            lifecycle.revert(project=project, reason="录错", by=county_staff)
    elif step == "cancel":
        services.project_cancel(project=project, reason="清退", by=county_staff)
    elif step == "report":
        report = services.investment_report(
            project=project, month=today, amount=Decimal("1"), by=county_staff
        )
        assert report.history.count() == 1
        assert project.history.count() == 1  # a report does not touch the project row
        return
    expected = 3 if step == "revert" else 2
    assert project.history.count() == expected
    assert latest(project).history_user == county_staff


def test_history_delta_shows_lifecycle_changes(project, county_staff, today):
    """What the API's history action and the admin's history page need: a stage move in the diff."""
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, by=county_staff)
    services.project_cancel(project=project, reason="清退", by=county_staff)
    cancel = latest(project)
    advance = cancel.prev_record
    assert changes(advance)["stage"] == (Stage.SIGNED, Stage.LAND_SUPPLIED)
    assert changes(advance)["land_supplied_on"] == (None, today)
    assert changes(cancel)["status"] == (Status.ACTIVE, Status.CANCELLED)


def test_system_change_reasons_are_stored_as_codes_and_shown_translated():
    from django.utils import translation

    from projects.audit import change_reason_label

    with translation.override("zh-hans"):
        assert change_reason_label("advanced") == "阶段推进"
        assert change_reason_label("客户要求变更") == "客户要求变更"  # a person's own words stay as typed
    with translation.override("en"):
        assert change_reason_label("advanced") == "stage advanced"
        assert change_reason_label(None) == ""
