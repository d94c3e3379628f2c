"""The problem moves, extension decisions and the reverse schedule, as admin pages.

Each move of supervision/problem_flow.py has its own page (``…/problem/<id>/assign/`` and so
on) with the staff pages' form of the move in the admin's widgets; a valid form calls the move's
service, and the service's refusal is shown on the same form. Which moves a problem's page
offers, and to whom, is the table's rule, as on the staff pages and in the API.
"""

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

from supervision import services
from supervision.admin.bulk import write_each
from supervision.admin.forms import GeneratePlanForm, add_service_error, admin_widgets
from supervision.choices import ExtensionStatus
from supervision.forms import MOVE_FORMS, DecideExtensionForm
from supervision.milestones import milestone_plan_generate
from supervision.models import ExtensionRequest
from supervision.problem_flow import DECIDE_EXTENSION, MOVES, may_move, offered_moves, pending_request

MOVE_TEMPLATE = "admin/supervision/move_form.html"
# The extension decision has its page on the request (ExtensionDecisionMixin), the others on the problem.
PROBLEM_PAGE_MOVES = [move for move in MOVES.values() if move is not DECIDE_EXTENSION]


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
            for move in PROBLEM_PAGE_MOVES
        ]
        return moves + super().get_urls()

    def available_moves(self, request, problem):
        """(label, url) of the moves problem_flow offers the user on the problem now."""
        offered = offered_moves(request.user, problem) if self.has_change_permission(request, problem) else []
        return [(move.label, move_url(move, problem)) for move in offered]

    def move_view(self, request, object_id, move):
        move = MOVES[move]
        problem = self.get_object(request, unquote(object_id))
        if problem is None:
            # Also for another region's problem: its existence is not revealed.
            raise Http404
        if not (may_move(request.user, move) and self.has_change_permission(request, problem)):
            raise PermissionDenied
        form = admin_widgets(
            MOVE_FORMS[move.name](request.POST if request.method == "POST" else None, problem=problem)
        )
        if request.method == "POST" and form.is_valid():
            try:
                done = form.perform(request.user)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                self.message_user(request, done, messages.SUCCESS)
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


def move_url(move, problem) -> str:
    """The admin page of ``move`` on ``problem``; an extension is decided on its request's page."""
    if move is DECIDE_EXTENSION:
        return reverse("admin:supervision_extensionrequest_decide", args=[pending_request(problem).pk])
    return reverse(f"admin:supervision_problem_{move.name}", args=[problem.pk])


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
        allowed = may_move(request.user, DECIDE_EXTENSION)
        if not (allowed and self.has_change_permission(request, request_obj)):
            raise PermissionDenied
        data = None
        if request.method == "POST":
            # The page's two buttons give the decision; the request is the page's own.
            data = request.POST.copy()
            approve = "_approve" in request.POST
            data["decision"] = DecideExtensionForm.APPROVE if approve else DecideExtensionForm.REJECT
            data["request"] = request_obj.pk
        form = admin_widgets(DecideExtensionForm(data, problem=request_obj.problem))
        form.initial["request"] = request_obj.pk
        if data is not None and form.is_valid():
            try:
                done = form.perform(request.user)
            except ValidationError as exc:
                add_service_error(form, exc, model=ExtensionRequest)
            else:
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
    # Counted before deciding: afterwards the requests decided here would count as well.
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

    def decide(extension):
        services.problem_decide_extension(request=extension, approve=approve, by=request.user)

    def done(count):
        return ngettext(
            "Decided %(count)d extension request.", "Decided %(count)d extension requests.", count
        ) % {"count": count}

    pending = queryset.filter(status=ExtensionStatus.PENDING).select_related("problem")
    # A refusal names the problem, which is what the user knows the request by.
    write_each(modeladmin, request, pending, decide, done, name=lambda extension: extension.problem)


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
                # The form's fields are the service's keywords.
                plan = milestone_plan_generate(by=request.user, **form.cleaned_data)
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
