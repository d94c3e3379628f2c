"""Every CheckConstraint / UniqueConstraint of supervision/models.py, three ways.

1. ``full_clean()`` refuses a violating instance with a ValidationError carrying the
   constraint's own message (or, where a field's own validation catches the same mistake
   first and Django skips the constraint, an error on that field, while
   ``validate_constraints()`` still gives the constraint's message);
2. ``save_audited`` (the one way services save) refuses it and writes nothing;
3. the database refuses the row written around validation (``bulk_create`` /
   ``QuerySet.update``) with an IntegrityError: the rule lives in the schema.
"""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from projects.audit import save_audited
from supervision import services
from supervision.choices import BulletinStatus, Indicator, PeriodKind, ProblemStatus, ReminderKind
from supervision.models import (
    Bulletin,
    BulletinRequest,
    ExtensionRequest,
    Problem,
    RankingScheme,
    RankingWeight,
    Reminder,
    ServiceLog,
    Unit,
)
from tests.fixtures.supervision import DAY
from tests.fixtures.supervision_constraints import _extension, _log, changed, constraint_message

pytestmark = pytest.mark.usefixtures("english")

# Builders: each returns a violating instance, new (to insert) or saved and changed in memory.


def _duplicate_unit(c):
    Unit.objects.create(name="端州区发展和改革局", region=c.region)
    return Unit(name="端州区发展和改革局", region=c.region)


def _second_pending_extension(c):
    services.problem_request_extension(
        problem=c.assigned, due_on=c.assigned.due_on + 10 * DAY, reason="等待批复", by=c.user
    )
    return ExtensionRequest(problem=c.assigned, due_on=c.assigned.due_on + 20 * DAY, reason="再延期")


def _duplicate_reminder(c):
    values = {
        "kind": ReminderKind.PROBLEM,
        "object_id": c.assigned.pk,
        "recipient": c.user,
        "sent_on": c.raised.raised_on,
    }
    Reminder.objects.create(**values)
    return Reminder(**values)


def _scheme():
    return RankingScheme.objects.create(year=2026)


def _weight(**values):
    return RankingWeight(
        **{"scheme": _scheme(), "indicator": Indicator.STARTED, "weight": Decimal("15"), **values}
    )


def _second_weight(c):
    weight = _weight()
    weight.save()
    return RankingWeight(scheme=weight.scheme, indicator=Indicator.STARTED, weight=Decimal("20"))


def _bulletin(**values):
    fields = {
        "kind": PeriodKind.WEEKLY,
        "period_start": datetime.date(2026, 6, 8),
        "period_end": datetime.date(2026, 6, 14),
        "scheme": {"year": 2026},
        "rows": [{"region": "441202"}],
        "generated_at": timezone.now(),
    }
    fields.update(values)
    return Bulletin(**fields)


def _second_revision_numbered_1(c):
    _bulletin().save()
    return _bulletin(is_current=False)


def _second_current_revision(c):
    _bulletin().save()
    return _bulletin(revision=2, reason="更正数据")


def _second_request(c):
    values = {
        "kind": PeriodKind.WEEKLY,
        "period_start": datetime.date(2026, 6, 8),
        "requested_at": timezone.now(),
    }
    BulletinRequest.objects.create(**values)
    return BulletinRequest(**values)


# (case id, constraint, model, builder, field reporting it first in full_clean or None)
CASES = [
    ("unit_name_unique_in_region", "unit_name_unique_in_region", Unit, _duplicate_unit, None),
    # Status is not editable, so Django skips its choices check and the constraints speak.
    (
        "problem_status_valid",
        "problem_status_valid",
        Problem,
        lambda c: changed(c.raised, status="closed"),
        None,
    ),
    (
        "problem_category_valid",
        "problem_category_valid",
        Problem,
        lambda c: changed(c.raised, category="roads"),
        "category",
    ),
    (
        "problem_severity_valid",
        "problem_severity_valid",
        Problem,
        lambda c: changed(c.raised, severity="urgent"),
        "severity",
    ),
    (
        "problem_due_not_before_raised",
        "problem_due_not_before_raised",
        Problem,
        lambda c: changed(c.assigned, due_on=c.assigned.raised_on - DAY),
        None,
    ),
    (
        "problem_resolved_not_before_raised",
        "problem_resolved_not_before_raised",
        Problem,
        lambda c: changed(c.resolved, resolved_on=c.resolved.raised_on - DAY),
        None,
    ),
    (
        "problem_verified_not_before_resolved",
        "problem_verified_not_before_resolved",
        Problem,
        lambda c: changed(c.verified, verified_on=c.verified.resolved_on - DAY),
        None,
    ),
    (
        "problem_fields_match_status:raised_with_resolution_date",
        "problem_fields_match_status",
        Problem,
        lambda c: changed(c.raised, resolved_on=c.raised.raised_on),
        None,
    ),
    (
        "problem_fields_match_status:assigned_without_unit",
        "problem_fields_match_status",
        Problem,
        lambda c: changed(c.assigned, responsible_unit=None),
        None,
    ),
    (
        "problem_fields_match_status:assigned_without_due_date",
        "problem_fields_match_status",
        Problem,
        lambda c: changed(c.assigned, due_on=None),
        None,
    ),
    (
        "problem_fields_match_status:assigned_with_resolution_date",
        "problem_fields_match_status",
        Problem,
        lambda c: changed(c.assigned, resolved_on=c.assigned.raised_on),
        None,
    ),
    (
        "problem_fields_match_status:resolved_without_resolution_date",
        "problem_fields_match_status",
        Problem,
        lambda c: changed(c.resolved, resolved_on=None),
        None,
    ),
    (
        "problem_fields_match_status:resolved_with_verification_date",
        "problem_fields_match_status",
        Problem,
        lambda c: changed(c.resolved, verified_on=c.resolved.resolved_on),
        None,
    ),
    (
        "problem_fields_match_status:verified_without_verification_date",
        "problem_fields_match_status",
        Problem,
        lambda c: changed(c.verified, verified_on=None),
        None,
    ),
    (
        "problem_fields_match_status:raised_straight_to_verified",
        "problem_fields_match_status",
        Problem,
        lambda c: changed(c.raised, status=ProblemStatus.VERIFIED),
        None,
    ),
    (
        "extension_one_pending_per_problem",
        "extension_one_pending_per_problem",
        ExtensionRequest,
        _second_pending_extension,
        None,
    ),
    (
        "extension_status_valid",
        "extension_status_valid",
        ExtensionRequest,
        lambda c: _extension(c, status="maybe"),
        "status",
    ),
    (
        "service_log_hours_not_negative",
        "service_log_hours_not_negative",
        ServiceLog,
        lambda c: _log(c, hours=Decimal("-0.5")),
        "hours",
    ),
    (
        "service_log_kind_valid",
        "service_log_kind_valid",
        ServiceLog,
        lambda c: _log(c, kind="karaoke"),
        "kind",
    ),
    (
        "reminder_once_per_item_recipient_day",
        "reminder_once_per_item_recipient_day",
        Reminder,
        _duplicate_reminder,
        None,
    ),
    (
        "ranking_weight_once_per_indicator",
        "ranking_weight_once_per_indicator",
        RankingWeight,
        _second_weight,
        None,
    ),
    (
        "ranking_weight_range",
        "ranking_weight_range",
        RankingWeight,
        lambda c: _weight(weight=Decimal("-1")),
        "weight",
    ),
    (
        "ranking_weight_indicator_valid",
        "ranking_weight_indicator_valid",
        RankingWeight,
        lambda c: _weight(indicator="speed"),
        "indicator",
    ),
    (
        "ranking_weight_not_lower_is_better",
        "ranking_weight_not_lower_is_better",
        RankingWeight,
        lambda c: _weight(indicator=Indicator.AVG_DAYS_TO_LAND),
        None,
    ),
    ("bulletin_one_per_revision", "bulletin_one_per_revision", Bulletin, _second_revision_numbered_1, None),
    (
        "bulletin_one_current_per_period",
        "bulletin_one_current_per_period",
        Bulletin,
        _second_current_revision,
        None,
    ),
    (
        "bulletin_period_in_order",
        "bulletin_period_in_order",
        Bulletin,
        lambda c: _bulletin(period_end=datetime.date(2026, 6, 7)),
        None,
    ),
    ("bulletin_kind_valid", "bulletin_kind_valid", Bulletin, lambda c: _bulletin(kind="daily"), "kind"),
    (
        "bulletin_revision_has_reason",
        "bulletin_revision_has_reason",
        Bulletin,
        lambda c: _bulletin(revision=2),
        None,
    ),
    (
        "bulletin_published_has_time",
        "bulletin_published_has_time",
        Bulletin,
        lambda c: _bulletin(status=BulletinStatus.PUBLISHED),
        None,
    ),
    (
        "bulletin_request_one_per_period",
        "bulletin_request_one_per_period",
        BulletinRequest,
        _second_request,
        None,
    ),
]
IDS = [case[0] for case in CASES]


def test_every_constraint_of_the_app_is_covered():
    declared = {
        c.name
        for model in apps.get_app_config("supervision").get_models()
        for c in model._meta.constraints
        if isinstance(c, models.CheckConstraint | models.UniqueConstraint)
    }
    assert declared == {case[1] for case in CASES}


def test_the_fixtures_themselves_are_valid(ctx):
    for problem in (ctx.raised, ctx.assigned, ctx.resolved, ctx.verified):
        problem.full_clean()
    assert [p.status for p in (ctx.raised, ctx.assigned, ctx.resolved, ctx.verified)] == [
        ProblemStatus.RAISED,
        ProblemStatus.ASSIGNED,
        ProblemStatus.RESOLVED,
        ProblemStatus.VERIFIED,
    ]
    _log(ctx).full_clean()
    _extension(ctx).full_clean()


def _db_state(model, instance):
    if instance._state.adding:
        return model.objects.count()
    return model.objects.filter(pk=instance.pk).values().get()


def _write_around_validation(model, instance):
    if instance._state.adding:
        model.objects.bulk_create([instance])
    else:
        fields = {
            f.attname: getattr(instance, f.attname) for f in model._meta.concrete_fields if not f.primary_key
        }
        model.objects.filter(pk=instance.pk).update(**fields)


@pytest.mark.parametrize(("case", "name", "model", "build", "field"), CASES, ids=IDS)
def test_full_clean_names_the_constraint(ctx, case, name, model, build, field):
    instance = build(ctx)
    message = constraint_message(model, name)
    with pytest.raises(ValidationError) as info:
        instance.full_clean()
    if field is None:
        assert message in info.value.messages
    else:
        assert info.value.message_dict[field]
        with pytest.raises(ValidationError) as direct:
            instance.validate_constraints()
        assert message in direct.value.messages


@pytest.mark.parametrize(("case", "name", "model", "build", "field"), CASES, ids=IDS)
def test_save_audited_refuses_and_writes_nothing(ctx, case, name, model, build, field):
    instance = build(ctx)
    before = _db_state(model, instance)
    with pytest.raises(ValidationError):
        save_audited(instance, by=ctx.user)
    assert _db_state(model, instance) == before


@pytest.mark.parametrize(("case", "name", "model", "build", "field"), CASES, ids=IDS)
def test_database_refuses_the_row_written_around_validation(ctx, case, name, model, build, field):
    instance = build(ctx)
    before = _db_state(model, instance)
    with pytest.raises(IntegrityError), transaction.atomic():
        _write_around_validation(model, instance)
    assert _db_state(model, instance) == before
