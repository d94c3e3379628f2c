"""List filters of the supervision admin that more than one page uses."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class InSubsetFilter(admin.SimpleListFilter):
    """"yes": the rows of ``subset()``, "no": the others. The subset is a query of ids, not
    a field, because what it asks (overdue today, a complete team) is computed, not stored."""

    options = [("yes", _("Yes")), ("no", _("No"))]

    def subset(self):
        raise NotImplementedError

    def lookups(self, request, model_admin):
        return self.options

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=self.subset().values("pk"))
        if self.value() == "no":
            return queryset.exclude(pk__in=self.subset().values("pk"))
        return queryset
