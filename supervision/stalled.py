"""Stalled-project detection (半拉子工程), run daily by supervision.tasks.

A project not yet in production is stalled when it has had no stage change for N days *and* no
investment reported for M months. "Stage change" is the date of its current
stage (a revert moves that date back, so a reverted project is staler, not
fresher). "No investment for M months" means no report with a positive amount
for any of the last M calendar months, the current month included: on
2026-11-23 with M = 3 that is September, October and November 2026.

Candidates are found with two set-based queries; only the projects that change
are written, each through projects.services so the flag is audited.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import services as project_services
from projects.choices import Stage, Status
from projects.models import InvestmentReport, Project
from supervision.periods import add_months

# A project in production has finished investing; only unfinished ones can be 半拉子.
UNFINISHED_STAGES = [Stage.SIGNED, Stage.LAND_SUPPLIED, Stage.STARTED, Stage.COMPLETED]


@dataclass(frozen=True)
class StalledRun:
    flagged: list[int]
    unflagged: list[int]


def _annotated(today: datetime.date, months: int):
    # Latest stage date first: the date of the current stage is the last non-null one.
    latest_stage_on = Coalesce(*[stage.date_field for stage in reversed(Stage.ordered())])
    recent = InvestmentReport.objects.filter(
        project=OuterRef("pk"), amount__gt=0, month__gte=add_months(today, -(months - 1))
    )
    return Project.objects.annotate(stage_changed_on=latest_stage_on, recent_investment=Exists(recent))


def detect_stalled(*, today: datetime.date | None = None, days: int | None = None, months: int | None = None):
    today = today or timezone.localdate()
    days = settings.STALLED_DAYS_WITHOUT_STAGE_CHANGE if days is None else days
    months = settings.STALLED_MONTHS_WITHOUT_INVESTMENT if months is None else months
    cutoff = today - datetime.timedelta(days=days)
    since = add_months(today, -(months - 1))
    projects = _annotated(today, months)

    flagged, unflagged = [], []
    to_flag = projects.filter(
        status=Status.ACTIVE,
        stage__in=UNFINISHED_STAGES,
        stage_changed_on__lt=cutoff,
        recent_investment=False,
    )
    for project in to_flag.order_by("pk"):
        reason = _(
            "No stage change since %(changed)s (more than %(days)s days) "
            "and no investment reported since %(since)s."
        ) % {"changed": project.stage_changed_on, "days": days, "since": f"{since:%Y-%m}"}
        if _changed(project_services.project_mark_stalled, project=project, reason=reason, by=None):
            flagged.append(project.pk)

    to_unflag = projects.filter(
        Q(stage_changed_on__gte=cutoff) | Q(recent_investment=True), status=Status.STALLED
    )
    for project in to_unflag.order_by("pk"):
        reasons = []
        if project.stage_changed_on >= cutoff:
            reasons.append(_("Stage changed on %(date)s.") % {"date": project.stage_changed_on})
        if project.recent_investment:
            reasons.append(_("Investment reported since %(since)s.") % {"since": f"{since:%Y-%m}"})
        if _changed(project_services.project_unmark_stalled, project=project, reason=" ".join(reasons)):
            unflagged.append(project.pk)
    return StalledRun(flagged=flagged, unflagged=unflagged)


def _changed(change, **kwargs) -> bool:
    """Make the change unless the project's status moved since the candidates were read: another
    run of the check at the same moment (two beat processes, a retry) flagged it first, or a person
    cancelled it. The service refuses that under the project's lock; this run goes on with the rest."""
    try:
        change(**kwargs)
    except ValidationError as error:
        if getattr(error, "code", None) != "status":
            raise
        return False
    return True
