"""What the supervision constraints allow."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from supervision import services
from supervision.choices import ExtensionStatus, ReminderKind
from supervision.models import ExtensionRequest, Problem, Reminder, Unit
from tests.fixtures.supervision import DAY
from tests.fixtures.supervision_constraints import _extension, _log, changed

pytestmark = pytest.mark.usefixtures("english")

# What the constraints allow.


def test_a_decided_request_does_not_block_a_new_one(ctx):
    request = services.problem_request_extension(
        problem=ctx.assigned, due_on=ctx.assigned.due_on + 10 * DAY, reason="等待批复", by=ctx.user
    )
    ExtensionRequest.objects.filter(pk=request.pk).update(status=ExtensionStatus.REJECTED)
    ExtensionRequest.objects.bulk_create([_extension(ctx, status=ExtensionStatus.PENDING)])
    ExtensionRequest.objects.bulk_create([_extension(ctx, status=ExtensionStatus.REJECTED)])
    assert ExtensionRequest.objects.filter(problem=ctx.assigned).count() == 3


def test_the_same_unit_name_in_two_regions(ctx, other_region):
    Unit.objects.create(name="自然资源局", region=ctx.region)
    Unit(name="自然资源局", region=other_region).full_clean()
    Unit.objects.create(name="自然资源局", region=other_region)


def test_a_reminder_per_day_recipient_and_item(ctx, county_leader):
    base = {
        "kind": ReminderKind.PROBLEM,
        "object_id": ctx.assigned.pk,
        "recipient": ctx.user,
        "sent_on": ctx.raised.raised_on,
    }
    Reminder.objects.create(**base)
    Reminder.objects.create(**{**base, "sent_on": base["sent_on"] + DAY})
    Reminder.objects.create(**{**base, "recipient": county_leader})
    Reminder.objects.create(**{**base, "kind": ReminderKind.MILESTONE})
    assert Reminder.objects.count() == 4


def test_hours_at_zero_and_at_the_limit(ctx):
    _log(ctx, hours=Decimal("0")).full_clean()
    _log(ctx, hours=Decimal("240")).full_clean()
    with pytest.raises(ValidationError) as info:
        _log(ctx, hours=Decimal("240.1")).full_clean()
    assert "hours" in info.value.message_dict


def test_the_due_date_may_equal_the_raised_date(ctx):
    changed(ctx.assigned, due_on=ctx.assigned.raised_on).full_clean()
    Problem.objects.filter(pk=ctx.assigned.pk).update(due_on=ctx.assigned.raised_on)
