"""The leaders' pages: the dashboard (also the site's home page), a region, bulletins. Mounted at
the site root with the work's pages under the "supervision" namespace (zhaoqing_tracker/urls.py)."""

from django.urls import path

from supervision.ranking.views import bulletins, dashboard

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("dashboard/without-team/", dashboard.projects_without_team, name="projects_without_team"),
    path("regions/<str:code>/", dashboard.region_detail, name="region"),
    path("bulletins/", bulletins.bulletin_list, name="bulletin_list"),
    path("bulletins/generate/", bulletins.bulletin_generate, name="bulletin_generate"),
    path("bulletins/<int:pk>/", bulletins.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/publish/", bulletins.bulletin_publish, name="bulletin_publish"),
    path("bulletins/<int:pk>/correct/", bulletins.bulletin_correct, name="bulletin_correct"),
]
