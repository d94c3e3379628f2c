"""Named write functions of the supervision app (house rule 2).

Each problem move locks the problem row, checks the move against its current
state, changes it and writes its timeline entry (ProblemEvent) in the same
transaction, so the timeline can never disagree with the ledger.

Every move takes an optional ``on`` date (default: today in Asia/Shanghai) so
that a bureau can enter a paper ledger after the fact; it may not be in the
future nor before the problem was raised.
"""

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import scope
from projects.audit import actor, apply_changes, check_version, field_error, lock, save_audited
from projects.choices import Status
from projects.models import Project
from supervision import problem_flow as flow
from supervision.choices import ExtensionStatus, ProblemEventKind, ProblemStatus, Severity
from supervision.models import (
    ExtensionRequest,
    Problem,
    ProblemEvent,
    ServiceLog,
    ServiceTeam,
    SupervisionVisit,
)


def _move_date(problem: Problem, on: datetime.date | None) -> datetime.date:
    """The date of a move: not in the future, and not before the last entry of the timeline
    (so a resolution cannot be dated before the assignment it answers)."""
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise field_error("on", _("The date cannot be in the future."), "future")
    if on < problem.raised_on:
        raise field_error(
            "on",
            _("The date cannot be before the problem was raised (%(date)s).") % {"date": problem.raised_on},
            "before_raised",
        )
    last = problem.events.aggregate(last=Max("on"))["last"]
    if last is not None and on < last:
        raise field_error(
            "on",
            _("The date cannot be before the last entry of the problem's timeline (%(date)s).")
            % {"date": last},
            "before_last_event",
        )
    return on


def _lock(problem: Problem, version: int | None) -> Problem:
    return lock(problem, version)


def _require_status(problem: Problem, allowed, action: str) -> None:
    if problem.status not in allowed:
        raise ValidationError(
            _("A problem that is “%(status)s” cannot be %(action)s.")
            % {"status": problem.get_status_display(), "action": action},
            code="status",
        )


def _event(problem, *, kind, from_status, on, by, note="", due_on=None) -> ProblemEvent:
    event = ProblemEvent(
        problem=problem,
        kind=kind,
        from_status=from_status,
        to_status=problem.status,
        on=on,
        due_on=due_on,
        note=note,
        by=actor(by),
    )
    return save_audited(event, by=by, reason=note)


def _save_move(problem: Problem, *, by, kind, from_status, on, note="", due_on=None) -> Problem:
    problem.version += 1
    save_audited(problem, by=by, reason=note or kind)
    _event(problem, kind=kind, from_status=from_status, on=on, by=by, note=note, due_on=due_on)
    return problem


def _require_move(by, move: flow.Move, problem: Problem) -> None:
    """The roles problem_flow.py gives the move, and a user of the problem's region (or above).
    A move is always someone's decision, so a write by no one is refused too. The API, the
    pages and the admin offer a move by the same table, so this refuses nothing they offer."""
    if not flow.role_allows(by, move):
        raise ValidationError(
            _("Your role does not allow this step: %(move)s.") % {"move": move.label}, code="role"
        )
    scope.check_in_scope(by, problem.project.region, NON_FIELD_ERRORS)


def _start_move(problem: Problem, version: int | None, *, by, move: flow.Move, action: str) -> Problem:
    """The problem locked at the version the caller read, once the move is allowed to ``by``
    and in the problem's status: the statuses problem_flow.py offers the move in, so that no
    page offers a move its service refuses."""
    locked = _lock(problem, version)
    _require_move(by, move, locked)
    _require_status(locked, move.statuses, action)
    return locked


def _required_text(value: str, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


@transaction.atomic
def problem_raise(
    *,
    project: Project,
    category: str,
    description: str,
    by,
    raised_on: datetime.date | None = None,
    severity: str = Severity.MEDIUM,
    visit: SupervisionVisit | None = None,
) -> Problem:
    today = timezone.localdate()
    raised_on = raised_on or today
    if raised_on > today:
        raise ValidationError({"raised_on": _("The date cannot be in the future.")})
    if project.status == Status.CANCELLED:
        raise ValidationError(_("Problems cannot be raised on a cancelled project."), code="cancelled")
    if visit is not None and visit.region_id != project.region_id:
        raise ValidationError({"visit": _("The visit was to another region.")})
    problem = Problem(
        project=project,
        category=category,
        description=(description or "").strip(),
        severity=severity,
        raised_on=raised_on,
        raised_by=actor(by),
        visit=visit,
    )
    save_audited(problem, by=by, reason="raised")
    _event(
        problem, kind=ProblemEventKind.RAISED, from_status="", on=raised_on, by=by, note=problem.description
    )
    return problem


@transaction.atomic
def problem_assign(
    *,
    problem: Problem,
    unit,
    due_on: datetime.date,
    by,
    assignee=None,
    on: datetime.date | None = None,
    note: str = "",
    version: int | None = None,
) -> Problem:
    """Hand the problem to a responsible unit with a due date (交办); also re-assigns."""
    locked = _start_move(problem, version, by=by, move=flow.ASSIGN, action=_("assigned"))
    on = _move_date(locked, on)
    if unit is None:
        raise ValidationError({"unit": _("Choose the responsible unit.")})
    # A problem goes to a unit (and a person) that serves its project (projects/scope.py).
    home = locked.project.region
    scope.check_serves(home, unit, "unit", _("The unit belongs to another region."))
    scope.check_serves(home, assignee, "assignee", _("The assignee works in another region."))
    if not isinstance(due_on, datetime.date):
        raise ValidationError({"due_on": _("Enter the due date.")})
    if due_on < on:
        raise ValidationError({"due_on": _("The due date cannot be before the date of assignment.")})
    from_status = locked.status
    locked.status = ProblemStatus.ASSIGNED
    locked.responsible_unit = unit
    locked.assignee = assignee
    locked.due_on = due_on
    return _save_move(
        locked,
        by=by,
        kind=ProblemEventKind.ASSIGNED,
        from_status=from_status,
        on=on,
        note=note,
        due_on=due_on,
    )


@transaction.atomic
def problem_resolve(
    *,
    problem: Problem,
    resolution: str,
    by,
    on: datetime.date | None = None,
    version: int | None = None,
) -> Problem:
    """The responsible unit reports the problem solved (办结)."""
    locked = _start_move(problem, version, by=by, move=flow.RESOLVE, action=_("resolved"))
    on = _move_date(locked, on)
    resolution = _required_text(resolution, "resolution", _("Describe how the problem was resolved."))
    from_status = locked.status
    locked.status = ProblemStatus.RESOLVED
    locked.resolution = resolution
    locked.resolved_on = on
    locked.resolved_by = actor(by)
    return _save_move(
        locked, by=by, kind=ProblemEventKind.RESOLVED, from_status=from_status, on=on, note=resolution
    )


@transaction.atomic
def problem_verify(
    *,
    problem: Problem,
    by,
    on: datetime.date | None = None,
    note: str = "",
    version: int | None = None,
) -> Problem:
    """A leader checks the resolution and closes the problem (销号); never the resolver."""
    locked = _start_move(problem, version, by=by, move=flow.VERIFY, action=_("verified"))
    if locked.resolved_by_id is not None and by is not None and locked.resolved_by_id == by.pk:
        raise ValidationError(
            _("The person who resolved a problem cannot also verify it."), code="verifier_is_resolver"
        )
    on = _move_date(locked, on)
    if on < locked.resolved_on:
        raise ValidationError({"on": _("A problem cannot be verified before it was resolved.")})
    from_status = locked.status
    locked.status = ProblemStatus.VERIFIED
    locked.verified_on = on
    locked.verified_by = by
    return _save_move(
        locked, by=by, kind=ProblemEventKind.VERIFIED, from_status=from_status, on=on, note=note
    )


@transaction.atomic
def problem_reopen(
    *,
    problem: Problem,
    reason: str,
    by,
    due_on: datetime.date | None = None,
    on: datetime.date | None = None,
    version: int | None = None,
) -> Problem:
    """Send a resolved or verified problem back to its unit; the timeline keeps the earlier resolution."""
    locked = _start_move(problem, version, by=by, move=flow.REOPEN, action=_("reopened"))
    on = _move_date(locked, on)
    reason = _required_text(reason, "reason", _("Give a reason for reopening the problem."))
    if due_on is not None and due_on < on:
        raise ValidationError({"due_on": _("The due date cannot be before the date of reopening.")})
    from_status = locked.status
    locked.status = ProblemStatus.ASSIGNED
    locked.resolved_on = locked.verified_on = None
    locked.resolved_by = locked.verified_by = None
    locked.resolution = ""
    if due_on is not None:
        locked.due_on = due_on
    return _save_move(
        locked,
        by=by,
        kind=ProblemEventKind.REOPENED,
        from_status=from_status,
        on=on,
        note=reason,
        due_on=locked.due_on,
    )


@transaction.atomic
def problem_request_extension(
    *,
    problem: Problem,
    due_on: datetime.date,
    reason: str,
    by,
    on: datetime.date | None = None,
    version: int | None = None,
) -> ExtensionRequest:
    """The unit asks for a later due date; a leader decides (problem_decide_extension)."""
    locked = _start_move(problem, version, by=by, move=flow.EXTEND, action=_("extended"))
    on = _move_date(locked, on)
    reason = _required_text(reason, "reason", _("Give a reason for the extension."))
    if not isinstance(due_on, datetime.date) or due_on <= locked.due_on:
        raise ValidationError({"due_on": _("The new due date must be later than the current one.")})
    request = ExtensionRequest(
        problem=locked,
        due_on=due_on,
        reason=reason,
        requested_by=actor(by),
    )
    save_audited(request, by=by, reason=reason)
    _event(
        locked,
        kind=ProblemEventKind.EXTENSION_REQUESTED,
        from_status=locked.status,
        on=on,
        by=by,
        note=reason,
        due_on=due_on,
    )
    return request


@transaction.atomic
def problem_decide_extension(
    *,
    request: ExtensionRequest,
    approve: bool,
    by,
    note: str = "",
    on: datetime.date | None = None,
    version: int | None = None,
) -> ExtensionRequest:
    """A leader approves (the due date moves) or rejects an extension request."""
    request = lock(request)
    _require_move(by, flow.DECIDE_EXTENSION, request.problem)
    if request.status != ExtensionStatus.PENDING:
        raise ValidationError(_("This extension request has already been decided."), code="decided")
    problem = _lock(request.problem, version)
    on = _move_date(problem, on)
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    request.decided_by = by
    request.decided_at = timezone.now()
    request.decision_note = note
    save_audited(request, by=by, reason=note)
    if approve:
        _require_status(problem, {ProblemStatus.ASSIGNED}, _("extended"))
        problem.due_on = request.due_on
        problem.version += 1
        save_audited(problem, by=by, reason=request.reason)
    _event(
        problem,
        kind=ProblemEventKind.EXTENSION_APPROVED if approve else ProblemEventKind.EXTENSION_REJECTED,
        from_status=problem.status,
        on=on,
        by=by,
        note=note or request.reason,
        due_on=request.due_on,
    )
    return request


def _check_visit(*, on: datetime.date, region, projects) -> None:
    """The rules of a visit, recorded or corrected: not in the future, only its region's projects."""
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    outside = [p for p in projects if p.region_id != region.pk]
    if outside:
        raise ValidationError({"projects": _("Every visited project must be in the visit's region.")})


@transaction.atomic
def visit_record(*, on: datetime.date, region, leader, by, projects=(), notes: str = "") -> SupervisionVisit:
    """Record a supervision day (督导日) and the projects it visited."""
    _check_visit(on=on, region=region, projects=projects)
    visit = SupervisionVisit(on=on, region=region, leader=leader, notes=notes, created_by=by)
    save_audited(visit, by=by)
    visit.projects.set(projects)
    return visit


@transaction.atomic
def visit_update(
    *, visit: SupervisionVisit, on: datetime.date, region, leader, by, projects=(), notes: str = ""
) -> SupervisionVisit:
    """Correct a recorded visit, under the rules of recording one; an unchanged visit writes nothing."""
    projects = list(projects)
    _check_visit(on=on, region=region, projects=projects)
    visit = lock(visit)
    changed = apply_changes(visit, {"on": on, "region": region, "leader": leader, "notes": notes})
    projects_changed = {p.pk for p in projects} != set(visit.projects.values_list("pk", flat=True))
    if changed or projects_changed:
        # Saved first even when only the projects change, so the history rows that
        # projects.set() writes carry this user and reason.
        save_audited(visit, by=by, reason="edited")
    if projects_changed:
        visit.projects.set(projects)
    return visit


@transaction.atomic
def service_team_save(
    *,
    project: Project,
    by,
    county_leader=None,
    chief_officer=None,
    specialist=None,
    unit=None,
    plan: str = "",
    version: int | None = None,
) -> ServiceTeam:
    """Create or update a project's five-one team; a team may be saved incomplete and filled in later.

    Without a version it creates the team, and is refused (a conflict naming the stored one) where
    the project has one already: a writer never replaces a team it has not seen.
    """
    # The project's row lock orders the writers of its team: of two forming it at once, the
    # second finds the first one's team here (a conflict), rather than replacing it.
    lock(project)
    team = ServiceTeam.objects.filter(project=project).first()
    if team is None:
        team = ServiceTeam(project=project)
    elif version is None:
        raise field_error(
            "project",
            _(
                "This project already has a service team (id %(id)s); "
                "change that one, giving the version you read."
            )
            % {"id": team.pk},
            code="conflict",
        )
    else:
        check_version(team, version)
        team.version += 1
    members = {"county_leader": county_leader, "chief_officer": chief_officer, "specialist": specialist}
    for field, person in members.items():
        scope.check_serves(project.region, person, field, _("The official works in another region."))
    scope.check_serves(project.region, unit, "unit", _("The unit belongs to another region."))
    team.county_leader = county_leader
    team.chief_officer = chief_officer
    team.specialist = specialist
    team.unit = unit
    team.plan = (plan or "").strip()
    return save_audited(team, by=by)


def _check_service_log(*, project: Project, on: datetime.date, person) -> None:
    """The rules of a service log entry, recorded or corrected."""
    if isinstance(on, datetime.date) and on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    scope.check_serves(project.region, person, "person", _("The official works in another region."))


@transaction.atomic
def service_log_record(
    *, project: Project, on: datetime.date, kind: str, description: str, by, person=None, hours=0
) -> ServiceLog:
    _check_service_log(project=project, on=on, person=person)
    log = ServiceLog(
        project=project,
        on=on,
        kind=kind,
        description=(description or "").strip(),
        person=person,
        hours=hours,
        recorded_by=actor(by),
    )
    return save_audited(log, by=by)


@transaction.atomic
def service_log_update(
    *, log: ServiceLog, on: datetime.date, kind: str, description: str, by, person=None, hours=0
) -> ServiceLog:
    """Correct a service log entry, under the rules of recording one. It stays with its project
    and its recorder; the history row names who corrected it. An unchanged entry writes nothing."""
    _check_service_log(project=log.project, on=on, person=person)
    log = lock(log)
    description = (description or "").strip()
    fields = {"on": on, "kind": kind, "description": description, "person": person, "hours": hours}
    if apply_changes(log, fields):
        save_audited(log, by=by, reason="edited")
    return log
