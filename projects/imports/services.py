"""The named writes of a ledger import: upload (and preview), correct the mapping, confirm.

A file is previewed in the request when it is small, and by a Celery job otherwise (in the
embedded default Celery runs eagerly, so always in the request); confirming likewise by its
row count. Either way the outcome is on the import's row, which the page and the API read.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from projects.audit import check_version, field_error
from projects.imports.commit import commit_now
from projects.imports.models import ImportKind, ImportMapping, ImportStatus, LedgerImport, MoneyUnit
from projects.imports.preview import build_preview, bureau_of

# The permission a kind of import writes with: an import is those writes, made in bulk.
KIND_PERMISSION = {
    ImportKind.PROJECTS: "projects.add_project",
    ImportKind.INVESTMENT: "projects.add_investmentreport",
    ImportKind.TARGETS: "projects.add_annualtarget",
}


def may_import(user, kind) -> bool:
    return user.is_authenticated and user.has_perm(KIND_PERMISSION[ImportKind(kind)])


def may_import_any(user) -> bool:
    """Whether imports are offered to ``user`` at all (the navigation, the project list)."""
    return any(may_import(user, kind) for kind in ImportKind)


def _inline_preview(ledger_import) -> bool:
    return settings.CELERY_TASK_ALWAYS_EAGER or ledger_import.size <= settings.IMPORT_INLINE_MAX_BYTES


def _inline_commit(ledger_import) -> bool:
    written = ledger_import.counts.get("new", 0) + ledger_import.counts.get("update", 0)
    return settings.CELERY_TASK_ALWAYS_EAGER or written <= settings.IMPORT_INLINE_MAX_ROWS


def import_create(*, by, file, kind, unit=MoneyUnit.WAN, year=None) -> LedgerImport:
    """Keep the uploaded file and preview it (now, or in a job for a big file)."""
    try:
        kind = ImportKind(kind)
    except ValueError:
        raise field_error("kind", _("Choose projects, investment or targets."), "invalid") from None
    try:
        unit = MoneyUnit(unit or MoneyUnit.WAN)
    except ValueError:
        raise field_error("unit", _("Choose yuan, wan (万元) or yi (亿元)."), "invalid") from None
    if not may_import(by, kind):
        raise PermissionDenied(_("Your role may not import this kind of ledger."))
    if year is not None and not 2000 <= int(year) <= 2100:
        raise field_error("year", _("Enter a year between 2000 and 2100."), "invalid")
    digest = hashlib.sha256()
    for piece in file.chunks():
        digest.update(piece)
    file.seek(0)
    name = (getattr(file, "name", "") or "ledger").rsplit("/", 1)[-1][-200:]
    ledger_import = LedgerImport(
        kind=kind,
        unit=unit,
        year=year,
        filename=name,
        size=file.size,
        sha256=digest.hexdigest(),
        region=by.region if by.region_id else None,
        created_by=by,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    ledger_import.save()  # created_at first: the upload path uses it
    ledger_import.file.save(name, file, save=True)
    _start_preview(ledger_import, by=by, mapping=None)
    return ledger_import


def _start_preview(ledger_import, *, by, mapping):
    from projects.tasks import import_preview

    if _inline_preview(ledger_import):
        build_preview(ledger_import, user=by, mapping=mapping)
        return
    ledger_import.status = ImportStatus.QUEUED
    ledger_import.save(update_fields=["status", "updated_at"])
    transaction.on_commit(lambda: import_preview.delay(ledger_import.pk, by.pk, mapping))


def import_remap(*, ledger_import: LedgerImport, mapping: dict, by, version=None) -> LedgerImport:
    """Preview again with the user's mapping (column index → field), and remember it for the bureau.

    Under the import's row lock, checked then written in one step: of remaps sent with one version,
    one is made and the others are refused (412), and none can slip in while it is confirmed."""
    with transaction.atomic():
        ledger_import = LedgerImport.objects.select_for_update().get(pk=ledger_import.pk)
        return _remap(ledger_import, mapping=mapping, by=by, version=version)


def _remap(ledger_import, *, mapping, by, version):
    _editable(ledger_import, by, version)
    from projects.imports.columns import columns_of
    from projects.imports.headers import dynamic_field

    known = set(columns_of(ledger_import.kind))
    cleaned = {}
    for index, field in (mapping or {}).items():
        if str(index) not in ledger_import.headers:
            raise field_error("mapping", _("The file has no column %(index)s.") % {"index": index}, "invalid")
        if (
            field
            and field not in known
            and not (
                field.startswith(("month:", "ytd:"))
                and dynamic_field(ledger_import.headers[str(index)]) == field
            )
        ):
            raise field_error(
                "mapping", _("“%(field)s” is not a column of this kind.") % {"field": field}, "invalid"
            )
        if field:
            cleaned[int(index)] = field
    fields = list(cleaned.values())
    if len(fields) != len(set(fields)):
        raise field_error("mapping", _("Each field may be matched to one column only."), "duplicate")
    remembered = {ledger_import.headers[str(index)]: field for index, field in cleaned.items()}
    ImportMapping.objects.update_or_create(
        bureau=bureau_of(ledger_import), kind=ledger_import.kind, defaults={"columns": remembered}
    )
    _start_preview(ledger_import, by=by, mapping=cleaned)
    ledger_import.refresh_from_db()
    return ledger_import


def _editable(ledger_import, by, version):
    if not may_import(by, ledger_import.kind):
        raise PermissionDenied(_("Your role may not import this kind of ledger."))
    check_version(ledger_import, version)
    if ledger_import.status in (ImportStatus.COMMITTED, ImportStatus.COMMITTING):
        raise ValidationError(_("This import has been confirmed already."), code="committed")


def import_confirm(*, ledger_import: LedgerImport, by, version=None) -> LedgerImport:
    """Write the import (now, or in a job for many rows). Refused while it has errors (``conflict``)."""
    with transaction.atomic():
        locked = LedgerImport.objects.select_for_update().get(pk=ledger_import.pk)
        _editable(locked, by, version)
        if locked.status != ImportStatus.READY:
            raise ValidationError(
                _("This import has errors or is not read yet; fix the file and upload it again.")
                if locked.status != ImportStatus.QUEUED
                else _("This import is still being read."),
                code="conflict",
            )
        locked.status = ImportStatus.COMMITTING
        locked.version += 1
        locked.save(update_fields=["status", "version", "updated_at"])
    if _inline_commit(locked):
        return commit_now(locked.pk, by=by)
    from projects.tasks import import_commit

    import_commit.delay(locked.pk, by.pk)
    return locked
