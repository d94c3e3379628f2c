"""The staff workspace of projects (browser UI), under /projects/."""

from django.urls import path

from . import views, views_forms

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("export.xlsx", views.project_export, name="export"),
    path("new/", views_forms.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views_forms.project_edit, name="edit"),
    path("<int:pk>/advance/", views_forms.project_advance, name="advance"),
    path("<int:pk>/revert/", views_forms.project_revert, name="revert"),
    path("<int:pk>/cancel/", views_forms.project_cancel, name="cancel"),
    path("<int:pk>/reactivate/", views_forms.project_reactivate, name="reactivate"),
    path("<int:pk>/investment/", views_forms.investment_report, name="investment"),
]
