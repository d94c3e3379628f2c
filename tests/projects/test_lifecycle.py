"""Every legal and illegal move of DESIGN's lifecycle rules, through projects.lifecycle."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from projects import lifecycle, services
from projects.choices import STAGE_DATE_FIELDS, Stage, Status
from projects.models import Project, StageTransition
from tests.fixtures.projects import error_codes

pytestmark = pytest.mark.usefixtures("english")

DAY = datetime.timedelta(days=1)


def snapshot(project):
    """Everything a refused move must leave alone: the row, its transitions, its history."""
    return (
        Project.objects.filter(pk=project.pk).values().get(),
        list(StageTransition.objects.order_by("id").values()),
        project.history.count(),
    )


def advance_to(project, stage, *, start, by=None):
    """Advance step by step until ``project`` reaches ``stage``, one day apart from ``start``."""
    on = start
    while Stage(project.stage) != stage:
        project = lifecycle.advance(project=project, stage=Stage(project.stage).next, on=on, by=by)
        on += DAY
    return project


def refused(project, *, match, field=None, code=None, move=lifecycle.advance, **kwargs):
    """``move(project=project, **kwargs)`` is refused with a message, and leaves no trace."""
    before = snapshot(project)
    with pytest.raises(ValidationError) as info:
        move(project=project, **kwargs)
    assert snapshot(project) == before
    error = info.value
    if field is not None:
        assert match in " ".join(error.message_dict[field])
    else:
        assert match in " ".join(error.messages)
    if code is not None:
        assert code in error_codes(error)
    return error


def test_created_project_is_signed_with_one_transition(project):
    assert project.stage == Stage.SIGNED
    assert project.status == Status.ACTIVE
    (transition,) = project.transitions.all()
    assert (transition.from_stage, transition.to_stage, transition.on) == (
        "",
        Stage.SIGNED,
        project.signed_on,
    )


def test_advance_through_all_six_stages(project, county_staff, today):
    start = project.signed_on
    stages = Stage.ordered()
    for i, stage in enumerate(stages[1:], start=1):
        on = start + datetime.timedelta(days=10 * i)
        version = project.version
        project = lifecycle.advance(
            project=project, stage=stage, on=on, note=f"to {stage}", by=county_staff, version=version
        )
        assert project.stage == stage
        assert project.version == version + 1
        assert getattr(project, stage.date_field) == on
        last = project.transitions.order_by("-id").first()
        assert (last.from_stage, last.to_stage, last.on, last.note, last.by) == (
            stages[i - 1],
            stage,
            on,
            f"to {stage}",
            county_staff,
        )

    project.refresh_from_db()
    assert project.stage == Stage.ABOVE_SCALE
    assert all(getattr(project, f) is not None for f in STAGE_DATE_FIELDS)
    moves = list(project.transitions.order_by("id").values_list("from_stage", "to_stage"))
    assert moves == [("", Stage.SIGNED)] + list(zip(stages[:-1], stages[1:], strict=True))


def test_skipping_a_stage_is_refused(project, today):
    refused(project, stage=Stage.STARTED, on=today, field="stage", match="it can only advance to")


@pytest.mark.parametrize("stage", [Stage.SIGNED, Stage.LAND_SUPPLIED])
def test_advancing_to_the_current_or_a_previous_stage_is_refused(project, today, stage):
    project = advance_to(project, Stage.STARTED, start=project.signed_on)
    refused(project, stage=stage, on=today, field="stage", match="it can only advance to")
    refused(project, stage=Stage.STARTED, on=today, field="stage", match="it can only advance to")


def test_unknown_stage_is_refused(project, today):
    refused(project, stage="finished", on=today, field="stage", match="Unknown stage")


def test_date_before_the_previous_stage_is_refused(project):
    refused(
        project, stage=Stage.LAND_SUPPLIED, on=project.signed_on - DAY, field="on", match="cannot be before"
    )


def test_date_before_the_previous_stage_is_refused_later_in_the_lifecycle(project):
    project = advance_to(project, Stage.COMPLETED, start=project.signed_on + 5 * DAY)
    refused(
        project,
        stage=Stage.IN_PRODUCTION,
        on=project.completed_on - DAY,
        field="on",
        match="cannot be before",
    )


def test_same_date_as_the_previous_stage_is_allowed(project):
    same = project.signed_on
    project = lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=same)
    project = lifecycle.advance(project=project, stage=Stage.STARTED, on=same)  # twice the same day
    project.refresh_from_db()
    assert project.stage == Stage.STARTED
    assert project.signed_on == project.land_supplied_on == project.started_on == same
    assert project.transitions.count() == 3


def test_today_is_allowed_tomorrow_is_not(project, today):
    refused(project, stage=Stage.LAND_SUPPLIED, on=today + DAY, field="on", match="in the future")
    project = lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today)
    assert project.land_supplied_on == today


def test_a_datetime_or_string_is_not_a_date(project, today):
    refused(project, stage=Stage.LAND_SUPPLIED, on=datetime.datetime.now(), field="on", match="valid date")
    refused(project, stage=Stage.LAND_SUPPLIED, on=today.isoformat(), field="on", match="valid date")


def test_a_cancelled_project_cannot_advance(project, county_staff, today):
    project = services.project_cancel(project=project, reason="企业撤资", by=county_staff)
    refused(
        project,
        stage=Stage.LAND_SUPPLIED,
        on=today,
        code="cancelled",
        match="cancelled project cannot advance",
    )


def test_advancing_past_above_scale_is_refused(project, today):
    project = advance_to(project, Stage.ABOVE_SCALE, start=project.signed_on)
    for stage in (Stage.ABOVE_SCALE, Stage.IN_PRODUCTION, Stage.SIGNED):
        refused(project, stage=stage, on=today, field="stage", match="already at the last stage")


def test_revert_with_a_reason(project, county_staff):
    project = advance_to(project, Stage.STARTED, start=project.signed_on + DAY)
    land_on, version = project.land_supplied_on, project.version

    project = lifecycle.revert(project=project, reason="开工日期录入错误", by=county_staff, version=version)

    project.refresh_from_db()
    assert project.stage == Stage.LAND_SUPPLIED
    assert project.started_on is None
    assert project.land_supplied_on == land_on
    assert project.version == version + 1
    last = project.transitions.order_by("-id").first()
    assert (last.from_stage, last.to_stage, last.on, last.note, last.by) == (
        Stage.STARTED,
        Stage.LAND_SUPPLIED,
        land_on,
        "开工日期录入错误",
        county_staff,
    )
    assert last.is_revert


def test_revert_then_advance_again(project, today):
    project = advance_to(project, Stage.LAND_SUPPLIED, start=project.signed_on + DAY)
    project = lifecycle.revert(project=project, reason="供地未完成")
    assert project.stage == Stage.SIGNED and project.land_supplied_on is None
    project = lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today)
    assert project.land_supplied_on == today
    assert [t.is_revert for t in project.transitions.order_by("id")] == [False, False, True, False]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_revert_without_a_reason_is_refused(project, reason):
    project = advance_to(project, Stage.LAND_SUPPLIED, start=project.signed_on)
    refused(project, move=lifecycle.revert, reason=reason, field="reason", match="Give a reason")


def test_revert_at_signed_is_refused(project):
    refused(project, move=lifecycle.revert, reason="想退回", field="stage", match="nothing to revert")


def test_stale_version_is_refused(project, today):
    stale = project.version
    project = lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today, version=stale)
    refused(project, stage=Stage.STARTED, on=today, version=stale, code="stale", match="Someone else changed")
    refused(
        project,
        move=lifecycle.revert,
        reason="撤回",
        version=stale,
        code="stale",
        match="Someone else changed",
    )
    refused(
        project,
        stage=Stage.STARTED,
        on=today,
        version=project.version + 1,
        code="stale",
        match="Someone else",
    )


def test_a_stale_in_memory_instance_is_checked_against_the_database(project, today):
    """The rules are checked on the locked row, not on the caller's (possibly old) copy."""
    old_copy = Project.objects.get(pk=project.pk)
    lifecycle.advance(project=project, stage=Stage.LAND_SUPPLIED, on=today)
    # The old copy still says "signed": asking for land_supplied again must not apply twice.
    refused(old_copy, stage=Stage.LAND_SUPPLIED, on=today, field="stage", match="it can only advance to")
    assert StageTransition.objects.filter(project=project, to_stage=Stage.LAND_SUPPLIED).count() == 1
