from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

# Query parameters that are not filters but are understood by every list.
NON_FILTER_PARAMS = {"cursor", "page_size", "ordering", "format"}


class StrictFilterBackend(DjangoFilterBackend):
    """The FilterSet of the view, refusing query parameters it does not know (a typo is a 400,
    not a silently unfiltered list)."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if view.action == "list":
            known = set(filterset.filters) if filterset is not None else set()
            unknown = sorted(set(request.query_params) - known - NON_FILTER_PARAMS)
            if unknown:
                raise ValidationError({name: [_("Unknown filter.")] for name in unknown})
        return filterset


class StableOrderingFilter(OrderingFilter):
    """``?ordering=a,-b`` over the view's ``ordering_fields``, always ending in ``id``.

    CursorPagination asks this filter for the ordering (it positions the cursor on the first
    field and counts ties by offset), so the ordering must be total or a page boundary that
    falls among equal values could skip or repeat rows. An unknown field is a 400 rather than
    silently ignored, like an unknown filter.
    """

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            terms = [term.strip() for term in params.split(",") if term.strip()]
            valid = self.remove_invalid_fields(queryset, terms, view, request)
            invalid = [term for term in terms if term not in valid]
            if invalid or not terms:
                allowed = ", ".join(name for name, _label in self.get_valid_fields(queryset, view))
                raise ValidationError(
                    {self.ordering_param: [_("Unknown ordering field. Choose from: %s.") % allowed]}
                )
            ordering = valid
        else:
            ordering = self.get_default_ordering(view)
        if not ordering:
            return ordering
        ordering = list(ordering)
        if not any(term.lstrip("-") in {"id", "pk"} for term in ordering):
            ordering.append("-id" if ordering[-1].startswith("-") else "id")
        return tuple(ordering)

    def get_schema_operation_parameters(self, view):
        fields = [item if isinstance(item, str) else item[0] for item in getattr(view, "ordering_fields", [])]
        description = _(
            "Comma-separated fields to sort by, '-' for descending: %(fields)s. Ties are broken by id."
        ) % {"fields": ", ".join(fields) or "id"}
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": description,
                "schema": {"type": "string"},
            }
        ]
