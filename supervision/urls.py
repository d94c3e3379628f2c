"""The supervision pages, mounted at the site root (zhaoqing_tracker/urls.py)."""

from django.urls import path

from . import views_bulletins, views_dashboard, views_problems, views_projects, views_visits

app_name = "supervision"

MOVE_PATHS = {
    "assign": "assign/",
    "resolve": "resolve/",
    "verify": "verify/",
    "reopen": "reopen/",
    "extend": "extend/",
    "decide_extension": "extend/decide/",
}

urlpatterns = [
    path("problems/", views_problems.problem_list, name="problem_list"),
    path("problems/<int:pk>/", views_problems.problem_detail, name="problem_detail"),
    *[
        path(
            f"problems/<int:pk>/{suffix}",
            views_problems.problem_move,
            {"move": move},
            name=f"problem_{move}",
        )
        for move, suffix in MOVE_PATHS.items()
    ],
    path("projects/<int:project_id>/problems/new/", views_problems.problem_raise, name="problem_raise"),
    path(
        "projects/<int:project_id>/service-logs/new/",
        views_projects.service_log_create,
        name="service_log_create",
    ),
    path("projects/<int:project_id>/milestones/plan/", views_projects.milestone_plan, name="milestone_plan"),
    path("projects/<int:project_id>/milestones/save/", views_projects.milestone_save, name="milestone_save"),
    path(
        "projects/<int:project_id>/milestones/generate/",
        views_projects.milestone_plan_generate,
        name="milestone_plan_generate",
    ),
    path(
        "projects/<int:project_id>/service-team/", views_projects.service_team_edit, name="service_team_edit"
    ),
    path("visits/", views_visits.visit_list, name="visit_list"),
    path("visits/new/", views_visits.visit_record, name="visit_record"),
    # The leaders' pages: the dashboard (also the site's home page), a region, bulletins.
    path("", views_dashboard.dashboard, name="dashboard"),
    path("dashboard/without-team/", views_dashboard.projects_without_team, name="projects_without_team"),
    path("regions/<str:code>/", views_dashboard.region_detail, name="region"),
    path("bulletins/", views_bulletins.bulletin_list, name="bulletin_list"),
    path("bulletins/generate/", views_bulletins.bulletin_generate, name="bulletin_generate"),
    path("bulletins/<int:pk>/", views_bulletins.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/publish/", views_bulletins.bulletin_publish, name="bulletin_publish"),
    path("bulletins/<int:pk>/correct/", views_bulletins.bulletin_correct, name="bulletin_correct"),
]
