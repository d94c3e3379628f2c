"""Named, reusable reads (house rule 6): ``Project.objects.counted().in_region(r)``.

Every ``visible_to(user)`` is the one region rule of projects/scope.py; a region's rows are read
as ``region_id IN (the ids of its subtree)``, never an OR over parent and grandparent."""

import datetime

from django.db import models
from django.db.models import Max, Q, Sum

from projects import scope
from projects.choices import Status


class CityWideQuerySet(models.QuerySet):
    """Reference rows every signed-in user reads whole (industries, enterprises): they belong to
    no region, and a project of any region names them."""

    def visible_to(self, user):
        return self if user is not None and user.is_authenticated else self.none()


class RegionQuerySet(models.QuerySet):
    def ranked(self):
        return self.filter(is_ranked=True)

    def subtree_ids(self, region_id) -> list[int]:
        """The region and the regions up to two levels under it: one query over the small region
        table. The grandchildren are read through a subquery on the parent index, not a join on
        the parent's parent, so that the query is a few index scans rather than two table scans."""
        children = self.model.objects.filter(parent_id=region_id).values("pk")
        tree = Q(pk=region_id) | Q(parent_id=region_id) | Q(parent_id__in=children)
        return list(self.filter(tree).order_by("pk").values_list("pk", flat=True))

    def ancestor_ids(self, region_id) -> list[int]:
        """The regions above the region, up to two levels (its parent and grandparent)."""
        row = self.filter(pk=region_id).values_list("parent_id", "parent__parent_id").first()
        return [pk for pk in (row or ()) if pk is not None]

    def subtree(self, region):
        return self.filter(pk__in=self.model.objects.subtree_ids(region.pk))


class ProjectQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Status.ACTIVE)

    def counted(self):
        """Projects that count in figures and rankings: everything but cancelled ones."""
        return self.exclude(status=Status.CANCELLED)

    def in_region(self, region):
        return self.filter(region__in=scope.subtree_ids(region))

    def major(self):
        return self.filter(is_major=True)

    def visible_to(self, user):
        return scope.scope_filter(self, user, "region")

    def with_month_figures(self, month: datetime.date):
        """Each project with its investment around ``month`` (a month's first day), read in the
        same query whatever the number of projects (one join, grouped by project):
        ``last_month`` (the month before's figure), ``ytd_before`` (months 1 to month − 1 of the
        year; 0 in January), ``month_amount`` and ``month_version`` (the month's own report, or
        None). The month-end grid shows them and investment_month_figures derives a month from a
        year-to-date total with ``ytd_before``."""
        previous = (month - datetime.timedelta(days=1)).replace(day=1)
        january = month.replace(month=1)

        def of(**lookups) -> Q:
            return Q(**{f"investment_reports__month__{lookup}": day for lookup, day in lookups.items()})

        amount = "investment_reports__amount"
        return self.annotate(
            last_month=Sum(amount, filter=of(exact=previous)),
            ytd_before=Sum(amount, filter=of(gte=january, lt=month), default=0),
            month_amount=Sum(amount, filter=of(exact=month)),
            month_version=Max("investment_reports__version", filter=of(exact=month)),
        )


class ProjectChildQuerySet(models.QuerySet):
    """For rows that belong to one project (transitions, investment reports)."""

    def in_region(self, region):
        return self.filter(project__region__in=scope.subtree_ids(region))

    def visible_to(self, user):
        return scope.scope_filter(self, user, "project__region")


class RegionChildQuerySet(models.QuerySet):
    """For rows that belong to one region (targets, parks, visits)."""

    def in_region(self, region):
        return self.filter(region__in=scope.subtree_ids(region))

    def visible_to(self, user):
        return scope.scope_filter(self, user, "region")
