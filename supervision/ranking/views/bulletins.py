"""Bulletins (通报) in the browser: the list, one bulletin as a printable page, and the city
administrator's controls (generate a draft, publish it, correct a published one).

Every signed-in user reads published bulletins; drafts and the controls are the city
administrator's, decided by the same model permissions as ``BulletinQuerySet.visible_to``
(the role groups of projects/roles.py). The controls' POSTs check them again on the server:
anyone else gets a 403 and nothing changes. Each write is one service call in
supervision/bulletins.py; its ValidationError comes back as a form error.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from supervision.choices import BulletinStatus, PeriodKind, RequestStatus
from supervision.filtersets import BulletinFilterSet
from supervision.models_ranking import Bulletin
from supervision.periods import period_containing
from supervision.ranking import bulletins as service
from supervision.ranking.views.dashboard import check_date_range
from zhaoqing_tracker.forms import DateInput
from zhaoqing_tracker.web import login_required, page_of

MANAGE_PERMS = ("supervision.add_bulletin", "supervision.change_bulletin")


def can_manage(user) -> bool:
    """The city administrator's bulletin controls (superusers too)."""
    return user.has_perms(MANAGE_PERMS)


def require_manage(request) -> None:
    if not can_manage(request.user):
        raise PermissionDenied


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=PeriodKind.choices)
    date = forms.DateField(
        label=gettext_lazy("Any day of the period"),
        widget=DateInput,
        input_formats=["%Y-%m-%d"],
    )

    def clean_date(self):
        day = check_date_range(self.cleaned_data["date"])
        if day > timezone.localdate():
            raise ValidationError(gettext_lazy("The date cannot be in the future."), code="future")
        return day


class CorrectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the correction"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy(
            "Shown on the corrected bulletin. The figures are computed again; "
            "the earlier revision stays readable."
        ),
    )


def put_error(form, error: ValidationError) -> None:
    """A service's refusal on the form: next to the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def visible_bulletins(user):
    return Bulletin.objects.visible_to(user)


# --- the list ---------------------------------------------------------------------------------


def list_context(request, *, generate_form=None) -> dict:
    manage = can_manage(request.user)
    queryset = (
        visible_bulletins(request.user).defer("rows").order_by("-period_end", "kind", "-revision", "-id")
    )
    filterset = BulletinFilterSet(request.GET, queryset=queryset, request=request)
    form = filterset.form
    shown = ["kind", "status"] if manage else ["kind"]
    for name, field in form.fields.items():
        if name not in shown:
            field.widget = forms.HiddenInput()
        field.required = False
    for name, label, choices in (
        ("kind", _("Kind"), PeriodKind.choices),
        ("status", _("Status"), BulletinStatus.choices),
    ):
        field = form.fields[name]
        field.label, field.help_text, field.empty_label = label, "", _("All")
        field.choices = choices  # rebuilds the options with the new empty label
    valid = form.is_valid()
    context = {
        "filter_form": form,
        "filter_valid": valid,
        "page": page_of(request, filterset.qs) if valid else {"rows": []},
        "can_manage": manage,
    }
    if manage:
        context["generate_form"] = generate_form or GenerateForm(
            initial={"kind": PeriodKind.WEEKLY, "date": timezone.localdate()}, auto_id="id_generate_%s"
        )
    return context


@require_safe
@login_required
def bulletin_list(request):
    context = list_context(request)
    return render(
        request, "supervision/bulletin_list.html", context, status=200 if context["filter_valid"] else 400
    )


@require_POST
@login_required
def bulletin_generate(request):
    """Ask for a draft of a period's bulletin and say what became of the request."""
    require_manage(request)
    form = GenerateForm(request.POST, auto_id="id_generate_%s")
    if form.is_valid():
        period = period_containing(form.cleaned_data["kind"], form.cleaned_data["date"])
        try:
            requested = service.bulletin_request(period=period, by=request.user, publish=False)
        except ValidationError as error:
            put_error(form, error)
        else:
            return _after_request(request, requested, period)
    return render(request, "supervision/bulletin_list.html", list_context(request, generate_form=form))


def _after_request(request, requested, period):
    label = period.label
    if requested.status == RequestStatus.DONE and requested.bulletin_id:
        bulletin = requested.bulletin
        url = reverse("supervision:bulletin_detail", args=[bulletin.pk])
        if bulletin.is_published:
            text = _(
                "The bulletin for %(period)s is already published and was left as it is; "
                "to change it, correct it."
            )
        else:
            text = _("The draft bulletin for %(period)s is ready: check it, then publish it.")
        messages.success(
            request,
            format_html('{} <a href="{}">{}</a>', text % {"period": label}, url, _("Open the bulletin")),
        )
        return redirect(url)
    if requested.error:
        messages.warning(
            request,
            _(
                "The task queue is unavailable; the request for %(period)s is recorded and will be "
                "finished automatically."
            )
            % {"period": label},
        )
    elif requested.status == RequestStatus.FAILED:
        messages.error(
            request,
            _("Generating the bulletin for %(period)s failed; please tell the administrator.")
            % {"period": label},
        )
    else:
        messages.info(
            request,
            _("The bulletin for %(period)s is being generated; it appears in this list when it is ready.")
            % {"period": label},
        )
    return redirect("supervision:bulletin_list")


# --- one bulletin -------------------------------------------------------------------------------


def detail_context(request, bulletin, *, correct_form=None, publish_errors=None) -> dict:
    from supervision.ranking import exports as bulletin_exports  # openpyxl is only needed by the downloads

    manage = can_manage(request.user)
    revisions = (
        visible_bulletins(request.user)
        .filter(kind=bulletin.kind, period_start=bulletin.period_start)
        .exclude(pk=bulletin.pk)
        .defer("rows")
        .order_by("-revision")
    )
    context = {
        **bulletin_exports.print_context(bulletin),
        "bulletin": bulletin,
        "revisions": list(revisions),
        "pdf_available": bulletin_exports.pdf_available(),
        "can_manage": manage,
        "can_publish": manage and bulletin.is_current and not bulletin.is_published,
        "can_correct": manage and bulletin.is_current and bulletin.is_published,
        "publish_errors": publish_errors or [],
    }
    if context["can_correct"] or correct_form is not None:
        context["correct_form"] = correct_form or CorrectForm(auto_id="id_correct_%s")
    return context


def _bulletin(request, pk):
    return get_object_or_404(visible_bulletins(request.user).select_related("previous"), pk=pk)


@require_safe
@login_required
def bulletin_detail(request, pk):
    bulletin = _bulletin(request, pk)
    return render(request, "supervision/bulletin_detail.html", detail_context(request, bulletin))


@require_POST
@login_required
def bulletin_publish(request, pk):
    require_manage(request)
    bulletin = _bulletin(request, pk)
    try:
        service.bulletin_publish(bulletin=bulletin, by=request.user)
    except ValidationError as error:
        context = detail_context(request, bulletin, publish_errors=error.messages)
        return render(request, "supervision/bulletin_detail.html", context)
    messages.success(request, _("The bulletin was published; every user can now read it."))
    return redirect("supervision:bulletin_detail", pk=bulletin.pk)


@require_POST
@login_required
def bulletin_correct(request, pk):
    require_manage(request)
    bulletin = _bulletin(request, pk)
    form = CorrectForm(request.POST, auto_id="id_correct_%s")
    if form.is_valid():
        try:
            revision = service.bulletin_revise(
                bulletin=bulletin, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as error:
            put_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "The corrected bulletin (revision %(number)s) is published; "
                    "the earlier one stays readable."
                )
                % {"number": revision.revision},
            )
            return redirect("supervision:bulletin_detail", pk=revision.pk)
    return render(
        request, "supervision/bulletin_detail.html", detail_context(request, bulletin, correct_form=form)
    )
