"""/api/v1/rankings/ (live) and /api/v1/bulletins/ (frozen, with downloads)."""

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from supervision.filtersets import BulletinFilterSet
from supervision.models import Bulletin
from supervision.periods import period_containing
from supervision.ranking.api import serializers as s
from supervision.ranking.engine import compute_ranking, ranking_as_json
from zhaoqing_tracker.api.downloads import DownloadActionsMixin
from zhaoqing_tracker.api.viewsets import ReadOnlyScopedViewSet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OneObjectSchema(AutoSchema):
    # The ranking is served at the collection URL but is one object, not a list of them.
    def _is_list_view(self, serializer=None):
        return False


class RankingViewSet(viewsets.ViewSet):
    """The live ranking (赛龙夺锦), computed on each request; bulletins are the frozen ones."""

    schema = OneObjectSchema()
    # DESIGN "Roles": rankings are readable by every signed-in user, whatever their region.
    permission_classes = [permissions.IsAuthenticated]
    allowed_params = {"date", "kind", "format"}

    @extend_schema(
        summary="The live ranking of the regions",
        description=(
            "The ranking of every ranked region as of the last day of the weekly, monthly or "
            'quarterly period that contains `date` (DESIGN "Ranking"). Counts are JSON numbers; '
            "money, rates, days and scores are decimal strings. Readable by every signed-in user."
        ),
        parameters=[s.RankingQuerySerializer],
        responses={200: s.RankingSerializer},
    )
    def list(self, request):
        unknown = sorted(set(request.query_params) - self.allowed_params)
        if unknown:
            raise ValidationError({name: [_("Unknown filter.")] for name in unknown})
        query = s.RankingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or timezone.localdate()
        period = period_containing(query.validated_data["kind"], day)
        return Response(ranking_as_json(compute_ranking(period)))


def _exports():
    # Imported on use: openpyxl and the PDF library are only needed by downloads.
    from supervision.ranking import exports as bulletin_exports

    return bulletin_exports


def _download(bulletin: Bulletin, content: bytes | str, extension: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    filename = f"bulletin-{bulletin.kind}-{bulletin.period.label}-r{bulletin.revision}.{extension}"
    disposition = "inline" if extension == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@extend_schema_view(
    list=extend_schema(
        summary="List bulletins",
        description="Published bulletins, newest period first (the city admin also sees drafts).",
    ),
    retrieve=extend_schema(summary="A bulletin with its frozen rows, rank changes and scheme"),
)
class BulletinViewSet(DownloadActionsMixin, ReadOnlyScopedViewSet):
    queryset = Bulletin.objects.select_related("previous")
    # The actions that answer a file, with its media type (content negotiation accepts it).
    downloads = {"xlsx": XLSX, "html": "text/html", "pdf": "application/pdf"}
    filterset_class = BulletinFilterSet
    ordering_fields = ["period_end", "id"]
    ordering = ["-period_end", "-id"]

    def get_serializer_class(self):
        return s.BulletinDetailSerializer if self.action == "retrieve" else s.BulletinSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        # The list leaves out the rows, which are large; the detail and downloads need them.
        return queryset.defer("rows") if self.action == "list" else queryset

    @extend_schema(
        summary="Download a bulletin as an Excel workbook",
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="An .xlsx workbook.")},
    )
    @action(detail=True, url_path="xlsx", url_name="xlsx")
    def xlsx(self, request, pk=None):
        bulletin = self.get_object()
        return _download(bulletin, _exports().bulletin_xlsx(bulletin), "xlsx", XLSX)

    @extend_schema(
        summary="A bulletin as a printable page (A4)",
        responses={
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="A printable HTML page.")
        },
    )
    @action(detail=True, url_path="html", url_name="html")
    def html(self, request, pk=None):
        bulletin = self.get_object()
        page = _exports().bulletin_html(bulletin, request)
        return _download(bulletin, page, "html", "text/html; charset=utf-8")

    @extend_schema(
        summary="Download a bulletin as PDF",
        description=(
            "Only where the PDF library and CJK fonts are installed (the docker image); 404 otherwise."
        ),
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="A PDF file.")},
    )
    @action(detail=True, url_path="pdf", url_name="pdf")
    def pdf(self, request, pk=None):
        bulletin = self.get_object()
        content = _exports().bulletin_pdf(bulletin)
        if content is None:
            raise NotFound(_("PDF is not available on this server; download the workbook or print the page."))
        return _download(bulletin, content, "pdf", "application/pdf")
