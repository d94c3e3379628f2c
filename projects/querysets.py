"""Named, reusable reads (house rule 6): ``Project.objects.counted().in_region(r)``."""

from django.db import models
from django.db.models import Q

from projects.choices import Status


def region_subtree_q(region, prefix: str = "region") -> Q:
    """The region and everything under it (city → county → zone; province → city → county)."""
    return (
        Q(**{prefix: region})
        | Q(**{f"{prefix}__parent": region})
        | Q(**{f"{prefix}__parent__parent": region})
    )


def scoped_to(queryset, user, prefix: str):
    """Row scope of a user: county users see their region's subtree, city users everything."""
    if not user.is_authenticated:
        return queryset.none()
    if user.region_id is None:
        return queryset
    return queryset.filter(region_subtree_q(user.region, prefix=prefix))


class RegionQuerySet(models.QuerySet):
    def ranked(self):
        return self.filter(is_ranked=True)

    def subtree(self, region):
        return self.filter(Q(pk=region.pk) | Q(parent=region) | Q(parent__parent=region))


class ProjectQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Status.ACTIVE)

    def counted(self):
        """Projects that count in figures and rankings: everything but cancelled ones."""
        return self.exclude(status=Status.CANCELLED)

    def in_region(self, region):
        return self.filter(region_subtree_q(region))

    def major(self):
        return self.filter(is_major=True)

    def visible_to(self, user):
        return scoped_to(self, user, "region")


class ProjectChildQuerySet(models.QuerySet):
    """For rows that belong to one project (transitions, investment reports)."""

    def in_region(self, region):
        return self.filter(region_subtree_q(region, prefix="project__region"))

    def visible_to(self, user):
        return scoped_to(self, user, "project__region")


class RegionChildQuerySet(models.QuerySet):
    """For rows that belong to one region (targets, parks)."""

    def visible_to(self, user):
        return scoped_to(self, user, "region")
