"""The only code that changes ``Project.stage`` (house rule 1).

Every move locks the project row (``select_for_update``), checks DESIGN's
lifecycle rules against the locked, current row, and writes the project and its
StageTransition in one transaction, so two people advancing the same project at
once cannot both succeed and the audit trail never disagrees with the stage.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.audit import atomic, field_error, lock, save_audited
from projects.choices import Stage, Status
from projects.models import Project, StageTransition


def _lock(project: Project, version: int | None) -> Project:
    return lock(
        project, version, stale_message=_("Someone else changed this project first; reload it and try again.")
    )


def _record(project: Project, *, from_stage: str, to_stage: Stage, on, note: str, by) -> StageTransition:
    transition = StageTransition(
        project=project, from_stage=from_stage, to_stage=to_stage, on=on, note=note, by=by
    )
    return save_audited(transition, by=by, reason=note)


def record_creation(project: Project, *, by, note: str = "") -> StageTransition:
    """The first transition of a new project (called by services.project_create)."""
    return _record(project, from_stage="", to_stage=Stage.SIGNED, on=project.signed_on, note=note, by=by)


@atomic
def advance(
    *,
    project: Project,
    stage: Stage | str,
    on: datetime.date,
    note: str = "",
    by=None,
    version: int | None = None,
) -> Project:
    """Move ``project`` to the next stage, reached on ``on``.

    ``stage`` must be exactly the next stage (so a stale screen asking for a stage
    the project already has is refused, not applied twice); ``on`` is not before the
    current stage's date and not in the future (Asia/Shanghai).
    """
    try:
        target = Stage(stage)
    except ValueError:
        raise field_error("stage", _("Unknown stage."), "invalid") from None
    if not isinstance(on, datetime.date) or isinstance(on, datetime.datetime):
        raise field_error("on", _("Enter a valid date."), "invalid")

    locked = _lock(project, version)
    current = locked.stage_enum
    if locked.status == Status.CANCELLED:
        raise ValidationError(_("A cancelled project cannot advance."), code="cancelled")
    if current.next is None:
        raise field_error("stage", _("The project is already at the last stage."), "last_stage")
    if target != current.next:
        raise field_error(
            "stage",
            _("The project is at stage “%(current)s”; it can only advance to “%(next)s”.")
            % {"current": current.label, "next": current.next.label},
            "not_next",
        )
    previous_date = locked.stage_date(current)
    if on < previous_date:
        raise field_error(
            "on",
            _("The date cannot be before %(date)s, when the project reached “%(stage)s”.")
            % {"date": previous_date.isoformat(), "stage": current.label},
            "before_previous",
        )
    if on > timezone.localdate():
        raise field_error("on", _("The date cannot be in the future."), "future")

    setattr(locked, target.date_field, on)
    locked.stage = target
    locked.version += 1
    save_audited(locked, by=by, reason=note or "advanced")
    _record(locked, from_stage=current, to_stage=target, on=on, note=note, by=by)
    return locked


@atomic
def revert(*, project: Project, reason: str, by=None, version: int | None = None) -> Project:
    """Move ``project`` back one stage, clearing the date of the stage it leaves."""
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("Give a reason for going back a stage."), "required")

    locked = _lock(project, version)
    current = locked.stage_enum
    if current.previous is None:
        raise field_error(
            "stage", _("The project is at the first stage; there is nothing to revert."), "first_stage"
        )
    target = current.previous
    setattr(locked, current.date_field, None)
    locked.stage = target
    locked.version += 1
    save_audited(locked, by=by, reason=reason)
    _record(locked, from_stage=current, to_stage=target, on=locked.stage_date(target), note=reason, by=by)
    return locked


@atomic
def advance_through(
    *,
    project: Project,
    stage_dates: dict,
    note: str = "",
    by=None,
    version: int | None = None,
) -> Project:
    """Advance ``project`` stage by stage through every later stage that ``stage_dates`` dates.

    For a project entered with its history (the API's create with stage dates, a ledger
    import): each stage is one ``advance``, so each is checked and audited as if typed in
    turn. The dated stages must follow on without a gap (a date for 开工 without one for 供地
    is refused); stages at or before the current one are left alone (the caller compares them).
    A refused date is an error on that stage's date field (``started_on``), not on ``on``: the
    caller sent several dates and needs to know which one.
    """
    dates = {Stage(stage): on for stage, on in stage_dates.items() if on}
    locked = _lock(project, version)
    stage = locked.stage_enum.next
    while stage is not None and stage in dates:
        try:
            locked = advance(project=locked, stage=stage, on=dates.pop(stage), note=note, by=by)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "on" in exc.error_dict:
                raise ValidationError({stage.date_field: exc.error_dict["on"]}) from exc
            raise
        stage = stage.next
    later = [s for s in dates if s.index > locked.stage_enum.index]
    if later:
        missing = locked.stage_enum.next
        raise field_error(
            missing.date_field,
            _("“%(stage)s” has a date but “%(missing)s” has none; stages are reached in order.")
            % {"stage": later[0].label, "missing": missing.label},
            "gap",
        )
    return locked
