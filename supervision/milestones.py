"""Named write functions of the milestones (倒排工期节点, house rule 2): one milestone saved, and
the default plan counted back from a target production date. Apart from the problem moves in
supervision/services.py because they share nothing with them but the audit."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import scope
from projects.audit import lock, save_audited
from projects.choices import Stage
from projects.models import Project
from supervision.models import Milestone, MilestoneTemplate
from supervision.periods import subtract_working_days


@transaction.atomic
def milestone_save(
    *,
    project: Project,
    title: str,
    due_on: datetime.date,
    by,
    responsible=None,
    done_on: datetime.date | None = None,
    order: int = 0,
    milestone: Milestone | None = None,
    version: int | None = None,
) -> Milestone:
    """Create a milestone, or update ``milestone`` (e.g. mark it done)."""
    if milestone is None:
        milestone = Milestone(project=project)
    else:
        milestone = lock(milestone, version)
        milestone.version += 1
    if done_on is not None and done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The date cannot be in the future.")})
    scope.check_serves(project.region, responsible, "responsible", _("The official works in another region."))
    milestone.title = title
    milestone.due_on = due_on
    milestone.responsible = responsible
    milestone.done_on = done_on
    milestone.order = order
    return save_audited(milestone, by=by)


@transaction.atomic
def milestone_plan_generate(
    *, project: Project, target_production_on: datetime.date, by, responsible=None
) -> list[Milestone]:
    """Reverse-schedule (倒排工期) the default plan from a target production date.

    Each template step is due its number of working days before the target; steps
    for stages the project has already reached are skipped, as are titles the
    project already has, so running it again adds nothing twice.
    """
    scope.check_serves(project.region, responsible, "responsible", _("The official works in another region."))
    # Under the project's row lock, two runs at once take turns: the second finds the first one's
    # titles below and adds nothing twice (and reads the stage as it is now).
    lock(project)
    reached = project.stage_enum.index
    existing = set(project.milestones.values_list("title", flat=True))
    plan = []
    for order, template in enumerate(MilestoneTemplate.objects.order_by("-working_days_before", "id")):
        if Stage(template.stage).index <= reached or template.name in existing:
            continue
        due_on = subtract_working_days(target_production_on, template.working_days_before)
        milestone = Milestone(
            project=project, title=template.name, due_on=due_on, responsible=responsible, order=order
        )
        plan.append(save_audited(milestone, by=by, reason="reverse_schedule"))
    return plan
