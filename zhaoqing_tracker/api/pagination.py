from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    """Cursor pages (no COUNT(*)): a client walking the pages never misses or repeats a row.

    The ordering always ends in ``id`` so that it is total; see each view's
    ``ordering_fields`` for what a client may sort by.
    """

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("id",)

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, ArithmeticError, DjangoValidationError) as exc:
            # A cursor is opaque but readable: one edited by hand can carry a position the
            # ordering field cannot hold ("abc" for an id). That is a bad cursor, not a 500.
            if request.query_params.get(self.cursor_query_param) is None:
                raise
            raise NotFound(self.invalid_cursor_message) from exc

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["required"] = ["next", "previous", "results"]
        properties = paginated["properties"]
        properties["next"]["example"] = "https://tracker.example.org/api/v1/projects/?cursor=cD0yMDI1LTAz"
        properties["previous"]["example"] = "https://tracker.example.org/api/v1/projects/?cursor=cj0xJnA9MTc"
        properties["next"]["description"] = "Link to the following page; null on the last page."
        properties["previous"]["description"] = "Link to the page before; null on the first page."
        if isinstance(schema, dict):  # drf-spectacular also passes a marker object to place examples
            properties["results"] = {
                **schema,
                "description": "The records of this page, in the list's ordering.",
            }
        return paginated
