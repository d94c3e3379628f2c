"""A project's admin page with what supervision knows of it: its five-one team, its problems
with their timelines, its milestones (read-only inlines; those records move on their own pages).

projects/ never imports supervision/, so the supervision app re-registers the project admin
with its inlines added."""

from django.contrib import admin

from projects.admin.records import ProjectAdmin as BaseProjectAdmin
from projects.models import Project
from supervision.admin.inlines import PROJECT_INLINES

admin.site.unregister(Project)


@admin.register(Project)
class ProjectAdmin(BaseProjectAdmin):
    project_inlines = [*BaseProjectAdmin.project_inlines, *PROJECT_INLINES]
