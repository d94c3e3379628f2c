"""Staff workspace, write side: each page shows a form and hands it to one service function.

Rules live in the services (services.py, lifecycle.py); a refusal comes back as a
ValidationError and is shown on the form. Order of checks, as in the API: a project outside
the user's scope is a 404 before anything else, then a role without the model permission gets
a 403, for GET and POST alike. After a successful POST the browser is redirected (PRG).

A stale write (someone saved the record since the form was loaded) changes nothing; the form
comes back around the record as it is now, with everything the user typed, the values now stored
for comparison, the new version and the one stale message (zhaoqing_tracker/forms.py), so that
saving again is a deliberate choice.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from projects import lifecycle, services
from projects.choices import Status
from projects.forms import AdvanceForm, InvestmentForm, ProjectForm, ReasonForm
from projects.history_display import display_value
from projects.models import InvestmentReport, Project
from projects.services import PROJECT_EDITABLE_FIELDS
from projects.templatetags.money import money
from projects.views.pages import visible_project
from zhaoqing_tracker.forms import MonthField, add_service_error, is_stale
from zhaoqing_tracker.web import login_required, posted, require_perms

GET_POST = require_http_methods(["GET", "POST"])
PROJECT_RELATED = ("enterprise", "region", "park", "industry")


def _new_enterprise(form, user):
    """The enterprise typed as a new name; its refusal is reported on the new-enterprise fields."""
    try:
        return services.enterprise_create(
            name=form.cleaned_data["new_enterprise_name"],
            credit_code=form.cleaned_data["new_enterprise_credit_code"],
            by=user,
        )
    except ValidationError as exc:
        add_service_error(form, exc, field_map={"name": "new_enterprise_name"})
        raise _Refused from exc


class _Refused(Exception):
    """Already reported on the form; unwinds the transaction."""


def _enterprise(form, user):
    return form.cleaned_data["enterprise"] or _new_enterprise(form, user)


@GET_POST
@login_required
def project_create(request):
    require_perms(request, "projects.add_project")
    form = ProjectForm(posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                project = services.project_create(
                    by=request.user,
                    code=form.cleaned_data["code"].strip(),
                    signed_on=form.cleaned_data["signed_on"],
                    **form.project_values(_enterprise(form, request.user)),
                )
        except _Refused:
            pass
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("Project %(code)s entered at stage “Signed”.") % {"code": project.code}
            )
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "project": None})


@GET_POST
@login_required
def project_edit(request, pk):
    project = visible_project(request, pk, *PROJECT_RELATED)
    require_perms(request, "projects.change_project")
    form = ProjectForm(posted(request), user=request.user, project=project)
    comparison = None
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                changes = form.changed_values(_enterprise(form, request.user))
                if changes:
                    services.project_update(
                        project=project, by=request.user, version=form.cleaned_data["version"], **changes
                    )
        except _Refused:
            pass
        except ValidationError as exc:
            if is_stale(exc):
                project = visible_project(request, pk, *PROJECT_RELATED)
                comparison = _comparison(form, project)
                form = ProjectForm(form.data, user=request.user, project=project)
                form.is_valid()
            add_service_error(form, exc, current_version=project.version)
        else:
            if changes:
                messages.success(request, _("Changes to %(code)s saved.") % {"code": project.code})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("projects:detail", pk=project.pk)
    context = {"form": form, "project": project, "comparison": comparison}
    return render(request, "projects/project_form.html", context)


def _comparison(form, current: Project) -> list[dict]:
    """Field by field: what the user typed against what is stored now."""
    rows = []
    for field in PROJECT_EDITABLE_FIELDS:
        if field == "enterprise":
            yours = form.cleaned_data.get("enterprise") or form.cleaned_data.get("new_enterprise_name")
        else:
            yours = form.cleaned_data.get(field)
        stored = getattr(current, field)
        rows.append(
            {
                "label": form.fields[field].label,
                "yours": _shown(yours),
                "stored": _shown(stored),
                "differs": _shown(yours) != _shown(stored),
            }
        )
    return rows


def _shown(value) -> str:
    return str(value) if hasattr(value, "pk") else display_value("", value)


# --- stage and status moves -----------------------------------------------------------------


def _move(request, pk, form_class, write, page):
    """One stage or status move: ``write(project, cleaned_data)`` calls the service;
    ``page(project)`` gives the page's title, intro, button and success message."""
    project = visible_project(request, pk, *PROJECT_RELATED)
    require_perms(request, "projects.change_project")
    form = form_class(posted(request), project=project)
    if request.method == "POST" and form.is_valid():
        try:
            write(project, form.cleaned_data)
        except ValidationError as exc:
            if is_stale(exc):
                # The page shows the project as it is now; the stage and version follow it.
                project = visible_project(request, pk, *PROJECT_RELATED)
                form = form_class(form.data, project=project)
                form.is_valid()
                form.after_stale()
            add_service_error(form, exc, current_version=project.version)
        else:
            project.refresh_from_db()
            messages.success(request, page(project)["success"])
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/project_move.html", {"form": form, "project": project, **page(project)})


def _reason_move(request, pk, move, page):
    """A move that asks only for a reason: ``move(project=, reason=, by=, version=)``."""

    def write(project, data):
        move(project=project, reason=data["reason"], by=request.user, version=data["version"])

    return _move(request, pk, ReasonForm, write, page)


@GET_POST
@login_required
def project_advance(request, pk):
    def write(project, data):
        lifecycle.advance(
            project=project,
            stage=data["stage"],
            on=data["on"],
            note=data["note"],
            by=request.user,
            version=data["version"],
        )

    def page(project):
        nxt = project.stage_enum.next
        names = {"code": project.code, "stage": nxt.label if nxt else project.get_stage_display()}
        return {
            # Only what the page offers; the service decides again on the POST.
            "blocked": _("A cancelled project cannot advance.")
            if project.status == Status.CANCELLED
            else None
            if nxt
            else _("The project is already at the last stage."),
            "title": _("Advance to “%(stage)s”") % names if nxt else _("Advance stage"),
            "intro": _(
                "The date is the day the project reached the new stage: not before the current "
                "stage's date and not in the future. Two stages may share a date."
            ),
            "submit_label": _("Advance"),
            "success": _("%(code)s advanced to “%(stage)s”.")
            % {**names, "stage": project.get_stage_display()},
        }

    return _move(request, pk, AdvanceForm, write, page)


@GET_POST
@login_required
def project_revert(request, pk):
    def page(project):
        return {
            "blocked": None
            if project.stage_enum.previous
            else _("The project is at the first stage; there is nothing to revert."),
            "title": _("Go back one stage"),
            "intro": _(
                "The project returns to the stage before its current one and the current stage's "
                "date is cleared. The reason is kept in the stage history."
            ),
            "submit_label": _("Go back one stage"),
            "danger": True,
            "success": _("%(code)s went back to “%(stage)s”.")
            % {"code": project.code, "stage": project.get_stage_display()},
        }

    return _reason_move(request, pk, lifecycle.revert, page)


@GET_POST
@login_required
def project_cancel(request, pk):
    def page(project):
        return {
            "blocked": _("The project is already cancelled.") if project.status == Status.CANCELLED else None,
            "title": _("Cancel project"),
            "intro": _(
                "A cancelled project (清退) is kept with its history but no longer counted in "
                "figures and rankings, and cannot advance. It can be reactivated later."
            ),
            "submit_label": _("Cancel project"),
            "danger": True,
            "success": _("%(code)s was cancelled; it is kept but no longer counted.")
            % {"code": project.code},
        }

    return _reason_move(request, pk, services.project_cancel, page)


@GET_POST
@login_required
def project_reactivate(request, pk):
    def page(project):
        return {
            "blocked": None
            if project.status == Status.CANCELLED
            else _("Only a cancelled project can be reactivated."),
            "title": _("Reactivate project"),
            "intro": _("The project is counted again from now on."),
            "submit_label": _("Reactivate project"),
            "success": _("%(code)s is active again and counted.") % {"code": project.code},
        }

    return _reason_move(request, pk, services.project_reactivate, page)


# --- monthly investment ---------------------------------------------------------------------


@GET_POST
@login_required
def investment_report(request, pk):
    project = visible_project(request, pk, *PROJECT_RELATED)
    require_perms(request, "projects.add_investmentreport", "projects.change_investmentreport")
    form = InvestmentForm(posted(request), project=project, initial=_investment_initial(request, project))
    existing = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.investment_report(
                project=project,
                month=data["month"],
                amount=data["amount"],
                note=data["note"],
                by=request.user,
                # No version means the page knew of no report for this month. Version 0 makes
                # the service refuse as stale if one exists after all (someone else's, or one
                # the user forgot), rather than silently replace it.
                version=data["version"] if data["version"] is not None else 0,
            )
        except ValidationError as exc:
            if is_stale(exc):
                # Shown below the message: the figure stored now, for comparison.
                existing = InvestmentReport.objects.select_related("reported_by").get(
                    project=project, month=data["month"]
                )
            add_service_error(form, exc, current_version=existing.version if existing else None)
        else:
            messages.success(
                request,
                _("Investment for %(month)s saved: %(amount)s.")
                % {"month": f"{report.month:%Y-%m}", "amount": money(report.amount)},
            )
            return redirect(reverse("projects:detail", args=[project.pk]) + "#investment")
    reports = project.investment_reports.select_related("reported_by").order_by("-month")[:24]
    context = {"form": form, "project": project, "existing": existing, "reports": reports}
    return render(request, "projects/investment_form.html", context)


def _investment_initial(request, project) -> dict:
    """The month of ?month=YYYY-MM (the "correct" link of a stored month), or this month, with
    its stored figure and version if there is one."""
    try:
        chosen = MonthField().clean(request.GET.get("month") or f"{timezone.localdate():%Y-%m}")
    except ValidationError:
        return {}
    report = project.investment_reports.filter(month=chosen).first()
    if report is None:
        return {"month": chosen}
    return {"month": chosen, "amount": report.amount, "note": report.note, "version": report.version}
