"""Enumerations shared by models, services, filters and forms (never compare to bare strings)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    # Declaration order is the lifecycle order; lifecycle.py relies on it.
    SIGNED = "signed", _("Signed")
    LAND_SUPPLIED = "land_supplied", _("Land supplied")
    STARTED = "started", _("Construction started")
    COMPLETED = "completed", _("Completed")
    IN_PRODUCTION = "in_production", _("In production")
    ABOVE_SCALE = "above_scale", _("Above designated size")

    @classmethod
    def ordered(cls) -> list["Stage"]:
        return list(cls)

    @property
    def index(self) -> int:
        return Stage.ordered().index(self)

    @property
    def date_field(self) -> str:
        """Name of the Project field holding the date this stage was reached."""
        return f"{self.value}_on"

    @property
    def next(self) -> "Stage | None":
        stages = Stage.ordered()
        return stages[self.index + 1] if self.index + 1 < len(stages) else None

    @property
    def previous(self) -> "Stage | None":
        return Stage.ordered()[self.index - 1] if self.index > 0 else None


STAGE_DATE_FIELDS = [stage.date_field for stage in Stage]


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    STALLED = "stalled", _("Stalled")
    CANCELLED = "cancelled", _("Cancelled")


class RegionKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    COUNTY = "county", _("County")
    COUNTY_CITY = "county_city", _("County-level city")
    FUNCTIONAL_ZONE = "functional_zone", _("Functional zone")


class Role(models.TextChoices):
    """Roles are auth groups with exactly these names (see projects/roles.py)."""

    COUNTY_STAFF = "county_staff", _("County staff")
    COUNTY_LEADER = "county_leader", _("County leader")
    CITY_LEADER = "city_leader", _("City leader")
    CITY_ADMIN = "city_admin", _("City administrator")
