"""The checker of a projects ledger (项目台账): each row a new project, an update of the project it
matches (by code, else credit code and name, else enterprise and name), unchanged, or an error."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from projects import scope
from projects.choices import Stage, Status
from projects.imports import values
from projects.imports.models import ImportKind, RowAction
from projects.imports.rows import Checker, RowError, _iso, _lookup, _money
from projects.models import Industry, Park, Project
from projects.validators import validate_credit_code


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
