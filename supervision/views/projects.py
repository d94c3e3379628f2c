"""Supervision work on one project: service logs, the milestone plan (倒排工期) and the
five-one service team. Each write is one service call; its refusal comes back on the form."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from supervision import milestones, services
from supervision.forms import MilestoneForm, PlanGenerateForm, ServiceLogForm, ServiceTeamForm
from supervision.models import Milestone, ServiceLog, ServiceTeam
from supervision.views.common import project_page, visible_project
from zhaoqing_tracker.forms import add_service_error
from zhaoqing_tracker.web import login_required, posted, require_perms


@login_required
def service_log_create(request, project_id):
    require_perms(request, "supervision.add_servicelog")
    project = visible_project(request, project_id)
    form = ServiceLogForm(posted(request), project=project)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_log_record(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error, model=ServiceLog)
        else:
            messages.success(request, _("The service log entry was recorded."))
            return redirect(project_page(project))
    return render(request, "supervision/service_log_form.html", {"form": form, "project": project})


# Milestones

# The plan page holds two forms that both have a "responsible" field; distinct ids keep
# each label tied to its own input.
GENERATE_IDS = "id_generate_%s"


def _plan_page(request, project, *, form=None, generate_form=None):
    user = request.user
    can_add = user.has_perm("supervision.add_milestone")
    can_change = user.has_perm("supervision.change_milestone")
    rows = list(
        project.milestones.with_warning(timezone.localdate())
        .select_related("responsible")
        .order_by("due_on", "order", "id")
    )
    editing = None
    if form is None:
        edit_id = request.GET.get("edit")
        if edit_id and can_change:
            editing = next((m for m in rows if str(m.pk) == edit_id), None)
            if editing is None:
                raise Http404
            form = MilestoneForm(
                project=project,
                initial={
                    "milestone": editing.pk,
                    "version": editing.version,
                    "title": editing.title,
                    "responsible": editing.responsible_id,
                    "due_on": editing.due_on,
                    "done_on": editing.done_on,
                    "order": editing.order,
                },
            )
        elif can_add:
            form = MilestoneForm(project=project)
    else:
        editing = form.cleaned_data.get("milestone") if hasattr(form, "cleaned_data") else None
    if generate_form is None and can_add:
        generate_form = PlanGenerateForm(project=project, auto_id=GENERATE_IDS)
    context = {
        "project": project,
        "milestones": rows,
        "form": form,
        "editing": editing,
        "generate_form": generate_form,
        "can_change": can_change,
    }
    return render(request, "supervision/milestone_plan.html", context)


def _plan_url(project) -> str:
    return reverse("supervision:milestone_plan", args=[project.pk])


@login_required
def milestone_plan(request, project_id):
    return _plan_page(request, visible_project(request, project_id))


@login_required
@require_POST
def milestone_save(request, project_id):
    # As the API: changing a milestone needs change permission, adding one add permission.
    editing = bool(request.POST.get("milestone"))
    require_perms(request, "supervision.change_milestone" if editing else "supervision.add_milestone")
    project = visible_project(request, project_id)
    form = MilestoneForm(request.POST, project=project)
    if form.is_valid():
        data = form.cleaned_data
        try:
            milestones.milestone_save(project=project, by=request.user, **data)
        except ValidationError as error:
            current = data["milestone"].version if data["milestone"] else None
            add_service_error(form, error, current_version=current, model=Milestone)
        else:
            messages.success(request, _("The milestone was saved."))
            return redirect(_plan_url(project))
    return _plan_page(request, project, form=form)


@login_required
@require_POST
def milestone_plan_generate(request, project_id):
    require_perms(request, "supervision.add_milestone")
    project = visible_project(request, project_id)
    form = PlanGenerateForm(request.POST, project=project, auto_id=GENERATE_IDS)
    if form.is_valid():
        try:
            plan = milestones.milestone_plan_generate(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error, model=Milestone)
        else:
            if plan:
                message = ngettext("Added %(count)d milestone.", "Added %(count)d milestones.", len(plan)) % {
                    "count": len(plan)
                }
                messages.success(request, message)
            else:
                messages.warning(
                    request,
                    _("Nothing was added: the project already has every milestone of the default plan."),
                )
            return redirect(_plan_url(project))
    return _plan_page(request, project, generate_form=form)


# Five-one service team


@login_required
def service_team_edit(request, project_id):
    if request.method == "POST":
        require_perms(request, "supervision.add_serviceteam")
    project = visible_project(request, project_id)
    team = (
        ServiceTeam.objects.filter(project=project)
        .select_related("county_leader", "chief_officer", "specialist", "unit")
        .first()
    )
    # As the API: forming a team needs add permission, changing one change permission.
    perm = "supervision.change_serviceteam" if team else "supervision.add_serviceteam"
    can_edit = request.user.has_perm(perm)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    form = None
    if can_edit:
        initial = {"version": team.version if team else 0}
        if team:
            initial.update(
                county_leader=team.county_leader_id,
                chief_officer=team.chief_officer_id,
                specialist=team.specialist_id,
                unit=team.unit_id,
                plan=team.plan,
            )
        form = ServiceTeamForm(
            posted(request), project=project, initial=initial
        )
    if request.method == "POST" and form.is_valid():
        try:
            # A team created by someone else since the page was read has version 1, so the
            # version 0 sent with a new team is refused as stale instead of overwriting it.
            services.service_team_save(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            current = ServiceTeam.objects.filter(project=project).values_list("version", flat=True).first()
            add_service_error(form, error, current_version=current, model=ServiceTeam)
        else:
            messages.success(request, _("The service team was saved."))
            return redirect(project_page(project))
    context = {"project": project, "team": team, "form": form}
    return render(request, "supervision/service_team_form.html", context)
