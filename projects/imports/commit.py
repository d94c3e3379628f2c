"""Confirming an import: every row replayed through the services, all in one transaction.

The services do the checking and the auditing (house rule 2): ``project_create`` and
``lifecycle.advance_through`` for a new project and its stages, ``project_update`` with the
version the preview read (a project changed since is stale), ``investment_report`` and
``target_set`` likewise. Every history row names the importer and the import. If any row is
refused, nothing is kept: the transaction rolls back and the refusals go onto their rows, so
the import shows them and can be confirmed again only once they are gone (a new upload).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from projects import lifecycle, services
from projects.audit import whole_or_nothing
from projects.imports.models import (
    ImportKind,
    ImportMapping,
    ImportRow,
    ImportStatus,
    LedgerImport,
    RowAction,
)
from projects.imports.preview import _report, bureau_of
from projects.imports.rows import _validation_errors
from projects.models import AnnualTarget, Enterprise, Industry, InvestmentReport, Park, Project, Region

CHUNK = 500


class ImportRefused(Exception):
    """Some rows were refused at confirmation; ``errors`` maps row id → errors."""

    def __init__(self, errors: dict[int, list[dict]]):
        super().__init__(f"{len(errors)} rows refused")
        self.errors = errors


def _day(value):
    return datetime.date.fromisoformat(value) if value else None


def _stale_message():
    return _("Someone changed this record after the preview; upload the file again to see it as it is now.")


class References:
    """Regions, parks and industries by id, each read once per confirmation."""

    def __init__(self):
        self.found = {}

    def get(self, model, pk):
        key = (model, pk)
        if key not in self.found:
            self.found[key] = model.objects.get(pk=pk)
        return self.found[key]


def _project_row(row: ImportRow, *, by, reason: str, refs: References):
    data = row.data
    if row.action == RowAction.NEW:
        fields = data["fields"]
        enterprise = _enterprise(data["enterprise"], by=by)
        project = services.project_create(
            by=by,
            code=data["code"],
            name=fields["name"],
            enterprise=enterprise,
            region=refs.get(Region, fields["region"]),
            park=refs.get(Park, fields["park"]) if fields.get("park") else None,
            industry=refs.get(Industry, fields["industry"]),
            signed_on=_day(data["signed_on"]),
            planned_investment=Decimal(fields["planned_investment"]),
            is_manufacturing=fields.get("is_manufacturing", True),
            first_contact_on=_day(fields.get("first_contact_on")),
            reason=reason,
        )
        project = lifecycle.advance_through(
            project=project,
            stage_dates={s: _day(on) for s, on in data["advance"].items()},
            note=reason,
            by=by,
        )
        if data.get("cancel"):
            services.project_cancel(project=project, reason=reason, by=by)
        return
    project = Project.objects.get(pk=row.project_id) if row.project_id else None
    if project is None:
        raise ValidationError(_("The project of this row no longer exists."), code="gone")
    version = row.project_version
    changes = dict(data["changes"])
    if changes:
        for name, model in (("region", Region), ("park", Park), ("industry", Industry)):
            if name in changes:
                changes[name] = refs.get(model, changes[name]) if changes[name] else None
        if "planned_investment" in changes:
            changes["planned_investment"] = Decimal(changes["planned_investment"])
        if "first_contact_on" in changes:
            changes["first_contact_on"] = _day(changes["first_contact_on"])
        project = services.project_update(project=project, by=by, version=version, reason=reason, **changes)
        version = project.version
    if data["advance"]:
        project = lifecycle.advance_through(
            project=project,
            stage_dates={s: _day(on) for s, on in data["advance"].items()},
            note=reason,
            by=by,
            version=version,
        )
        version = project.version
    if data["status"] == "cancel":
        services.project_cancel(project=project, reason=reason, by=by, version=version)
    elif data["status"] == "reactivate":
        services.project_reactivate(project=project, reason=reason, by=by, version=version)


def _enterprise(data: dict, *, by) -> Enterprise:
    """The enterprise a new project's row names: found by credit code, else by name, else created."""
    found = None
    if data["credit_code"]:
        found = Enterprise.objects.filter(credit_code=data["credit_code"]).first()
    if found is None:
        found = Enterprise.objects.filter(name=data["name"], credit_code=data["credit_code"]).first()
    return found or services.enterprise_create(name=data["name"], credit_code=data["credit_code"], by=by)


def _investment_row(row: ImportRow, *, by, reason: str, refs: References):
    project = Project.objects.get(pk=row.project_id)
    for write in row.data["reports"]:
        month = _day(write["month"])
        if (
            write["version"] is None
            and InvestmentReport.objects.filter(project=project, month=month).exists()
        ):
            raise ValidationError(_stale_message(), code="stale")
        services.investment_report(
            project=project,
            month=month,
            amount=Decimal(write["amount"]),
            by=by,
            note=reason,
            version=write["version"],
        )


def _target_row(row: ImportRow, *, by, reason: str, refs: References):
    data = row.data
    region = refs.get(Region, data["region"])
    if data["version"] is None and AnnualTarget.objects.filter(region=region, year=data["year"]).exists():
        raise ValidationError(_stale_message(), code="stale")
    figures = {
        name: Decimal(value) if "investment" in name else int(value)
        for name, value in data["figures"].items()
    }
    services.target_set(
        region=region, year=data["year"], by=by, version=data["version"], reason=reason, **figures
    )


APPLY = {
    ImportKind.PROJECTS: _project_row,
    ImportKind.INVESTMENT: _investment_row,
    ImportKind.TARGETS: _target_row,
}


def apply_rows(ledger_import: LedgerImport, *, by, every_refusal: bool = False) -> dict:
    """Write every row (inside the caller's transaction); raise ImportRefused naming the rows refused.

    By default the first refusal ends it (the caller rolls everything back) and no row takes a
    savepoint of its own: two statements a row fewer for the import that goes through, which is
    nearly every one. ``every_refusal`` writes each row in a savepoint instead, so the rest are
    still checked and every refusal is reported at once with its reason.
    """
    apply = APPLY[ledger_import.kind]
    reason = ledger_import.reason
    refs = References()
    errors: dict[int, list[dict]] = {}
    rows = ledger_import.rows.filter(action__in=(RowAction.NEW, RowAction.UPDATE)).order_by("number")
    total, done = rows.count(), 0
    for row in rows.iterator(chunk_size=CHUNK):
        try:
            if every_refusal:
                with transaction.atomic():
                    apply(row, by=by, reason=reason, refs=refs)
            else:
                with whole_or_nothing():
                    apply(row, by=by, reason=reason, refs=refs)
        except ObjectDoesNotExist:
            # A region, park, industry or project the preview found was deleted since.
            errors[row.pk] = [{"column": "", "code": "stale", "message": str(_stale_message())}]
        except DatabaseError:
            if every_refusal:
                raise
            # Without savepoints a refused statement leaves the transaction unusable; the
            # rollback and the second pass, row by row in savepoints, say which rule it broke.
            raise ImportRefused({row.pk: []}) from None
        except ValidationError as error:
            found = _validation_errors(error)
            if any(item["code"] == "stale" for item in found):
                found = [{"column": "", "code": "stale", "message": str(_stale_message())}]
            errors[row.pk] = found
        if errors and not every_refusal:
            raise ImportRefused(errors)
        done += 1
        if done % CHUNK == 0:
            _report(ledger_import, done, total, "commit")
    if errors:
        raise ImportRefused(errors)
    return {"written": done}


def record_refusals(ledger_import: LedgerImport, errors: dict[int, list[dict]]) -> None:
    """Put the confirmation's refusals on their rows (after the rollback) and count them."""
    for row in ImportRow.objects.filter(pk__in=list(errors)):
        row.action, row.errors = RowAction.ERROR, errors[row.pk]
        row.save(update_fields=["action", "errors"])
    counts = dict(ledger_import.counts)
    for action in RowAction:
        counts[action.value] = ledger_import.rows.filter(action=action).count()
    ledger_import.counts = counts
    ledger_import.status = ImportStatus.HAS_ERRORS
    ledger_import.version += 1
    ledger_import.save(update_fields=["counts", "status", "version", "updated_at"])


def mark_committed(ledger_import: LedgerImport, *, by) -> None:
    ledger_import.status = ImportStatus.COMMITTED
    ledger_import.committed_by = by if by is not None and by.is_authenticated else None
    ledger_import.committed_at = timezone.now()
    ledger_import.version += 1
    ledger_import.save(update_fields=["status", "committed_by", "committed_at", "version", "updated_at"])


def commit_now(import_id: int, *, by) -> LedgerImport:
    """Write every row in one transaction; on a refusal nothing is kept and the rows say why."""
    ledger_import = LedgerImport.objects.get(pk=import_id)
    if ledger_import.status != ImportStatus.COMMITTING:
        return ledger_import  # done already (a redelivered job)
    with translation.override(ledger_import.language):
        try:
            try:
                _write(ledger_import, by=by, every_refusal=False)
            except ImportRefused:
                # Rolled back. Again, each row in a savepoint, to find every refusal and its reason.
                _write(ledger_import, by=by, every_refusal=True)
        except ImportRefused as refused:
            record_refusals(ledger_import, refused.errors)
    ledger_import.refresh_from_db()
    return ledger_import


def _write(ledger_import, *, by, every_refusal: bool) -> None:
    with transaction.atomic():
        LedgerImport.objects.select_for_update().get(pk=ledger_import.pk)
        apply_rows(ledger_import, by=by, every_refusal=every_refusal)
        mark_committed(ledger_import, by=by)
        ImportMapping.objects.update_or_create(
            bureau=bureau_of(ledger_import),
            kind=ledger_import.kind,
            defaults={"columns": {ledger_import.headers[i]: f for i, f in ledger_import.mapping.items()}},
        )
