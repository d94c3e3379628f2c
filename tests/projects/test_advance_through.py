"""``lifecycle.advance_through``: a project entered with its history reaches its stage one audited
step at a time, and a gap in the dates is refused with nothing written."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from projects import lifecycle
from projects.choices import Stage
from projects.models import Project

DAY = datetime.date


@pytest.mark.django_db
def test_each_dated_stage_is_one_audited_advance(make_project, county_staff):
    project = make_project(signed_on=DAY(2024, 1, 5))
    project = lifecycle.advance_through(
        project=project,
        stage_dates={Stage.LAND_SUPPLIED: DAY(2024, 2, 1), Stage.STARTED: DAY(2024, 3, 1)},
        note="ledger import",
        by=county_staff,
    )
    assert project.stage == Stage.STARTED
    assert project.started_on == DAY(2024, 3, 1)
    steps = list(project.transitions.order_by("id").values_list("to_stage", "on", "by"))
    assert steps == [
        (Stage.SIGNED, DAY(2024, 1, 5), county_staff.pk),
        (Stage.LAND_SUPPLIED, DAY(2024, 2, 1), county_staff.pk),
        (Stage.STARTED, DAY(2024, 3, 1), county_staff.pk),
    ]


@pytest.mark.django_db
def test_a_gap_is_refused_and_nothing_moves(make_project, county_staff):
    project = make_project(signed_on=DAY(2024, 1, 5))
    with pytest.raises(ValidationError) as error:
        lifecycle.advance_through(
            project=project,
            stage_dates={Stage.LAND_SUPPLIED: DAY(2024, 2, 1), Stage.COMPLETED: DAY(2024, 6, 1)},
            by=county_staff,
        )
    assert "land_supplied_on" not in error.value.message_dict
    assert "started_on" in error.value.message_dict
    assert Project.objects.get(pk=project.pk).stage == Stage.SIGNED


@pytest.mark.django_db
def test_a_refused_date_is_named_by_its_stage(make_project, county_staff):
    """Of several dates, the refused one is told by its own field, not as ``on``."""
    project = make_project(signed_on=DAY(2024, 1, 5))
    with pytest.raises(ValidationError) as error:
        lifecycle.advance_through(
            project=project,
            stage_dates={Stage.LAND_SUPPLIED: DAY(2024, 2, 1), Stage.STARTED: DAY(2024, 1, 20)},
            by=county_staff,
        )
    assert set(error.value.message_dict) == {"started_on"}
    assert error.value.error_dict["started_on"][0].code == "before_previous"
    assert Project.objects.get(pk=project.pk).stage == Stage.SIGNED
