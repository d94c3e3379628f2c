"""The staff workspace of projects (browser UI), under /projects/."""

from django.urls import path

from projects.views import edits, imports, monthly, pages

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
    # Ledger imports: upload, preview, confirm (projects/views/imports.py).
    path("imports/", imports.import_list, name="imports"),
    path("imports/new/", imports.import_new, name="import_new"),
    path("imports/export.xlsx", imports.import_export, name="imports_export"),
    path("imports/template/<str:kind>.xlsx", imports.import_template, name="import_template"),
    path("imports/<int:pk>/", imports.import_detail, name="import"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/mapping/", imports.import_mapping, name="import_mapping"),
    path("imports/<int:pk>/confirm/", imports.import_confirm_view, name="import_confirm"),
    path("imports/<int:pk>/file/", imports.import_file, name="import_file"),
]
