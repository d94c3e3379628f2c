import base64
import binascii

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections
from django.db.models import Q
from django.db.models.expressions import RawSQL
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from zhaoqing_tracker.api import changes

# A list asked with updated_after in one of these orderings (or none) is a sync walk.
SYNC_ORDERINGS = {"updated_at", "updated_at,id"}
CHANGE_CURSOR_PREFIX = "c="
BIGINT = 2**63


class StableCursorPagination(CursorPagination):
    """Cursor pages (no COUNT(*)): a client walking the pages never misses or repeats a row.

    The ordering always ends in ``id`` so that it is total; see each view's
    ``ordering_fields`` for what a client may sort by.

    A sync walk on PostgreSQL (a list asked with ``updated_after``, ordered by
    ``updated_at`` or not at all) is paged over the change feed instead
    (zhaoqing_tracker/api/changes.py): rows in the order their transactions were
    given ids, only those of transactions older than every one still running, from
    a (transaction id, id) position, with a ``resume`` link to ask later for what
    changed after the page.
    """

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("id",)

    sync = None  # the links of a sync page, set by _paginate_changes

    def paginate_queryset(self, queryset, request, view=None):
        if self._is_sync_walk(queryset, request, view):
            return self._paginate_changes(queryset, request)
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, ArithmeticError, DjangoValidationError) as exc:
            # A cursor is opaque but readable: one edited by hand can carry a position the
            # ordering field cannot hold ("abc" for an id). That is a bad cursor, not a 500.
            if request.query_params.get(self.cursor_query_param) is None:
                raise
            raise NotFound(self.invalid_cursor_message) from exc

    @staticmethod
    def _is_sync_walk(queryset, request, view) -> bool:
        # Only lists: an action paged by a subclass (a record's history) has no change feed.
        if getattr(view, "action", None) != "list" or "updated_after" not in request.query_params:
            return False
        ordering = request.query_params.get("ordering", "updated_at").replace(" ", "")
        return ordering in SYNC_ORDERINGS and connections[queryset.db].vendor == "postgresql"

    def _paginate_changes(self, queryset, request):
        connection = connections[queryset.db]
        self.request, self.page_size = request, self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        position = self._change_position(request)
        # Before the rows are read, never in the same statement: see changes.complete_below.
        below = changes.complete_below(connection)
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        rows = queryset.annotate(sync_change_xid=RawSQL(f"{table}.{changes.COLUMN}", ())).filter(
            sync_change_xid__lt=below
        )
        if position is not None:
            xid, pk = position
            rows = rows.filter(Q(sync_change_xid__gt=xid) | Q(sync_change_xid=xid, pk__gt=pk))
        page = list(rows.order_by("sync_change_xid", "pk")[: self.page_size + 1])
        more, page = len(page) > self.page_size, page[: self.page_size]
        if page:
            position = (page[-1].sync_change_xid, page[-1].pk)
        resume = self._change_link(position)
        self.sync = {"next": resume if more else None, "resume": resume}
        return page

    def _change_position(self, request) -> tuple[int, int] | None:
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor is None:
            return None
        try:
            text = base64.b64decode(cursor.encode("ascii"), validate=True).decode("ascii")
            if not text.startswith(CHANGE_CURSOR_PREFIX):
                raise ValueError(text)
            xid, pk = (int(part) for part in text.removeprefix(CHANGE_CURSOR_PREFIX).split("."))
            if not (0 <= xid < BIGINT and 0 <= pk < BIGINT):  # beyond bigint the database would fail
                raise ValueError(text)
        except (ValueError, UnicodeError, binascii.Error) as exc:
            # An ordinary cursor (a walk begun before this was deployed), or one edited by hand.
            raise NotFound(self.invalid_cursor_message) from exc
        return xid, pk

    def _change_link(self, position) -> str:
        if position is None:
            return remove_query_param(self.base_url, self.cursor_query_param)
        token = base64.b64encode(f"{CHANGE_CURSOR_PREFIX}{position[0]}.{position[1]}".encode("ascii"))
        return replace_query_param(self.base_url, self.cursor_query_param, token.decode("ascii"))

    def get_paginated_response(self, data):
        if self.sync is None:
            return super().get_paginated_response(data)
        # A change feed only goes forward: there is no page before.
        return Response(
            {"next": self.sync["next"], "previous": None, "results": data, "resume": self.sync["resume"]}
        )

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["required"] = ["next", "previous", "results"]
        properties = paginated["properties"]
        properties["next"]["example"] = "https://tracker.example.org/api/v1/projects/?cursor=cD0yMDI1LTAz"
        properties["previous"]["example"] = "https://tracker.example.org/api/v1/projects/?cursor=cj0xJnA9MTc"
        properties["next"]["description"] = "Link to the following page; null on the last page."
        properties["resume"] = {
            "type": "string",
            "format": "uri",
            "description": (
                "Only in a sync walk (updated_after) on PostgreSQL: the link that asks, later, for the "
                "records changed after this page. Keep the last one and follow it next time."
            ),
            "example": "https://tracker.example.org/api/v1/projects/?updated_after=2026-01-01T00%3A00%3A00Z"
            "&cursor=Yz04MTIzNC40Mg%3D%3D",
        }
        properties["previous"]["description"] = "Link to the page before; null on the first page."
        if isinstance(schema, dict):  # drf-spectacular also passes a marker object to place examples
            properties["results"] = {
                **schema,
                "description": "The records of this page, in the list's ordering.",
            }
        return paginated
