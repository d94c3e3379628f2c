"""The month-end report (月报) of a county: every project of the region for one month on one page,
typed as the month's figures or as the year-to-date totals (1–N月累计) of the bureau's ledger, in
万元, and saved with one button in one transaction (services.investment_month_figures).

A row is written only when the user changed it (its hidden initial value is what it showed), and
with the version of the month's report it showed: a report someone else saved in the meantime is
refused on its row. Any refusal refuses the whole save, and the page comes back with every row's
message, every typed value kept, and the other rows showing the figures stored now.

The rows are one query whatever their number (ProjectQuerySet.with_month_figures), a page of at
most PER_PAGE projects (a POST of three fields a row stays under Django's limit of 1,000 fields).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from projects import services
from projects.forms import YTD_MODE, MonthEndChoiceForm, MonthFigureForm
from projects.models import Project
from projects.templatetags.money import WAN
from projects.xlsx import MONEY_FORMAT, Column, table_response
from zhaoqing_tracker.forms import add_service_error
from zhaoqing_tracker.web import login_required, page_of, posted, require_perms

PER_PAGE = 200
TEMPLATE = "projects/monthly.html"
REPORT_PERMS = ("projects.add_investmentreport", "projects.change_investmentreport")


@dataclass
class Row:
    project: Project  # with the figures of with_month_figures
    form: MonthFigureForm
    kept: bool = False  # what the user typed is shown (a refused save), not the stored figure

    @property
    def ytd_through(self) -> Decimal | None:
        """1–N月累计 as stored: the months before and this month's figure, once it has one."""
        amount = self.project.month_amount
        return None if amount is None else self.project.ytd_before + amount

    @property
    def is_stale(self) -> bool:
        return self.form.is_bound and any(e.code == "stale" for e in self.form.non_field_errors().as_data())


def report_projects(user, region, month):
    """The projects of the report: those of ``region`` the user may see that count (cancelled
    ones take no investment) and were signed by the month's end, with their figures."""
    next_month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return (
        Project.objects.visible_to(user)
        .counted()
        .in_region(region)
        .filter(signed_on__lt=next_month)
        .with_month_figures(month)
        .order_by("code", "id")
    )


def _labels(month, mode) -> dict:
    n = month.month
    labels = {
        "last_month": _("Last month (10k yuan)"),
        "ytd_before": _("Months 1–%(last)d total (10k yuan)") % {"last": n - 1}
        if n > 1
        else _("Earlier months this year (10k yuan)"),
        "month": _("Month %(month)d (10k yuan)") % {"month": n},
        "ytd": _("Months 1–%(month)d total (10k yuan)") % {"month": n},
    }
    labels["input"] = labels["ytd" if mode == YTD_MODE else "month"]
    return labels


def _row(project, month, mode, labels, data=None) -> Row:
    stored = project.month_amount
    if mode == YTD_MODE and stored is not None:
        stored = project.ytd_before + stored
    form = MonthFigureForm(
        data, prefix=f"p{project.pk}", initial={"amount": stored, "version": project.month_version or 0}
    )
    field = form.fields["amount"]
    field.label = labels["input"]
    if mode == YTD_MODE:
        # The echo also says which month the total implies (static/js/money.js).
        field.widget.attrs.update(
            {
                "data-money-base": f"{project.ytd_before:.2f}",
                "data-money-derived": _("month %(month)d: %(wan)s 10k yuan")
                % {"month": month.month, "wan": "%(wan)s"},
                "data-money-negative": _("%(wan)s 10k yuan below the months before") % {"wan": "%(wan)s"},
            }
        )
    return Row(project=project, form=form, kept=data is not None)


def _rows(projects, month, mode, data=None, keep=None) -> list[Row]:
    """A row per project, bound to ``data`` (all rows, or only those whose id is in ``keep``;
    the others show the figures stored now)."""
    labels = _labels(month, mode)
    return [_row(p, month, mode, labels, data if keep is None or p.pk in keep else None) for p in projects]


def _cleared(row: Row) -> bool:
    """A stored figure the user emptied: there is no way to remove a report, so say so."""
    emptied = "amount" in row.form.cleaned_data and row.form.cleaned_data["amount"] is None
    if emptied and row.form.initial.get("amount") is not None:
        row.form.add_error(
            "amount",
            _("A figure stored for this month cannot be removed; type 0 if there was no investment."),
        )
        return True
    return False


def _figures(rows: list[Row], mode: str) -> list[services.MonthFigure] | None:
    """What the changed rows ask to write, or None when a row is refused already (every row is
    checked, so that all its messages show at once). Empty rows are skipped."""
    valid = [row.form.is_valid() for row in rows]
    changed = [row for row, ok in zip(rows, valid, strict=True) if ok and "amount" in row.form.changed_data]
    figures, refused = [], not all(valid)
    for row in changed:
        if row.form.cleaned_data["amount"] is None:
            refused |= _cleared(row)
            continue
        value = row.form.cleaned_data["amount"]
        figures.append(
            services.MonthFigure(
                project=row.project,
                version=row.form.cleaned_data["version"] or 0,
                **{("ytd" if mode == YTD_MODE else "amount"): value},
            )
        )
    return None if refused else figures


def _changed_ids(rows: list[Row]) -> set[int]:
    return {row.project.pk for row in rows if "amount" in row.form.changed_data}


@require_http_methods(["GET", "POST"])
@login_required
def month_end(request):
    require_perms(request, *REPORT_PERMS)
    choice = MonthEndChoiceForm(request.GET, user=request.user)
    context = {"choice": choice, "rows": None}
    if not choice.is_valid() or choice.cleaned_data["region"] is None:
        # Nothing to show (nor to save) until the month and region are clear.
        return render(request, TEMPLATE, context)
    month, region, mode = (choice.cleaned_data[name] for name in ("month", "region", "mode"))
    projects = report_projects(request.user, region, month)
    page = page_of(request, projects, PER_PAGE)
    rows = _rows(page["rows"], month, mode, posted(request))
    refusals: list[str] = []
    if request.method == "POST":
        figures = _figures(rows, mode)
        refused = None
        if figures:
            try:
                services.investment_month_figures(month=month, figures=figures, by=request.user)
            except services.FiguresRefused as exc:
                refused = exc.errors
        if figures is not None and refused is None:
            _saved_message(request, len(figures), month)
            return redirect(request.get_full_path())
        # Refused: the rows read afresh, the changed ones with what was typed.
        kept = _changed_ids(rows)
        page = page_of(request, projects, PER_PAGE)
        rows = _rows(page["rows"], month, mode, request.POST, keep=kept)
        shown = {}
        for row in rows:
            if row.kept:
                row.form.is_valid()
                _cleared(row)
                shown[row.project.pk] = row
        for pk, error in (refused or {}).items():
            row = shown.get(pk)
            if row is None:  # no longer in the report (cancelled meanwhile): say it above the grid
                project = next(f.project for f in figures if f.project.pk == pk)
                refusals += [f"{project}: {message}" for message in error.messages]
            else:
                add_service_error(row.form, error, current_version=row.project.month_version or 0)
    context.update(
        {
            "month": month,
            "region": region,
            "ytd_mode": mode == YTD_MODE,
            "rows": rows,
            "page": page,
            "labels": _labels(month, mode),
            "refused_count": sum(1 for row in rows if row.form.is_bound and row.form.errors),
            "refusals": refusals,
        }
    )
    return render(request, TEMPLATE, context)


def _saved_message(request, count: int, month) -> None:
    if count:
        text = ngettext(
            "%(count)d figure for %(month)s saved.", "%(count)d figures for %(month)s saved.", count
        ) % {"count": count, "month": f"{month:%Y-%m}"}
        messages.success(request, text)
    else:
        messages.info(request, _("Nothing was changed."))


# --- export (house rule 14) ---------------------------------------------------------------------


@require_safe
@login_required
def month_end_export(request):
    require_perms(request, *REPORT_PERMS)
    choice = MonthEndChoiceForm(request.GET, user=request.user)
    if not choice.is_valid() or choice.cleaned_data["region"] is None:
        return redirect("projects:monthly")
    month, region = choice.cleaned_data["month"], choice.cleaned_data["region"]
    labels = _labels(month, YTD_MODE)

    def wan(name):
        return lambda p: _exact_wan(getattr(p, name))

    columns = [
        Column(_("Project code"), lambda p: p.code, width=18),
        Column(_("Project name"), lambda p: p.name, width=40),
        Column(labels["last_month"], wan("last_month"), MONEY_FORMAT, 16),
        Column(labels["ytd_before"], wan("ytd_before"), MONEY_FORMAT, 16),
        Column(labels["month"], wan("month_amount"), MONEY_FORMAT, 16),
        Column(
            labels["ytd"],
            lambda p: None if p.month_amount is None else _exact_wan(p.ytd_before + p.month_amount),
            MONEY_FORMAT,
            16,
        ),
    ]
    title = _("Month-end investment report, %(region)s, %(month)s") % {
        "region": region,
        "month": f"{month:%Y-%m}",
    }
    return table_response(
        rows=report_projects(request.user, region, month),
        columns=columns,
        sheet_title=_("Month-end report"),
        title=title,
        filename=f"month-end-{region.code}-{month:%Y-%m}.xlsx",
        money=True,
    )


def _exact_wan(yuan) -> Decimal | None:
    """万元 as exact as the yuan figure (a cell shows 2 decimals; a sum over cells stays exact)."""
    return None if yuan is None else Decimal(yuan) / WAN
