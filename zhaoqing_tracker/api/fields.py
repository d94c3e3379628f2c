from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from projects import scope
from projects.models import Region


class SlugField(serializers.SlugRelatedField):
    """A related record by a text key. A NUL character is refused here: PostgreSQL cannot
    even compare text containing one, so the lookup would fail with a 500."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class RegionCodeField(SlugField):
    """A region by its 6-digit code. On writes, a county user may name only their own region."""

    default_error_messages = {
        **SlugField.default_error_messages,
        "does_not_exist": _("Unknown region code {value}."),
        "outside_scope": _("You can only write records of your own region."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Region.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        region = super().to_internal_value(data)
        if not scope.in_scope(self.context["request"].user, region.pk):
            self.fail("outside_scope")
        return region


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related record by id, looked up only among the records the user can see: another
    region's record reads as non-existent, exactly as its URL would (404)."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.context["request"].user)
