"""The checkers of the figures ledgers: monthly investment (月报, with month or year-to-date
columns) and annual targets (年度任务)."""

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from projects import scope
from projects.choices import Status
from projects.imports import values
from projects.imports.models import ImportKind, RowAction
from projects.imports.rows import Checker, RowError
from projects.models import AnnualTarget, InvestmentReport, Project


class InvestmentRows(Checker):
    """Monthly investment: a month and its amount, a year-to-date figure (1–N月累计, from which the
    month is derived against the months before it), or a 月报 with a column per month."""

    kind = ImportKind.INVESTMENT

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = self.ledger_import.year or self.today.year
        # (project id, month) → amount written by an earlier row of this file.
        self.in_file: dict[tuple[int, datetime.date], Decimal] = {}
        self.visible = scope.scope_filter(Project.objects.all(), self.user)

    def prepare(self, parsed_rows):
        codes = {row["code"] for row in parsed_rows if row.get("code")}
        names = {row["name"] for row in parsed_rows if row.get("name") and not row.get("code")}
        projects = []
        if codes:
            projects += list(self.visible.filter(code__in=codes).select_related("enterprise"))
        if names:
            projects += list(self.visible.filter(name__in=names).select_related("enterprise"))
        self.by_code = {p.code: p for p in projects}
        self.by_name: dict[str, list[Project]] = {}
        for project in {p.pk: p for p in projects}.values():
            self.by_name.setdefault(project.name, []).append(project)
        self.reports = {
            (report.project_id, report.month): report
            for report in InvestmentReport.objects.filter(
                project__in=[p.pk for p in projects], month__year__in=self.years(parsed_rows)
            ).only("project_id", "month", "amount", "version")
        }

    def years(self, parsed_rows) -> set[int]:
        years = {self.year}
        for row in parsed_rows:
            if isinstance(row.get("month"), datetime.date):
                years.add(row["month"].year)
            for field in row:
                if field.startswith(("month:", "ytd:")) and "-" in field:
                    years.add(int(field.split(":")[1][:4]))
        return years

    def match(self, parsed) -> Project:
        code, name = parsed.get("code"), parsed.get("name")
        credit = (parsed.get("credit_code") or "").upper()
        if code:
            project = self.by_code.get(code)
            if project is None:
                raise RowError(
                    self.header_text("code"), _("No project of yours has the code “%(code)s”.") % parsed
                )
            return project
        candidates = self.by_name.get(name or "", [])
        if credit:
            candidates = [p for p in candidates if p.enterprise.credit_code == credit]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise RowError(self.header_text("name"), _("No project of yours is named “%(name)s”.") % parsed)
        raise RowError(
            self.header_text("name"),
            _("Several projects are named “%(name)s”; add the project code column.") % parsed,
            "ambiguous",
        )

    def month_of(self, field: str) -> datetime.date:
        number = field.split(":")[1]
        if "-" in number:
            year, month = map(int, number.split("-"))
            return datetime.date(year, month, 1)
        return datetime.date(self.year, int(number), 1)

    def entries(self, parsed) -> list[tuple[datetime.date, Decimal | None, Decimal | None]]:
        """(month, the month's amount, the year-to-date figure) as the row gives them."""
        found = []
        if parsed.get("month"):
            found.append((parsed["month"], parsed.get("amount"), parsed.get("ytd")))
        elif parsed.get("amount") is not None or parsed.get("ytd") is not None:
            raise RowError(self.header_text("month"), _("Say which month this figure is for."), "required")
        for field, amount in parsed.items():
            if field.startswith("month:") and amount is not None:
                found.append((self.month_of(field), amount, None))
            elif field.startswith("ytd:") and amount is not None:
                found.append((self.month_of(field), None, amount))
        return sorted(found, key=lambda entry: entry[0])

    def amount_before(self, project, month) -> Decimal:
        total = Decimal("0")
        for number in range(1, month.month):
            earlier = datetime.date(month.year, number, 1)
            if (project.pk, earlier) in self.in_file:
                total += self.in_file[(project.pk, earlier)]
            elif (project.pk, earlier) in self.reports:
                total += self.reports[(project.pk, earlier)].amount
        return total

    def decide(self, row, parsed):
        project = self.match(parsed)
        row.project, row.project_version, row.label = project, project.version, project.name
        if project.status == Status.CANCELLED:
            raise RowError("", _("A cancelled project takes no investment reports."), "cancelled")
        this_month = self.today.replace(day=1)
        writes, corrections = [], 0
        for month, amount, ytd in self.entries(parsed):
            column = self.header_text("month") if parsed.get("month") else ""
            self.once(f"{project.pk}|{month}", row.number)
            if month > this_month:
                raise RowError(column, _("Investment cannot be reported for a future month."), "future")
            if month < project.signed_on.replace(day=1):
                raise RowError(
                    column,
                    _("%(month)s is before the project was signed (%(signed)s).")
                    % {"month": f"{month:%Y-%m}", "signed": project.signed_on},
                    "before_signing",
                )
            derived = None if ytd is None else ytd - self.amount_before(project, month)
            if derived is not None and derived < 0:
                raise RowError(
                    self.header_text("ytd"),
                    _("The year to date (%(ytd)s) is less than the months before %(month)s add up to.")
                    % {"ytd": ytd, "month": f"{month:%Y-%m}"},
                    "ytd_below_earlier",
                )
            if amount is not None and derived is not None and amount != derived:
                raise RowError(
                    self.header_text("ytd"),
                    _("The month's figure and the year to date disagree."),
                    "ytd_mismatch",
                )
            amount = amount if amount is not None else derived
            self.in_file[(project.pk, month)] = amount
            stored = self.reports.get((project.pk, month))
            if stored is not None and stored.amount == amount:
                continue
            corrections += stored is not None
            writes.append(
                {
                    "month": month.isoformat(),
                    "amount": str(amount),
                    "version": stored.version if stored else None,
                }
            )
        if not writes:
            row.action = RowAction.UNCHANGED
        else:
            row.action = RowAction.UPDATE if corrections else RowAction.NEW
        row.data = {"reports": writes}


class TargetRows(Checker):
    kind = ImportKind.TARGETS
    FIGURES = ("investment", "investment_h1", "signed", "started", "completed", "in_production")

    def prepare(self, parsed_rows):
        regions = [self.regions.get(values.normalise(row.get("region", "")).lower()) for row in parsed_rows]
        self.targets = {
            (target.region_id, target.year): target
            for target in AnnualTarget.objects.filter(region__in=[r for r in regions if r])
        }

    def decide(self, row, parsed):
        region = self.region(parsed.get("region", ""))
        year = parsed["year"]
        if not 2000 <= year <= self.today.year + 1:
            raise RowError(
                self.header_text("year"), _("%(year)s is not a year a target can be set for.") % parsed
            )
        self.once(f"{region.pk}|{year}", row.number)
        figures = {
            name: parsed.get(name)
            if parsed.get(name) is not None
            else (Decimal("0") if "investment" in name else 0)
            for name in self.FIGURES
        }
        row.label = str(region)
        target = self.targets.get((region.pk, year))
        if target is not None and all(getattr(target, name) == figures[name] for name in self.FIGURES):
            row.action = RowAction.UNCHANGED
        else:
            row.action = RowAction.UPDATE if target else RowAction.NEW
        row.data = {
            "region": region.pk,
            "year": year,
            "figures": {name: str(value) for name, value in figures.items()},
            "version": target.version if target else None,
        }
