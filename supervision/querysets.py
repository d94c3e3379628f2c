"""Named reads of the supervision app (house rule 6)."""

import datetime

from django.db import models
from django.db.models import Case, Q, Value, When

from projects.querysets import ProjectChildQuerySet
from supervision.choices import OPEN_PROBLEM_STATUSES, BulletinStatus, WarningColour

# A milestone due within this many days (today included) is yellow.
WARNING_WINDOW_DAYS = 7


class ProblemQuerySet(ProjectChildQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_PROBLEM_STATUSES)

    def overdue(self, on: datetime.date):
        """Open problems whose due date is before ``on`` (DESIGN: problems_overdue)."""
        return self.open().filter(due_on__lt=on)


class MilestoneQuerySet(ProjectChildQuerySet):
    def with_warning(self, today: datetime.date):
        """Annotate ``warning``: green, yellow or red, by the rules in supervision.warnings."""
        soon = today + datetime.timedelta(days=WARNING_WINDOW_DAYS)
        return self.annotate(
            warning=Case(
                When(done_on__isnull=False, done_on__gt=models.F("due_on"), then=Value(WarningColour.YELLOW)),
                When(done_on__isnull=False, then=Value(WarningColour.GREEN)),
                When(due_on__lt=today, then=Value(WarningColour.RED)),
                When(due_on__lte=soon, then=Value(WarningColour.YELLOW)),
                default=Value(WarningColour.GREEN),
                output_field=models.CharField(),
            )
        )

    def overdue(self, on: datetime.date):
        return self.filter(done_on__isnull=True, due_on__lt=on)


class ServiceTeamQuerySet(ProjectChildQuerySet):
    def complete(self):
        return self.exclude(
            Q(county_leader__isnull=True)
            | Q(chief_officer__isnull=True)
            | Q(specialist__isnull=True)
            | Q(unit__isnull=True)
            | Q(plan="")
        )


class BulletinQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=BulletinStatus.PUBLISHED)

    def visible_to(self, user):
        """Everyone signed in reads published bulletins (DESIGN "Roles"); drafts are the city admin's."""
        if user.has_perm("supervision.change_bulletin"):
            return self
        return self.published()
