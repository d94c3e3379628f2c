"""The counts seed_demo prints about the supervision work on the demo projects after seeding."""

import datetime
from collections import Counter
from decimal import Decimal

from django.db.models import Sum

from projects.choices import Status
from projects.models import StatusChange
from supervision.choices import ExtensionStatus, ProblemEventKind, ProblemStatus, WarningColour
from supervision.demo import project_data as demo_data
from supervision.models import (
    ExtensionRequest,
    Milestone,
    Person,
    Problem,
    ServiceLog,
    ServiceTeam,
    SupervisionVisit,
    Unit,
)


def supervision_summary_lines(demo, today: datetime.date) -> list[str]:
    """Units and officials, teams, visits, problems, extensions, logs, milestones, stalled flags."""
    lines = [
        f"Responsible units: {Unit.objects.count()}; officials: {Person.objects.count()} "
        f"({Person.objects.filter(user__isnull=False).count()} with a login)"
    ]
    teams = ServiceTeam.objects.filter(project__in=demo)
    complete = teams.complete().count()
    without = demo.counted().filter(service_team__isnull=True).count()
    lines.append(
        f"Five-one teams: {teams.count()} ({complete} complete, {teams.count() - complete} incomplete); "
        f"{without} projects without a team"
    )
    visits = SupervisionVisit.objects.filter(region__code__in=demo_data.REGIONS).distinct()
    lines.append(f"Supervision visits: {visits.count()}")
    problems = Problem.objects.filter(project__in=demo)
    by_status = Counter(problems.values_list("status", flat=True))
    reopened = problems.filter(events__kind=ProblemEventKind.REOPENED).distinct().count()
    lines.append(
        f"Problems: {problems.count()} ("
        + ", ".join(f"{status.value} {by_status.get(status.value, 0)}" for status in ProblemStatus)
        + f"); {problems.overdue(today).count()} overdue, {problems.filter(visit__isnull=False).count()} "
        f"raised during visits, {reopened} reopened"
    )
    extensions = Counter(
        ExtensionRequest.objects.filter(problem__in=problems).values_list("status", flat=True)
    )
    lines.append(
        "Extension requests: "
        + ", ".join(f"{status.value} {extensions.get(status.value, 0)}" for status in ExtensionStatus)
    )
    logs = ServiceLog.objects.filter(project__in=demo)
    hours = logs.aggregate(total=Sum("hours"))["total"] or Decimal(0)
    lines.append(f"Service logs: {logs.count()} ({hours} hours)")
    milestones = Milestone.objects.filter(project__in=demo)
    colours = Counter(milestones.with_warning(today).values_list("warning", flat=True))
    lines.append(
        f"Milestones: {milestones.count()} ("
        + ", ".join(f"{colour.value} {colours.get(colour.value, 0)}" for colour in WarningColour)
        + ")"
    )
    stalled = StatusChange.objects.filter(project__in=demo, to_status=Status.STALLED).count()
    lines.append(f"Stalled projects flagged: {stalled}")
    return lines
