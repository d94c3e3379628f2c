"""The pages of the work (problems, service teams and logs, milestones, visits), mounted at the site
root with the ranking's pages under one namespace, "supervision" (zhaoqing_tracker/urls.py)."""

from django.urls import path

from supervision.problem_flow import MOVES
from supervision.views import problems as views_problems
from supervision.views import projects as views_projects
from supervision.views import visits as views_visits

app_name = "supervision"

urlpatterns = [
    path("problems/", views_problems.problem_list, name="problem_list"),
    path("problems/<int:pk>/", views_problems.problem_detail, name="problem_detail"),
    # One page per problem move (supervision/problem_flow.py), at the API's path of the move.
    *[
        path(
            f"problems/<int:pk>/{move.url_path}/",
            views_problems.problem_move,
            {"move": move.name},
            name=f"problem_{move.name}",
        )
        for move in MOVES.values()
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
]
