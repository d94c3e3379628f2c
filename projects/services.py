"""Named write functions for projects, investment and targets (house rule 2).

Views, serializers, admin actions, importers and tasks call these; none of them
repeats their rules. Stage changes are not here: they are in lifecycle.py.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import lifecycle, scope
from projects.audit import (
    actor,
    apply_changes,
    atomic,
    check_version,
    field_error,
    lock,
    lock_turns,
    save_audited,
)
from projects.choices import Status
from projects.models import AnnualTarget, Enterprise, InvestmentReport, Project, Region, StatusChange
from projects.rollups import rollup_add, rollup_move_project
from projects.templatetags.money import wan

# Fields of a project that an edit may change. Stage, stage dates, status and
# is_major have their own paths (lifecycle, project_cancel, save()).
PROJECT_EDITABLE_FIELDS = (
    "name",
    "enterprise",
    "region",
    "park",
    "industry",
    "is_manufacturing",
    "planned_investment",
    "first_contact_on",
)
# What project_create takes: those, the code (assigned when left blank) and the signing date,
# which no edit changes afterwards.
PROJECT_CREATE_FIELDS = ("code", *PROJECT_EDITABLE_FIELDS, "signed_on")


def next_project_code(region: Region, year: int) -> str:
    prefix = f"{region.code}-{year}-"
    last = (
        Project.objects.filter(code__startswith=prefix)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last and last.rsplit("-", 1)[1].isdigit() else 1
    return f"{prefix}{number:04d}"


@atomic
def enterprise_create(*, name: str, credit_code: str = "", by) -> Enterprise:
    return save_audited(Enterprise(name=name, credit_code=credit_code.strip().upper()), by=by)


@atomic
def enterprise_update(
    *, enterprise: Enterprise, name: str, credit_code: str = "", by, version: int | None = None
) -> Enterprise:
    """Correct an enterprise's name or credit code; an unchanged enterprise writes nothing."""
    enterprise = lock(enterprise, version)
    if apply_changes(enterprise, {"name": name, "credit_code": (credit_code or "").strip().upper()}):
        enterprise.version += 1
        save_audited(enterprise, by=by, reason="edited")
    return enterprise


@atomic
def project_create(
    *,
    by,
    name: str,
    enterprise: Enterprise,
    region: Region,
    industry,
    signed_on: datetime.date,
    planned_investment: Decimal,
    code: str = "",
    park=None,
    is_manufacturing: bool = True,
    first_contact_on: datetime.date | None = None,
    reason: str = "created",
) -> Project:
    """Create a project at stage ``signed`` and write its first StageTransition."""
    if signed_on and signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("The signing date cannot be in the future.")})
    if park is not None and region is not None and park.region_id != region.pk:
        raise ValidationError({"park": _("The park is not in the project's region.")})
    if not code and region and signed_on:
        # Writers of one region's projects take turns for the next number: all reading the
        # same last code at once, each would take the same one and all but one be refused.
        lock_turns(region)
        code = next_project_code(region, signed_on.year)
    project = Project(
        code=code,
        name=name,
        enterprise=enterprise,
        region=region,
        park=park,
        industry=industry,
        is_manufacturing=is_manufacturing,
        planned_investment=planned_investment,
        first_contact_on=first_contact_on,
        signed_on=signed_on,
    )
    save_audited(project, by=by, reason=reason)
    lifecycle.record_creation(project, by=by, note="" if reason == "created" else reason)
    return project


@atomic
def project_update(
    *, project: Project, by, version: int | None = None, reason: str = "edited", **changes
) -> Project:
    """Change a project's descriptive fields; the stage and its dates are not among them."""
    unknown = set(changes) - set(PROJECT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in sorted(unknown)})
    locked = lock(project, version)
    from_region_id = locked.region_id
    if not apply_changes(locked, changes):
        # Nothing to record: no history row, and the version others hold stays valid.
        return locked
    if locked.park is not None and locked.park.region_id != locked.region_id:
        raise ValidationError({"park": _("The park is not in the project's region.")})
    locked.version += 1
    save_audited(locked, by=by, reason=reason)
    if locked.region_id != from_region_id and locked.status != Status.CANCELLED:
        rollup_move_project(project=locked, from_region_id=from_region_id, to_region_id=locked.region_id)
    return locked


def _change_status(*, project: Project, to: Status, allowed_from: set[Status], reason: str, by, version):
    """Lock, check and change a project's status, recording a StatusChange in the same transaction."""
    locked = lock(project, version)
    if locked.status not in allowed_from:
        raise ValidationError(
            _("A project with status “%(status)s” cannot become “%(to)s”.")
            % {"status": locked.get_status_display(), "to": to.label},
            code="status",
        )
    change = StatusChange(project=locked, from_status=locked.status, to_status=to, reason=reason, by=by)
    from_status = locked.status
    locked.status = to
    locked.version += 1
    save_audited(locked, by=by, reason=reason)
    save_audited(change, by=by, reason=reason)
    # Cancelled projects are not counted, so their investment leaves the rollup.
    if to == Status.CANCELLED:
        rollup_move_project(project=locked, from_region_id=locked.region_id, to_region_id=None)
    elif from_status == Status.CANCELLED:
        rollup_move_project(project=locked, from_region_id=None, to_region_id=locked.region_id)
    return locked


@atomic
def project_cancel(*, project: Project, reason: str, by, version: int | None = None) -> Project:
    """Cancel (清退) a project: it is kept but no longer counted or advanced."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for cancelling the project.")})
    return _change_status(
        project=project,
        to=Status.CANCELLED,
        allowed_from={Status.ACTIVE, Status.STALLED},
        reason=reason,
        by=by,
        version=version,
    )


@atomic
def project_reactivate(*, project: Project, reason: str, by, version: int | None = None) -> Project:
    """Bring a cancelled project back into the count."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for reactivating the project.")})
    return _change_status(
        project=project,
        to=Status.ACTIVE,
        allowed_from={Status.CANCELLED},
        reason=reason,
        by=by,
        version=version,
    )


@atomic
def project_mark_stalled(*, project: Project, reason: str, by=None) -> Project:
    """Flag an active project as stalled (半拉子); normally done by the daily check."""
    return _change_status(
        project=project, to=Status.STALLED, allowed_from={Status.ACTIVE}, reason=reason, by=by, version=None
    )


@atomic
def project_unmark_stalled(*, project: Project, reason: str, by=None) -> Project:
    """Clear the stalled flag once the project moves again."""
    return _change_status(
        project=project, to=Status.ACTIVE, allowed_from={Status.STALLED}, reason=reason, by=by, version=None
    )


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _already_reported(report: InvestmentReport) -> ValidationError:
    return field_error(
        "month",
        _(
            "This project already has a report for this month (id %(id)s); "
            "correct that report, giving the version you read."
        )
        % {"id": report.pk},
        code="conflict",
    )


@atomic
def investment_report(
    *,
    project: Project,
    month: datetime.date,
    amount: Decimal,
    by,
    note: str = "",
    version: int | None = None,
) -> InvestmentReport:
    """Record (or correct) a project's actual investment for one calendar month.

    Any day of the month may be given; it is stored as the month's first day.
    """
    if not isinstance(month, datetime.date):
        raise ValidationError({"month": _("Enter a valid month.")})
    month = first_of_month(month)
    if month > first_of_month(timezone.localdate()):
        raise ValidationError({"month": _("Investment cannot be reported for a future month.")})
    # The project's row lock orders this report against a concurrent cancellation
    # or move, so the rollup never counts a report of a cancelled project.
    project = lock(project)
    if month < first_of_month(project.signed_on):
        raise field_error(
            "month",
            _("The project was signed in %(signed)s; investment cannot be reported for a month before that.")
            % {"signed": f"{project.signed_on:%Y-%m}"},
            code="before_signing",
        )
    if project.status == Status.CANCELLED:
        raise ValidationError(_("A cancelled project takes no investment reports."), code="cancelled")
    # Read under the project's lock: of two writers of the same month, the second sees the
    # first one's report here (and READ COMMITTED gives this statement a fresh snapshot).
    report = InvestmentReport.objects.filter(project=project, month=month).first()
    previous_amount = Decimal("0")
    if report is None:
        report = InvestmentReport(project=project, month=month)
    elif version is None:
        # The caller knew of no report for this month: never replace one it has not seen.
        raise _already_reported(report)
    else:
        check_version(report, version)
        report.version += 1
        previous_amount = report.amount
    report.amount = amount
    report.note = note
    report.reported_by = actor(by)
    creating = report.pk is None
    try:
        save_audited(report, by=by, reason=note)
    except ValidationError as exc:
        # The unique constraint has the last word: a report that slipped in anyway (its
        # check in full_clean, or the IntegrityError save_audited turns into a refusal) is
        # the same conflict, not a correction.
        existing = InvestmentReport.objects.filter(project=project, month=month).first() if creating else None
        if existing is not None:
            raise _already_reported(existing) from exc
        raise
    rollup_add(region_id=project.region_id, month=month, delta=report.amount - previous_amount)
    return report


@dataclass
class MonthFigure:
    """One project's figure for a month, as a month-end report gives it: the month's own
    ``amount``, or the year-to-date total through the month (``ytd``, 1–N月累计), from which the
    month is derived. ``version`` is that of the month's report as the reporter read it (0: they
    saw none), so that a report someone else saved since is not overwritten unseen."""

    project: Project
    amount: Decimal | None = None
    ytd: Decimal | None = None
    version: int = 0


class FiguresRefused(Exception):
    """Some figures of a month-end report were refused, so none was saved: ``errors`` maps each
    refused project's id to its ValidationError (code "stale" for a report changed since)."""

    def __init__(self, errors: dict[int, ValidationError]):
        super().__init__(f"{len(errors)} figure(s) refused")
        self.errors = errors


@atomic
def investment_month_figures(
    *, month: datetime.date, figures: list[MonthFigure], by
) -> list[InvestmentReport]:
    """Record one month's figures of many projects (a county's month-end report, 月报) in one
    transaction: all of them, or none. Every refusal is collected (``FiguresRefused``) rather
    than stopping at the first, so that a reporter sees them all at once.

    A year-to-date total becomes the month's figure by subtracting the months before it in the
    year as they are stored when saving, read under the projects' locks (every investment write
    takes its project's lock): a correction of an earlier month made after the reporter loaded
    the page is taken into account, so the stored months add up to the total typed. A total
    below the months before is refused: a month is never negative.
    """
    month = first_of_month(month)
    ids = sorted({figure.project.pk for figure in figures})
    # All locked at once, in id order: investment_report locks one project at a time in the
    # order of the rows, and two reports over the same projects in different orders (a grid by
    # code, a ledger as it comes) would otherwise deadlock. It then re-locks each (already ours).
    regions = dict(
        Project.objects.filter(pk__in=ids).order_by("pk").select_for_update().values_list("pk", "region_id")
    )
    # Read after the locks (a statement of its own sees what committed before them).
    before = dict(
        Project.objects.filter(pk__in=ids).with_month_figures(month).values_list("pk", "ytd_before")
    )
    notes = dict(
        InvestmentReport.objects.filter(project_id__in=ids, month=month).values_list("project_id", "note")
    )
    errors: dict[int, ValidationError] = {}
    saved = []
    for figure in figures:
        project = figure.project
        try:
            scope.check_in_scope(by, regions[project.pk], field="project")
            amount = figure.amount
            if figure.ytd is not None:
                amount = figure.ytd - before[project.pk]
                if amount < 0:
                    message = _below_earlier_months(before[project.pk])
                    raise field_error("amount", message, code="below_earlier")
            saved.append(
                investment_report(
                    project=project,
                    month=month,
                    amount=amount,
                    by=by,
                    # The grid has no note: a correction keeps the one the report has.
                    note=notes.get(project.pk, ""),
                    version=figure.version,
                )
            )
        except ValidationError as exc:  # its savepoint is rolled back; the others go on
            errors[project.pk] = exc
    if errors:
        raise FiguresRefused(errors)  # leaving the atomic block rolls back every figure
    return saved


def _below_earlier_months(ytd_before: Decimal) -> str:
    return _(
        "The year-to-date total is below the months before this one (%(before)s 万元): a month "
        "cannot be negative. Correct the earlier month first, or enter this month's figure."
    ) % {"before": wan(ytd_before)}


# The figures of an annual target, which target_set replaces; the region and year identify it.
TARGET_FIGURES = ("investment", "investment_h1", "signed", "started", "completed", "in_production")


@atomic
def target_set(
    *,
    region: Region,
    year: int,
    investment: Decimal,
    investment_h1: Decimal,
    by,
    signed: int = 0,
    started: int = 0,
    completed: int = 0,
    in_production: int = 0,
    version: int | None = None,
    reason: str = "",
) -> AnnualTarget:
    """Set a region's annual target (年度任务): create it, or change it at the ``version`` read.

    Without a version it creates the target, and is refused (a conflict naming the stored one)
    where the region has one for the year already: a writer never replaces figures it has not seen.
    """
    # Writers of the region's targets take turns: of two creating one year's target at once, the
    # second finds the first one's target here (a conflict), rather than replacing it.
    lock_turns(region)
    target = AnnualTarget.objects.select_for_update().filter(region=region, year=year).first()
    if target is None:
        target = AnnualTarget(region=region, year=year)
    elif version is None:
        raise field_error(
            "year",
            _(
                "This region already has a target for this year (id %(id)s); "
                "change that one, giving the version you read."
            )
            % {"id": target.pk},
            code="conflict",
        )
    else:
        check_version(target, version)
        target.version += 1
    target.investment = investment
    target.investment_h1 = investment_h1
    target.signed = signed
    target.started = started
    target.completed = completed
    target.in_production = in_production
    return save_audited(target, by=by, reason=reason)
