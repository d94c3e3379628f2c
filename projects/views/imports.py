"""Ledger imports in the browser: upload, the preview with its column matching, confirmation,
the progress of a job, the list of imports, the original files and the templates.

Every write is one service of projects/imports/services.py (import_create, import_remap,
import_confirm); a refusal is shown on its form or as a message. An import is visible to the
users whose region scope holds the importing bureau's region (the city level sees all); any
other import is a 404, as a project outside one's region is.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from projects import scope
from projects.imports.display import shown_rows
from projects.imports.forms import MappingForm, UploadForm
from projects.imports.models import ImportKind, ImportStatus, LedgerImport, RowAction
from projects.imports.preview import progress
from projects.imports.services import import_confirm, import_create, import_remap, may_import
from projects.imports.template import template_workbook
from projects.xlsx import DATETIME_FORMAT, XLSX, Column, table_response
from zhaoqing_tracker.forms import STALE_MESSAGE, add_service_error, is_stale
from zhaoqing_tracker.web import login_required, page_of, posted

ROWS_PER_PAGE = 50
IMPORTS_PER_PAGE = 25
# While an import is in one of these, the page polls its progress.
RUNNING = (ImportStatus.QUEUED, ImportStatus.READING, ImportStatus.COMMITTING)
# Until it is written, the column matching can be corrected.
REMAPPABLE = (ImportStatus.READY, ImportStatus.HAS_ERRORS, ImportStatus.FAILED)
# ?action= on the import page; the default shows what needs a look (errors first) and what changes.
ATTENTION = (RowAction.ERROR, RowAction.NEW, RowAction.UPDATE)
COUNTED = (RowAction.NEW, RowAction.UPDATE, RowAction.UNCHANGED, RowAction.SKIPPED, RowAction.ERROR)


def _progress(ledger_import) -> dict:
    """The job's progress as the cache has it, if it is of the phase the import is in (while a
    confirmation starts, the cache still holds the finished preview's)."""
    phase = "commit" if ledger_import.status == ImportStatus.COMMITTING else "preview"
    found = progress(ledger_import.pk)
    return found if found.get("phase") == phase else {}


def offered_kinds(user) -> list[ImportKind]:
    return [kind for kind in ImportKind if may_import(user, kind)]


def visible_imports(user):
    return scope.scope_filter(LedgerImport.objects.all(), user)


def visible_import(request, pk, *related) -> LedgerImport:
    return get_object_or_404(visible_imports(request.user).select_related(*related), pk=pk)


def _refusal(error: PermissionDenied) -> ValidationError:
    return ValidationError(
        str(error) or _("Your role may not import this kind of ledger."), code="permission"
    )


# --- upload -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def import_new(request):
    kinds = offered_kinds(request.user)
    if not kinds:
        raise PermissionDenied
    form = UploadForm(posted(request), request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ledger_import = import_create(
                by=request.user, file=data["file"], kind=data["kind"], unit=data["unit"], year=data["year"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        except PermissionDenied as error:
            add_service_error(form, _refusal(error))
        else:
            return redirect("projects:import", pk=ledger_import.pk)
    return render(request, "projects/imports/upload.html", {"form": form, "kinds": kinds})


# --- the import's page --------------------------------------------------------------------


def _rows(request, ledger_import):
    action = request.GET.get("action", "")
    if action not in RowAction.values:
        action = ""
    rows = ledger_import.rows.all()
    if action:
        rows = rows.filter(action=action).order_by("number")
    else:
        errors_first = Case(
            When(action=RowAction.ERROR, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        rows = rows.filter(action__in=ATTENTION).order_by(errors_first, "number")
    return action, page_of(request, rows, ROWS_PER_PAGE)


def _detail(request, ledger_import, mapping_form=None, status=200):
    action, page = _rows(request, ledger_import)
    can_write = may_import(request.user, ledger_import.kind)
    if mapping_form is None and can_write and ledger_import.headers and ledger_import.status in REMAPPABLE:
        mapping_form = MappingForm(ledger_import=ledger_import)
    counts = ledger_import.counts or {}
    context = {
        "ledger_import": ledger_import,
        "running": ledger_import.status in RUNNING,
        "writing": ledger_import.status == ImportStatus.COMMITTING,
        "progress": _progress(ledger_import) if ledger_import.status in RUNNING else {},
        # Each result with its number of rows: the big figures, and the row filter's links.
        "figures": [(result, counts.get(result.value, 0)) for result in COUNTED],
        "action": action,
        "page": page,
        # What a row names: a region for annual targets, a project otherwise.
        "record_label": _("Region") if ledger_import.kind == ImportKind.TARGETS else _("Project"),
        "shown": shown_rows(ledger_import, page["rows"]),
        "mapping_form": mapping_form,
        "can_confirm": can_write and ledger_import.status == ImportStatus.READY,
        "blocked": _blocked(ledger_import, can_write),
    }
    return render(request, "projects/imports/detail.html", context, status=status)


def _blocked(ledger_import, can_write) -> str:
    """Why there is no Confirm button ("" when there is one)."""
    status = ledger_import.status
    if status == ImportStatus.READY:
        return "" if can_write else _("Your role may not import this kind of ledger.")
    return {
        ImportStatus.QUEUED: _("The file is still being read."),
        ImportStatus.READING: _("The file is still being read."),
        ImportStatus.HAS_ERRORS: _(
            "Rows have errors: correct them in the file and upload it again (or correct the column "
            "matching). Nothing is written while any row has an error."
        ),
        ImportStatus.FAILED: _("The file could not be read; see why above."),
        ImportStatus.COMMITTING: _("The import is being written."),
        ImportStatus.COMMITTED: _("This import has been written."),
    }.get(status, "")


@require_safe
@login_required
def import_detail(request, pk):
    return _detail(request, visible_import(request, pk, "created_by", "committed_by", "region"))


@require_safe
@login_required
def import_progress(request, pk):
    """The progress bar alone, polled by the page; once the job is done the page reloads."""
    ledger_import = visible_import(request, pk)
    if ledger_import.status not in RUNNING:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    context = {
        "ledger_import": ledger_import,
        "progress": _progress(ledger_import),
        "writing": ledger_import.status == ImportStatus.COMMITTING,
    }
    return render(request, "projects/imports/_progress.html", context)


@require_POST
@login_required
def import_mapping(request, pk):
    ledger_import = visible_import(request, pk, "created_by", "committed_by", "region")
    form = MappingForm(request.POST, ledger_import=ledger_import)
    if form.is_valid():
        try:
            import_remap(
                ledger_import=ledger_import,
                mapping=form.mapping(),
                by=request.user,
                version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            ledger_import.refresh_from_db()
            add_service_error(form, error, current_version=ledger_import.version)
        else:
            messages.success(
                request,
                _(
                    "The file was read again with your column matching; your bureau's next upload "
                    "uses it too."
                ),
            )
            return redirect("projects:import", pk=pk)
    return _detail(request, ledger_import, mapping_form=form, status=400)


@require_POST
@login_required
def import_confirm_view(request, pk):
    ledger_import = visible_import(request, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1  # refused as stale: a confirmation names the preview it confirms
    try:
        ledger_import = import_confirm(ledger_import=ledger_import, by=request.user, version=version)
    except ValidationError as error:
        messages.error(request, STALE_MESSAGE if is_stale(error) else " ".join(error.messages))
        return redirect("projects:import", pk=pk)
    counts = ledger_import.counts
    if ledger_import.status == ImportStatus.COMMITTED:
        messages.success(
            request,
            _("Written: %(new)d new, %(update)d updated.")
            % {"new": counts.get("new", 0), "update": counts.get("update", 0)},
        )
    elif ledger_import.status == ImportStatus.HAS_ERRORS:
        messages.error(
            request,
            _("Nothing was written: %(count)d rows were refused. Their reasons are shown on them.")
            % {"count": counts.get("error", 0)},
        )
    else:
        messages.info(request, _("The import is being written; this page shows its progress."))
    return redirect("projects:import", pk=pk)


@require_safe
@login_required
def import_file(request, pk):
    """The file as it was uploaded (kept with every import)."""
    ledger_import = visible_import(request, pk)
    try:
        handle = ledger_import.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=ledger_import.filename)


# --- the list of imports and the templates ------------------------------------------------


def _imports(user):
    return visible_imports(user).select_related("created_by", "region")


@require_safe
@login_required
def import_list(request):
    page = page_of(request, _imports(request.user), IMPORTS_PER_PAGE)
    context = {"page": page, "kinds": offered_kinds(request.user)}
    return render(request, "projects/imports/list.html", context)


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def import_columns() -> list[Column]:
    def count(name):
        return lambda i: (i.counts or {}).get(name, 0)

    def local(moment):
        return timezone.localtime(moment).replace(tzinfo=None) if moment else None

    return [
        Column(_("Number"), lambda i: i.pk, width=8),
        Column(_("File"), lambda i: i.filename, width=32),
        Column(_("Kind"), lambda i: i.get_kind_display(), width=14),
        Column(_("Region"), lambda i: str(i.region) if i.region_id else _("City level"), width=12),
        Column(_("Imported by"), lambda i: _person(i.created_by), width=14),
        Column(_("Uploaded at"), lambda i: local(i.created_at), DATETIME_FORMAT, 17),
        Column(_("Outcome"), lambda i: i.get_status_display(), width=14),
        *[Column(str(action.label), count(action.value), width=10) for action in COUNTED],
        Column(_("Confirmed at"), lambda i: local(i.committed_at), DATETIME_FORMAT, 17),
    ]


@require_safe
@login_required
def import_export(request):
    return table_response(
        title=_("Ledger imports"),
        columns=import_columns(),
        rows=_imports(request.user).iterator(chunk_size=500),
        filename=f"imports-{timezone.localdate():%Y%m%d}.xlsx",
    )


@require_safe
@login_required
def import_template(request, kind):
    try:
        kind = ImportKind(kind)
    except ValueError:
        raise Http404 from None
    if not may_import(request.user, kind):
        raise PermissionDenied
    response = HttpResponse(template_workbook(kind, request.user), content_type=XLSX)
    name = f"template-{kind.value}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
