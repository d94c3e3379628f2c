"""Cross-model reads of the supervision app (house rule 6)."""

from django.db.models import Exists, OuterRef

from projects.models import Project
from supervision.models import ServiceTeam


def projects_without_complete_team(queryset=None):
    """Active projects with no five-one team, or a team missing a member, the unit or the plan."""
    projects = (queryset if queryset is not None else Project.objects.all()).active()
    complete = ServiceTeam.objects.complete().filter(project=OuterRef("pk"))
    return projects.filter(~Exists(complete))
