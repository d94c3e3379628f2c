"""Changelist actions on projects: each asks for its input on a confirmation page, then calls
lifecycle or services once per selected project. Nothing here sets a stage, a stage date or a
status itself; a project that may not move is reported with the refusing function's message.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from projects import lifecycle, services
from projects.admin.forms import AdvanceStageForm, ReasonForm

CONFIRM_TEMPLATE = "admin/projects/project/action_confirmation.html"
# How many of the selected projects the confirmation page lists by name.
PREVIEW_LIMIT = 100


def _confirm_then_apply(modeladmin, request, queryset, *, form_class, apply, title, intro, submit, done):
    """Show the confirmation form; once it is posted valid, ``apply(project, data)`` to each project.
    ``done`` is the success message, a lazy plural keyed by ``count`` (the projects moved).

    Each project is moved in its own transaction (the lifecycle/service function's), so one
    refusal does not undo the others; every refusal is reported with its own message.
    """
    if "apply" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            succeeded = 0
            for project in queryset:
                try:
                    apply(project, form.cleaned_data)
                except ValidationError as exc:
                    modeladmin.message_user(
                        request,
                        _("%(project)s: %(error)s") % {"project": project, "error": " ".join(exc.messages)},
                        messages.ERROR,
                    )
                else:
                    succeeded += 1
            if succeeded:
                modeladmin.message_user(request, done % {"count": succeeded}, messages.SUCCESS)
            return None  # back to the changelist, with its filters
    else:
        form = form_class()

    opts = modeladmin.model._meta
    preview = list(queryset.select_related("region")[: PREVIEW_LIMIT + 1])
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "submit_label": submit,
        "opts": opts,
        "app_label": opts.app_label,
        "form": form,
        "projects": preview[:PREVIEW_LIMIT],
        "more_projects": len(preview) > PREVIEW_LIMIT,
        "action": request.POST.get("action", ""),
        "selected_ids": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media + form.media,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, CONFIRM_TEMPLATE, context)


@admin.action(description=_("Advance to the next stage"), permissions=["change"])
def advance_stage(modeladmin, request, queryset):
    def apply(project, data):
        # At the last stage there is no next one; ask for the current stage and let
        # lifecycle refuse it with its own message ("already at the last stage").
        stage = project.stage_enum.next or project.stage_enum
        lifecycle.advance(project=project, stage=stage, on=data["on"], note=data["note"], by=request.user)

    return _confirm_then_apply(
        modeladmin,
        request,
        queryset,
        form_class=AdvanceStageForm,
        apply=apply,
        title=_("Advance projects to their next stage"),
        intro=_("Each project below moves to the stage after its current one, reached on the date given."),
        submit=_("Advance"),
        done=ngettext_lazy(
            "Advanced %(count)d project to its next stage.",
            "Advanced %(count)d projects to their next stage.",
            "count",
        ),
    )


def _reason_action(name, move, *, description, title, intro, submit, done):
    """An action that asks for a reason and calls ``move(project=, reason=, by=)`` on each project.

    ``name`` is the action's key in the changelist's POST, so it must stay stable.
    """

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        def apply(project, data):
            move(project=project, reason=data["reason"], by=request.user)

        return _confirm_then_apply(
            modeladmin,
            request,
            queryset,
            form_class=ReasonForm,
            apply=apply,
            title=title,
            intro=intro,
            submit=submit,
            done=done,
        )

    action.__name__ = action.__qualname__ = name
    return action


revert_stage = _reason_action(
    "revert_stage",
    lifecycle.revert,
    description=_("Go back one stage"),
    title=_("Move projects back one stage"),
    intro=_(
        "Each project below goes back to its previous stage, and the date of the stage it "
        "leaves is cleared. The reason is kept in the stage history."
    ),
    submit=_("Go back one stage"),
    done=ngettext_lazy(
        "Moved %(count)d project back one stage.", "Moved %(count)d projects back one stage.", "count"
    ),
)
cancel_project = _reason_action(
    "cancel_project",
    services.project_cancel,
    description=_("Cancel project"),
    title=_("Cancel projects"),
    intro=_("Cancelled projects are kept but no longer counted in figures and rankings."),
    submit=_("Cancel the projects"),
    done=ngettext_lazy("Cancelled %(count)d project.", "Cancelled %(count)d projects.", "count"),
)
reactivate_project = _reason_action(
    "reactivate_project",
    services.project_reactivate,
    description=_("Reactivate project"),
    title=_("Reactivate projects"),
    intro=_("Reactivated projects count again in figures and rankings."),
    submit=_("Reactivate"),
    done=ngettext_lazy("Reactivated %(count)d project.", "Reactivated %(count)d projects.", "count"),
)


PROJECT_ACTIONS = [advance_stage, revert_stage, cancel_project, reactivate_project]
