"""The problem moves, extension decisions and the reverse schedule, as admin pages.

Each move has its own page (``…/problem/<id>/assign/`` and so on) with a form; a valid form
calls one service function, and the service's refusal is shown on the same form. Which moves
a problem's page offers follows its status, but only as a convenience: the service decides.
"""

from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from projects.roles import is_leader
from supervision import problem_moves, services
from supervision.admin.forms import (
    AssignForm,
    DecideExtensionForm,
    ExtensionForm,
    GeneratePlanForm,
    ReopenForm,
    ResolveForm,
    VerifyForm,
    add_service_error,
)
from supervision.choices import ExtensionStatus, ProblemStatus
from supervision.models import ExtensionRequest

MOVE_TEMPLATE = "admin/supervision/move_form.html"


def _loaded(move):
    # The admin's move forms carry the version they were loaded with as ``loaded_version``.
    return lambda problem, data, user: move(problem, data, user, version=data["loaded_version"])


@dataclass(frozen=True)
class Move:
    name: str  # the URL segment
    label: str
    form_class: type
    perform: object  # (problem, cleaned_data, user) -> None; raises ValidationError
    done: str
    # Where the problem page offers the move, and whether only leaders see its button.
    statuses: tuple = ()
    for_leaders: bool = False
    permission: str | None = None


MOVES = [
    Move(
        "assign",
        _("Assign"),
        AssignForm,
        _loaded(problem_moves.assign),
        _("The problem was assigned."),
        statuses=(ProblemStatus.RAISED, ProblemStatus.ASSIGNED),
    ),
    Move(
        "resolve",
        _("Resolve"),
        ResolveForm,
        _loaded(problem_moves.resolve),
        _("The problem was marked resolved."),
        statuses=(ProblemStatus.ASSIGNED,),
    ),
    Move(
        "extend",
        _("Request extension"),
        ExtensionForm,
        _loaded(problem_moves.request_extension),
        _("The extension was requested; a leader decides on it."),
        statuses=(ProblemStatus.ASSIGNED,),
        permission="supervision.add_extensionrequest",
    ),
    Move(
        "verify",
        _("Verify"),
        VerifyForm,
        _loaded(problem_moves.verify),
        _("The problem was verified and closed."),
        statuses=(ProblemStatus.RESOLVED,),
        for_leaders=True,
    ),
    Move(
        "reopen",
        _("Reopen"),
        ReopenForm,
        _loaded(problem_moves.reopen),
        _("The problem was reopened."),
        statuses=(ProblemStatus.RESOLVED, ProblemStatus.VERIFIED),
    ),
]
MOVES_BY_NAME = {move.name: move for move in MOVES}


def _render_form_page(model_admin, request, *, form, title, original, submit, **extra):
    opts = model_admin.model._meta
    fields = [name for name, field in form.fields.items() if not field.widget.is_hidden]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "app_label": opts.app_label,
        "original": original,
        "form": form,
        "adminform": helpers.AdminForm(form, [(None, {"fields": fields})], {}),
        "submit_label": submit,
        "media": model_admin.media + form.media,
        **extra,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, MOVE_TEMPLATE, context)


class ProblemMovesMixin:
    """Adds a page per problem move to a ModelAdmin of Problem, and the buttons to reach them."""

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        moves = [
            path(
                f"<path:object_id>/{move.name}/",
                self.admin_site.admin_view(self.move_view),
                {"move": move.name},
                name=f"{prefix}_{move.name}",
            )
            for move in MOVES
        ]
        return moves + super().get_urls()

    def _can_move(self, request, problem, move: Move) -> bool:
        if not self.has_change_permission(request, problem):
            return False
        return move.permission is None or request.user.has_perm(move.permission)

    def available_moves(self, request, problem):
        """(label, url) of the moves the problem's status allows and the user may try."""
        leader = is_leader(request.user)
        return [
            (move.label, reverse(f"admin:supervision_problem_{move.name}", args=[problem.pk]))
            for move in MOVES
            if problem.status in move.statuses
            and (leader or not move.for_leaders)
            and self._can_move(request, problem, move)
        ]

    def move_view(self, request, object_id, move):
        move = MOVES_BY_NAME[move]
        problem = self.get_object(request, unquote(object_id))
        if problem is None:
            # Also for another region's problem: its existence is not revealed.
            raise Http404
        if not self._can_move(request, problem, move):
            raise PermissionDenied
        form = move.form_class(
            request.POST if request.method == "POST" else None, problem=problem, user=request.user
        )
        if request.method == "POST" and form.is_valid():
            try:
                move.perform(problem, form.cleaned_data, request.user)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                self.message_user(request, move.done, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:supervision_problem_change", args=[problem.pk]))
        return _render_form_page(
            self,
            request,
            form=form,
            title=_("%(move)s: %(problem)s") % {"move": move.label, "problem": problem},
            original=problem,
            submit=move.label,
            problem=problem,
        )


class ExtensionDecisionMixin:
    """A decision page per extension request, and approve/reject actions on the changelist."""

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name=f"{prefix}_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id):
        request_obj = self.get_object(request, unquote(object_id))
        if request_obj is None:
            raise Http404
        if not self.has_change_permission(request, request_obj):
            raise PermissionDenied
        form = DecideExtensionForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            approve = "_approve" in request.POST
            try:
                services.problem_decide_extension(
                    request=request_obj, approve=approve, note=form.cleaned_data["note"], by=request.user
                )
            except ValidationError as exc:
                add_service_error(form, exc, model=ExtensionRequest)
            else:
                done = _("The extension was approved.") if approve else _("The extension was rejected.")
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:supervision_problem_change", args=[request_obj.problem_id])
                )
        return _render_form_page(
            self,
            request,
            form=form,
            title=_("Decide on the extension: %(problem)s") % {"problem": request_obj.problem},
            original=request_obj,
            submit=None,
            problem=request_obj.problem,
            extension=request_obj,
            decide=True,
        )


def _decide_selected(modeladmin, request, queryset, *, approve: bool):
    decided = 0
    for extension in queryset.filter(status=ExtensionStatus.PENDING).select_related("problem"):
        try:
            services.problem_decide_extension(request=extension, approve=approve, by=request.user)
        except ValidationError as exc:
            modeladmin.message_user(
                request,
                _("%(item)s: %(error)s") % {"item": extension.problem, "error": " ".join(exc.messages)},
                messages.ERROR,
            )
        else:
            decided += 1
    skipped = queryset.exclude(status=ExtensionStatus.PENDING).count()
    if skipped:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d request was already decided and was left as it is.",
                "%(count)d requests were already decided and were left as they are.",
                skipped,
            )
            % {"count": skipped},
            messages.WARNING,
        )
    if decided:
        modeladmin.message_user(
            request,
            ngettext("Decided %(count)d extension request.", "Decided %(count)d extension requests.", decided)
            % {"count": decided},
            messages.SUCCESS,
        )


@admin.action(description=_("Approve the selected extension requests"), permissions=["change"])
def approve_extensions(modeladmin, request, queryset):
    _decide_selected(modeladmin, request, queryset, approve=True)


@admin.action(description=_("Reject the selected extension requests"), permissions=["change"])
def reject_extensions(modeladmin, request, queryset):
    _decide_selected(modeladmin, request, queryset, approve=False)


class MilestonePlanMixin:
    """The "generate reverse schedule" page of the milestone changelist."""

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("generate/", self.admin_site.admin_view(self.generate_view), name=f"{prefix}_generate"),
            *super().get_urls(),
        ]

    def generate_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = GeneratePlanForm(request.POST if request.method == "POST" else None, user=request.user)
        if request.method == "POST" and form.is_valid():
            project = form.cleaned_data["project"]
            try:
                plan = services.milestone_plan_generate(
                    project=project,
                    target_production_on=form.cleaned_data["target_production_on"],
                    responsible=form.cleaned_data["responsible"],
                    by=request.user,
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                self.message_user(
                    request,
                    ngettext(
                        "Added %(count)d milestone to %(project)s.",
                        "Added %(count)d milestones to %(project)s.",
                        len(plan),
                    )
                    % {"count": len(plan), "project": project},
                    messages.SUCCESS if plan else messages.WARNING,
                )
                changelist = reverse("admin:supervision_milestone_changelist")
                return HttpResponseRedirect(f"{changelist}?{urlencode({'q': project.code})}")
        return _render_form_page(
            self,
            request,
            form=form,
            title=_("Generate a reverse schedule"),
            original=None,
            submit=_("Generate"),
            intro=_(
                "Adds the default milestones, counted back in working days from the target production "
                "date, for the stages the project has not reached yet. Milestones the project already "
                "has are not added twice."
            ),
        )
