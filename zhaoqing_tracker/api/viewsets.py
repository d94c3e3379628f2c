from rest_framework import mixins, viewsets
from rest_framework.response import Response

from projects import scope
from zhaoqing_tracker.api.concurrency import check_if_match, etag_for
from zhaoqing_tracker.api.filters import StableOrderingFilter, StrictFilterBackend
from zhaoqing_tracker.api.permissions import RolePermissions


class ScopedViewSet(viewsets.GenericViewSet):
    """The one scoping rule of the API: every list, detail, action and export reads
    ``queryset.visible_to(user)``, so a record outside the user's region is a 404."""

    permission_classes = [RolePermissions]
    filter_backends = [StrictFilterBackend, StableOrderingFilter]

    def initial(self, request, *args, **kwargs):
        # The scope is cached on the user object (projects/scope.py); a user object handed in
        # from outside (force_authenticate) outlives one request, so each request reads it afresh.
        scope.forget(request.user)
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class ETagReadMixin:
    """A record read once per request, and its version as the ETag of a detail answer."""

    def get_object(self):
        # Cached: retrieve() and the ETag header read the same row once.
        if not hasattr(self, "_object"):
            self._object = super().get_object()
        return self._object

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag_for(self.get_object())
        return response


class ReadOnlyScopedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


class VersionedViewSet(
    ETagReadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Create, read and update through service functions, with ETag / If-Match.

    The serializer's ``create``/``update`` call the service; ``version`` (from
    If-Match) is passed to ``save`` so the service checks it again under its row lock.
    """

    def perform_update(self, serializer):
        version = check_if_match(self.request, serializer.instance)
        serializer.save(version=version)

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def action_response(self, instance, status=200):
        """For actions: the record as it is now, with its new ETag."""
        serializer = self.get_serializer_class()(instance, context=self.get_serializer_context())
        return Response(serializer.data, status=status, headers={"ETag": etag_for(instance)})
