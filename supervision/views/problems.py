"""The problem ledger in the browser: the list, a problem's page with the moves it allows
now, one POST URL per move, and raising a problem on a project.

A move's form posts to its own URL and works as a plain form (redirect to the problem's
page). With htmx the same POST answers with the problem's panel, which replaces the old one.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from supervision import services
from supervision.choices import OPEN_PROBLEM_STATUSES, ExtensionStatus
from supervision.filtersets import ProblemFilterSet
from supervision.forms import MOVE_FORMS, ProblemRaiseForm
from supervision.models import ExtensionRequest, Problem, ProblemEvent
from supervision.problem_flow import MOVES, may_move, offered_moves
from supervision.views.common import prepare_filter_form, visible_project
from zhaoqing_tracker.forms import add_service_error
from zhaoqing_tracker.web import is_htmx, login_required, page_of, require_perms

PANEL = "supervision/_problem_panel.html"
DETAIL = "supervision/problem_detail.html"


def problems_for(user):
    """The user's problems with what the list shows of each, read in the same query."""
    return Problem.objects.visible_to(user).select_related("project__region", "responsible_unit")


def with_timeline(queryset):
    """What a problem's page shows besides: the people, the visit, the timeline and requests."""
    return queryset.select_related(
        "project__region__parent", "assignee", "raised_by", "resolved_by", "verified_by", "visit__region"
    ).prefetch_related(
        Prefetch("events", queryset=ProblemEvent.objects.select_related("by")),
        Prefetch(
            "extension_requests",
            queryset=ExtensionRequest.objects.select_related("requested_by", "decided_by"),
        ),
    )


def is_overdue(problem, today) -> bool:
    # DESIGN's problems_overdue, as ProblemQuerySet.overdue reads it.
    return problem.status in OPEN_PROBLEM_STATUSES and problem.due_on is not None and problem.due_on < today


def panel_context(request, problem, *, bound=None, flash=None) -> dict:
    """The problem's facts, timeline and the forms of the moves offered; ``bound`` is the
    (name, form) just sent, shown even when the move is no longer offered, so that nothing
    the user typed disappears."""
    forms = {
        move.name: MOVE_FORMS[move.name](problem=problem, auto_id=f"id_{move.name}_%s")
        for move in offered_moves(request.user, problem)
    }
    if bound is not None:
        forms[bound[0]] = bound[1]
    today = timezone.localdate()
    return {
        "problem": problem,
        "project": problem.project,
        "overdue": is_overdue(problem, today),
        "moves": [
            {"name": name, "move": MOVES[name], "form": form, "url": f"supervision:problem_{name}"}
            for name, form in forms.items()
        ],
        "pending": [r for r in problem.extension_requests.all() if r.status == ExtensionStatus.PENDING],
        "flash": flash,
    }


@login_required
def problem_list(request):
    filterset = ProblemFilterSet(request.GET, queryset=problems_for(request.user), request=request)
    form = prepare_filter_form(
        filterset,
        request,
        shown=["status", "category", "severity", "region", "overdue", "raised_after", "raised_before"],
    )
    valid = form.is_valid()
    page = page_of(request, filterset.qs) if valid else {"rows": []}
    today = timezone.localdate()
    for problem in page["rows"]:
        problem.is_overdue = is_overdue(problem, today)
    context = {
        "filter_form": form,
        "page": page,
        "project": form.cleaned_data.get("project") if valid else None,
        "can_raise": request.user.has_perm("supervision.add_problem"),
    }
    # A filter that cannot be read lists nothing rather than everything (as the API's 400).
    return render(request, "supervision/problem_list.html", context, status=200 if valid else 400)


@login_required
def problem_detail(request, pk):
    problem = get_object_or_404(with_timeline(problems_for(request.user)), pk=pk)
    return render(request, DETAIL, panel_context(request, problem))


@login_required
@require_POST
def problem_move(request, pk, move):
    if not may_move(request.user, MOVES[move]):
        raise PermissionDenied
    problem = get_object_or_404(with_timeline(problems_for(request.user)), pk=pk)
    form = MOVE_FORMS[move](request.POST, problem=problem, auto_id=f"id_{move}_%s")
    if form.is_valid():
        try:
            done = form.perform(request.user)
        except ValidationError as error:
            add_service_error(form, error, current_version=problem.version, model=Problem)
        else:
            if is_htmx(request):
                fresh = get_object_or_404(with_timeline(problems_for(request.user)), pk=pk)
                return render(request, PANEL, panel_context(request, fresh, flash=done))
            messages.success(request, done)
            return redirect("supervision:problem_detail", pk=pk)
    context = panel_context(request, problem, bound=(move, form))
    return render(request, PANEL if is_htmx(request) else DETAIL, context)


@login_required
def problem_raise(request, project_id):
    require_perms(request, "supervision.add_problem")
    project = visible_project(request, project_id)
    initial = {"visit": request.GET.get("visit")} if request.GET.get("visit") else {}
    form = ProblemRaiseForm(
        request.POST if request.method == "POST" else None,
        project=project,
        user=request.user,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            problem = services.problem_raise(project=project, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error, model=Problem)
        else:
            messages.success(request, _("The problem was raised. Assign it to a responsible unit next."))
            return redirect("supervision:problem_detail", pk=problem.pk)
    return render(request, "supervision/problem_raise.html", {"form": form, "project": project})
