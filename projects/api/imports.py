"""/api/v1/imports/: a downstream system's ledger import (DESIGN "REST API").

POST a file (multipart) and the answer is the preview: ``status``, ``counts`` and ``errors``
(row as Excel numbers it, column header, code, message). ``confirm`` writes it, 409 while it
has errors; ``remap`` previews it again with a corrected column mapping; ``rows`` pages
through every row's verdict. A big file is read by a job: the answer is then ``queued`` and a
client reads the import again until it is ``ready`` or ``has_errors``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from projects.imports.models import ImportKind, ImportRow, ImportStatus, LedgerImport, MoneyUnit, RowAction
from projects.imports.services import import_confirm, import_create, import_remap
from zhaoqing_tracker.api.concurrency import check_if_match, etag_for
from zhaoqing_tracker.api.errors import Conflict
from zhaoqing_tracker.api.pagination import StableCursorPagination
from zhaoqing_tracker.api.parsers import JSONParser
from zhaoqing_tracker.api.viewsets import ETagReadMixin, ScopedViewSet

# The errors listed in an import itself; every row is in ``rows`` (filter action=error).
ERRORS_SHOWN = 1000


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("The row number as Excel shows it."))
    column = serializers.CharField(help_text=_("The column's header in the file (empty for the whole row)."))
    code = serializers.CharField(help_text=_("A stable code, e.g. invalid, required, outside_scope, stale."))
    message = serializers.CharField(help_text=_("What is wrong, in the uploader's language."))


class LedgerImportSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=_("Who uploaded the file.")
    )
    committed_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=_("Who confirmed it, once confirmed."),
    )
    region = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text=_("The uploader's region (6-digit code); null for the city."),
    )
    errors = serializers.SerializerMethodField(
        help_text=_("The rows' errors, up to 1,000 (all of them: GET rows/?action=error).")
    )

    class Meta:
        model = LedgerImport
        fields = (
            "id",
            "kind",
            "unit",
            "year",
            "filename",
            "size",
            "sha256",
            "region",
            "status",
            "error",
            "counts",
            "errors",
            "sheet",
            "header_row",
            "headers",
            "mapping",
            "created_by",
            "created_at",
            "committed_by",
            "committed_at",
            "version",
        )
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": _("The import's id.")},
            "kind": {"help_text": _("projects, investment or targets.")},
            "unit": {
                "help_text": _("The money unit the file was read in unless it names its own: yuan, wan, yi.")
            },
            "year": {"help_text": _("The year of a 月报 whose month columns carry no year.")},
            "filename": {"help_text": _("The uploaded file's name.")},
            "size": {"help_text": _("The file's size in bytes.")},
            "sha256": {"help_text": _("The file's SHA-256, to recognise the same file sent again.")},
            "status": {
                "help_text": _("queued, reading, ready, has_errors, committing, committed or failed.")
            },
            "error": {"help_text": _("Why the file could not be read (status failed).")},
            "counts": {"help_text": _("Rows by verdict: new, update, unchanged, skipped, error, and rows.")},
            "sheet": {"help_text": _("The worksheet read.")},
            "header_row": {"help_text": _("The (last) header row, as Excel numbers it.")},
            "headers": {"help_text": _("Column index (from 0) → the header text read there.")},
            "mapping": {"help_text": _("Column index → the field it was read as.")},
            "created_at": {"help_text": _("When the file was uploaded.")},
            "committed_at": {"help_text": _("When the import was written.")},
            "version": {"help_text": _("Changes at every step; send it in If-Match to confirm safely.")},
        }

    def get_errors(self, ledger_import) -> list[dict]:
        rows = ledger_import.rows.filter(action=RowAction.ERROR).order_by("number")[:ERRORS_SHOWN]
        return [{"row": row.number, **error} for row in rows for error in row.errors][:ERRORS_SHOWN]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_(".xlsx, .xls or .csv (UTF-8 or GB18030)."))
    kind = serializers.ChoiceField(ImportKind.choices, help_text=_("What the file holds."))
    unit = serializers.ChoiceField(
        MoneyUnit.choices,
        default=MoneyUnit.WAN,
        help_text=_("The money unit, 万元 unless said; a unit line (单位：元) or a header's unit wins."),
    )
    year = serializers.IntegerField(
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("For a 月报 whose month columns carry no year; this year if left out."),
    )


class RemapSerializer(serializers.Serializer):
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text=_(
            'Column index → field, e.g. {"1": "name", "6": "planned_investment"}; "" ignores a column.'
        ),
    )


class ImportRowSerializer(serializers.ModelSerializer):
    row = serializers.IntegerField(source="number", help_text=_("The row number as Excel shows it."))
    project = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("The project the row matched.")
    )

    class Meta:
        model = ImportRow
        fields = ("row", "action", "label", "project", "errors", "data")
        read_only_fields = fields
        extra_kwargs = {
            "action": {"help_text": _("new, update, unchanged, skipped or error.")},
            "label": {"help_text": _("The project (or region) the row names.")},
            "errors": {"help_text": _("[{column, code, message}] for a row in error.")},
            "data": {"help_text": _("What confirming will write for this row.")},
        }


class RowPagination(StableCursorPagination):
    ordering = ("number",)


UPLOAD_EXAMPLE = OpenApiExample(
    "A county ledger in 万元",
    value={"file": "(the .xlsx file)", "kind": "projects", "unit": "wan"},
    request_only=True,
    media_type="multipart/form-data",
)


@extend_schema_view(
    list=extend_schema(summary=_("List ledger imports")),
    retrieve=extend_schema(summary=_("Read an import and its preview")),
)
class LedgerImportViewSet(ETagReadMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Ledger imports (项目台账, 月报, 年度任务): kept whatever their outcome."""

    queryset = LedgerImport.objects.select_related("created_by", "committed_by", "region")
    serializer_class = LedgerImportSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    ordering_fields = ("id", "created_at")
    action_permissions = {
        "confirm": ["projects.add_ledgerimport"],
        "remap": ["projects.add_ledgerimport"],
    }

    def _answer(self, ledger_import, code=status.HTTP_200_OK):
        data = LedgerImportSerializer(ledger_import, context=self.get_serializer_context()).data
        return Response(data, status=code, headers={"ETag": etag_for(ledger_import)})

    @extend_schema(
        summary=_("Upload a ledger: the answer is its preview"),
        description=_(
            "Multipart: file, kind, unit, year. Nothing is written but the import itself. 201 with "
            "the preview (or status queued for a big file: read the import until it is ready); 400 "
            "when the file cannot be read (not a spreadsheet, encrypted, too big, no header…), the "
            "import then kept with status failed."
        ),
        request={"multipart/form-data": UploadSerializer},
        responses={201: LedgerImportSerializer},
        examples=[UPLOAD_EXAMPLE],
    )
    def create(self, request, *args, **kwargs):
        upload = UploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        ledger_import = import_create(by=request.user, **upload.validated_data)
        if ledger_import.status == ImportStatus.FAILED:
            raise serializers.ValidationError({"file": [ledger_import.error]})
        return self._answer(ledger_import, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Write an import"),
        description=_(
            "Writes every row in one transaction through the same checks as the pages. 409 while the "
            "import has errors, or when a row was changed by someone since the preview (nothing is "
            "written; the rows say why). 202 when many rows are written by a job."
        ),
        request=None,
        responses={200: LedgerImportSerializer, 202: LedgerImportSerializer},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        ledger_import = self.get_object()
        version = check_if_match(request, ledger_import)
        ledger_import = import_confirm(ledger_import=ledger_import, by=request.user, version=version)
        if ledger_import.status == ImportStatus.HAS_ERRORS:
            raise Conflict(
                {
                    "errors": [
                        _("Rows were refused; nothing was written. Read the import's errors."),
                    ]
                }
            )
        code = (
            status.HTTP_202_ACCEPTED
            if ledger_import.status == ImportStatus.COMMITTING
            else status.HTTP_200_OK
        )
        return self._answer(ledger_import, code)

    @extend_schema(
        summary=_("Preview an import again with a corrected column mapping"),
        description=_("The mapping is remembered for the uploader's bureau and used for its next files."),
        request=RemapSerializer,
        responses=LedgerImportSerializer,
        examples=[
            OpenApiExample("Name column", value={"mapping": {"1": "name", "3": ""}}, request_only=True)
        ],
    )
    @action(detail=True, methods=["post"])
    def remap(self, request, pk=None):
        ledger_import = self.get_object()
        version = check_if_match(request, ledger_import)
        body = RemapSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ledger_import = import_remap(
            ledger_import=ledger_import,
            mapping=body.validated_data["mapping"],
            by=request.user,
            version=version,
        )
        return self._answer(ledger_import)

    @extend_schema(
        summary=_("Every row of an import with its verdict"),
        description=_("In cursor pages, in file order; ?action=error lists the rows in error."),
        responses=ImportRowSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=RowPagination, filter_backends=[])
    def rows(self, request, pk=None):
        rows = self.get_object().rows.all()
        wanted = request.query_params.get("action")
        if wanted:
            if wanted not in RowAction.values:
                raise serializers.ValidationError(
                    {"action": [_("Choose one of: %s.") % ", ".join(RowAction.values)]}
                )
            rows = rows.filter(action=wanted)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ImportRowSerializer(page, many=True).data)
