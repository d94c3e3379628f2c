"""Checking the data rows of a ledger: what each row would do (new, update, unchanged) or why it
cannot (its errors), decided against the database as it is now and against the rows above it.

One checker per kind. A checker takes rows in chunks and looks up what a chunk names in a few
queries (projects by code, by credit code + name), so the query count grows with the chunks,
not with the rows. Nothing here writes: commit.py replays ``ImportRow.data`` through the services.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import scope
from projects.choices import Stage, Status
from projects.imports import values
from projects.imports.columns import columns_of
from projects.imports.models import ImportKind, ImportRow, RowAction
from projects.models import AnnualTarget, Industry, InvestmentReport, Park, Project, Region
from projects.validators import validate_credit_code

# A row whose first texts say this is a total (or a subtotal) is skipped, and shown as skipped.
TOTAL_WORDS = ("合计", "总计", "小计", "累计合计", "total", "subtotal")
MONTH = datetime.timedelta(days=31)


class RowError(Exception):
    def __init__(self, column: str, message, code: str = "invalid"):
        super().__init__(message)
        self.column, self.message, self.code = column, str(message), code


def is_total(cells) -> bool:
    texts = [values.normalise(cell) for cell in cells if isinstance(cell, str) and cell.strip()][:3]
    return any(text.replace(" ", "").lower().startswith(TOTAL_WORDS) for text in texts)


class Checker:
    kind: ImportKind

    def __init__(self, ledger_import, *, user, header):
        self.ledger_import, self.user, self.header = ledger_import, user, header
        self.columns = columns_of(self.kind)
        self.today = timezone.localdate()
        self.regions = _lookup(Region.objects.all(), ("code", "name", "name_en"))
        self.seen: dict[str, int] = {}  # identity → the row that first named it

    # --- reading cells ---------------------------------------------------------------------
    def header_text(self, field: str) -> str:
        for index, name in self.header.mapping.items():
            if name == field:
                return self.header.texts.get(index, field)
        column = self.columns.get(field)
        return str(column.label) if column else field

    def unit(self, index) -> str:
        return self.header.units.get(index) or self.header.unit or self.ledger_import.unit

    def read(self, cells) -> tuple[dict, list[dict]]:
        """Field → value for one row, and the errors of the cells that could not be read."""
        parsed, errors = {}, []
        for index, field in self.header.mapping.items():
            raw = cells[index] if index < len(cells) else None
            column = self.columns.get(field)
            try:
                if column is None:  # a month column of a 月报
                    parsed[field] = values.money(raw, self.unit(index))
                elif column.reader == "money":
                    parsed[field] = values.money(raw, self.unit(index))
                elif column.reader == "text":
                    parsed[field] = values.text(raw, max_length=column.max_length)
                else:
                    parsed[field] = getattr(values, column.reader)(raw)
            except ValueError as error:
                errors.append(_error(self.header.texts.get(index, field), str(error)))
        unreadable = {error["column"] for error in errors}
        for field, column in self.columns.items():
            if (
                column.required
                and field in set(self.header.mapping.values())
                and parsed.get(field) in (None, "")
                and self.header_text(field) not in unreadable
            ):
                errors.append(
                    _error(self.header_text(field), _("This column must be filled in."), "required")
                )
        return parsed, errors

    def region(self, text: str, field: str = "region") -> Region:
        if not text:
            own = self.user.region if self.user.region_id else None
            if own is None:
                raise RowError(self.header_text(field), _("Name the region."), "required")
            return own
        region = self.regions.get(values.normalise(text).lower())
        if region is None:
            raise RowError(self.header_text(field), _("There is no region “%(name)s”.") % {"name": text})
        if not scope.in_scope(self.user, region.pk):
            raise RowError(
                self.header_text(field),
                _("You may not write in %(region)s.") % {"region": region},
                "outside_scope",
            )
        return region

    def once(self, identity: str, number: int):
        first = self.seen.setdefault(identity, number)
        if first != number:
            raise RowError("", _("Row %(row)d already has this record.") % {"row": first}, "duplicate")

    # --- the chunk ---------------------------------------------------------------------------
    def check(self, chunk: list[tuple[int, tuple]]) -> list[ImportRow]:
        read = []
        for number, cells in chunk:
            if is_total(cells):
                read.append((number, None, []))
                continue
            parsed, errors = self.read(cells)
            read.append((number, parsed, errors))
        self.prepare([parsed for _n, parsed, errors in read if parsed is not None and not errors])
        rows = []
        for number, parsed, errors in read:
            row = ImportRow(ledger_import=self.ledger_import, number=number)
            if parsed is None:
                row.action, row.label = RowAction.SKIPPED, _("Total row")
            elif errors:
                row.action, row.errors, row.label = RowAction.ERROR, errors, _label(parsed)
            else:
                try:
                    self.decide(row, parsed)
                except RowError as error:
                    row.action, row.errors = (
                        RowAction.ERROR,
                        [_error(error.column, error.message, error.code)],
                    )
                    row.data = {}
                except ValidationError as error:
                    row.action, row.errors = RowAction.ERROR, _validation_errors(error)
                    row.data = {}
                row.label = row.label or _label(parsed)
            rows.append(row)
        return rows

    def prepare(self, parsed_rows: list[dict]) -> None:
        """Look up, in a few queries, what the chunk's rows name."""

    def decide(self, row: ImportRow, parsed: dict) -> None:
        raise NotImplementedError


def _error(column, message, code="invalid") -> dict:
    return {"column": str(column), "code": code, "message": str(message)}


def _validation_errors(error: ValidationError) -> list[dict]:
    if hasattr(error, "error_dict"):
        return [
            _error(
                field if field != "__all__" else "", message.message % (message.params or {}), message.code
            )
            for field, messages in error.error_dict.items()
            for message in messages
        ]
    return [
        _error("", message.message % (message.params or {}), message.code) for message in error.error_list
    ]


def _label(parsed: dict) -> str:
    return str(parsed.get("name") or parsed.get("region") or parsed.get("code") or "")[:300]


def _lookup(queryset, fields) -> dict:
    """Normalised code and names (lower case) → record, for small reference tables."""
    found = {}
    for record in queryset:
        for field in fields:
            value = getattr(record, field, "")
            if value:
                found.setdefault(values.normalise(value).lower(), record)
    return found


def _iso(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def _money(value):
    return None if value is None else str(value)


class ProjectRows(Checker):
    kind = ImportKind.PROJECTS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.industries = _lookup(Industry.objects.all(), ("code", "name", "name_en"))
        self.parks = {
            (park.region_id, values.normalise(name).lower()): park
            for park in scope.scope_filter(Park.objects.all(), self.user)
            for name in (park.name, park.name_en)
            if name
        }

    def prepare(self, parsed_rows):
        codes = {row["code"] for row in parsed_rows if row.get("code")}
        pairs = {
            (row.get("credit_code", "").upper(), row["name"]) for row in parsed_rows if row.get("credit_code")
        }
        found = Project.objects.select_related("enterprise")
        self.by_code = {p.code: p for p in found.filter(code__in=codes)} if codes else {}
        self.by_pair = {}
        if pairs:
            candidates = found.filter(
                enterprise__credit_code__in={code for code, _name in pairs},
                name__in={name for _code, name in pairs},
            )
            self.by_pair = {(p.enterprise.credit_code, p.name): p for p in candidates}
        # A row with neither code nor credit code: the project of that name of that enterprise
        # (so that the same ledger imported twice finds what it created the first time).
        names = {
            (row["enterprise"], row["name"])
            for row in parsed_rows
            if not row.get("code") and not row.get("credit_code")
        }
        self.by_names = {}
        if names:
            candidates = scope.scope_filter(found, self.user).filter(
                enterprise__name__in={e for e, _n in names}, name__in={n for _e, n in names}
            )
            for p in candidates:
                self.by_names.setdefault((p.enterprise.name, p.name), []).append(p)

    def match(self, parsed) -> Project | None:
        code, credit = parsed.get("code"), (parsed.get("credit_code") or "").upper()
        project = self.by_code.get(code) if code else None
        if project is None and not code and credit:
            project = self.by_pair.get((credit, parsed["name"]))
        elif not code and not credit:
            same = self.by_names.get((parsed["enterprise"], parsed["name"]), [])
            if len(same) > 1:
                raise RowError(
                    self.header_text("name"),
                    _("Several projects of this enterprise have this name; add the project code column."),
                    "ambiguous",
                )
            project = same[0] if same else None
        if project is not None and not scope.in_scope(self.user, project.region_id):
            raise RowError(
                self.header_text("code" if code else "credit_code"),
                _("This project belongs to a region you may not write in."),
                "outside_scope",
            )
        return project

    def decide(self, row, parsed):
        credit = (parsed.get("credit_code") or "").upper()
        if credit:
            try:
                validate_credit_code(credit)
            except ValidationError as error:
                raise RowError(self.header_text("credit_code"), error.messages[0]) from None
        self.once(parsed.get("code") or f"{credit}|{parsed['name']}|{parsed.get('enterprise')}", row.number)
        region = self.region(parsed.get("region", ""))
        industry = self.industries.get(values.normalise(parsed["industry"]).lower())
        if industry is None:
            raise RowError(
                self.header_text("industry"),
                _("There is no industry “%(name)s”.") % {"name": parsed["industry"]},
            )
        park = None
        if parsed.get("park"):
            park = self.parks.get((region.pk, values.normalise(parsed["park"]).lower()))
            if park is None:
                raise RowError(
                    self.header_text("park"),
                    _("%(region)s has no park “%(park)s”.") % {"region": region, "park": parsed["park"]},
                )
        dates = self.stage_dates(parsed)
        fields = {
            "name": parsed["name"],
            "region": region.pk,
            "park": park.pk if park else None,
            "industry": industry.pk,
            "planned_investment": _money(parsed["planned_investment"]),
        }
        if parsed.get("is_manufacturing") is not None:
            fields["is_manufacturing"] = parsed["is_manufacturing"]
        if parsed.get("first_contact_on"):
            fields["first_contact_on"] = _iso(parsed["first_contact_on"])
        status = parsed.get("status")
        project = self.match(parsed)
        row.label = parsed["name"]
        if project is None:
            row.action = RowAction.NEW
            row.data = {
                "fields": fields,
                "enterprise": {"name": parsed["enterprise"], "credit_code": credit},
                "code": parsed.get("code", ""),
                "signed_on": _iso(dates.pop(Stage.SIGNED)),
                "advance": {stage.value: _iso(on) for stage, on in dates.items()},
                "cancel": status == Status.CANCELLED,
            }
            return
        row.project, row.project_version = project, project.version
        changes = {}
        for name, value in fields.items():
            current = getattr(project, f"{name}_id" if name in ("region", "park", "industry") else name)
            current = str(current) if isinstance(current, Decimal) else _iso(current)
            if current != value:
                changes[name] = value
        advance = self.compare_stages(project, dates)
        status_move = None
        if status == Status.CANCELLED and project.status != Status.CANCELLED:
            status_move = "cancel"
        elif status in (Status.ACTIVE, Status.STALLED) and project.status == Status.CANCELLED:
            status_move = "reactivate"
        if changes or advance or status_move:
            row.action = RowAction.UPDATE
            row.data = {"changes": changes, "advance": advance, "status": status_move}
        else:
            row.action = RowAction.UNCHANGED

    def stage_dates(self, parsed) -> dict:
        """The dated stages in order, checked: no gap, no date before the one above, none ahead."""
        dates, previous = {}, None
        for stage in Stage:
            on = parsed.get(stage.date_field)
            if on is None:
                continue
            header = self.header_text(stage.date_field)
            if stage.previous is not None and stage.previous not in dates:
                raise RowError(
                    header,
                    _("“%(stage)s” has a date but “%(missing)s” has none; stages are reached in order.")
                    % {"stage": stage.label, "missing": stage.previous.label},
                    "gap",
                )
            if previous is not None and on < previous:
                raise RowError(header, _("This date is before the stage above it."), "before_previous")
            if on > self.today:
                raise RowError(header, _("The date cannot be in the future."), "future")
            dates[stage], previous = on, on
        if Stage.SIGNED not in dates:
            raise RowError(
                self.header_text(Stage.SIGNED.date_field), _("The signing date is required."), "required"
            )
        said = parsed.get("stage")
        reached = list(dates)[-1]
        if said is not None and said != reached:
            raise RowError(
                self.header_text("stage"),
                _("The row says “%(said)s” but its dates reach “%(reached)s”.")
                % {"said": said.label, "reached": reached.label},
                "stage_mismatch",
            )
        return dates

    def compare_stages(self, project, dates) -> dict:
        current = project.stage_enum
        for stage, on in dates.items():
            if stage.index <= current.index and project.stage_date(stage) != on:
                raise RowError(
                    self.header_text(stage.date_field),
                    _(
                        "The project reached “%(stage)s” on %(recorded)s; a stage date changes only by "
                        "going back a stage on the project's page."
                    )
                    % {"stage": stage.label, "recorded": project.stage_date(stage)},
                    "stage_date_differs",
                )
        reached = list(dates)[-1]
        if reached.index < current.index:
            raise RowError(
                self.header_text(reached.date_field),
                _("The project is already at “%(current)s”; an import never takes a stage back.")
                % {"current": current.label},
                "backwards",
            )
        return {stage.value: _iso(on) for stage, on in dates.items() if stage.index > current.index}


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


CHECKERS = {
    ImportKind.PROJECTS: ProjectRows,
    ImportKind.INVESTMENT: InvestmentRows,
    ImportKind.TARGETS: TargetRows,
}
