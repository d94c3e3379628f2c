"""The staff workspace of projects (browser UI), under /projects/."""

from django.urls import path

from projects.views import edits, monthly, pages

app_name = "projects"

urlpatterns = [
    path("", pages.project_list, name="list"),
    path("export.xlsx", pages.project_export, name="export"),
    path("monthly/", monthly.month_end, name="monthly"),
    path("monthly/export.xlsx", monthly.month_end_export, name="monthly_export"),
    path("new/", edits.project_create, name="create"),
    path("<int:pk>/", pages.project_detail, name="detail"),
    path("<int:pk>/edit/", edits.project_edit, name="edit"),
    path("<int:pk>/advance/", edits.project_advance, name="advance"),
    path("<int:pk>/revert/", edits.project_revert, name="revert"),
    path("<int:pk>/cancel/", edits.project_cancel, name="cancel"),
    path("<int:pk>/reactivate/", edits.project_reactivate, name="reactivate"),
    path("<int:pk>/investment/", edits.investment_report, name="investment"),
]
