from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from supervision import urls as work_urls
from supervision.ranking import urls as ranking_urls
from supervision.ranking.views.dashboard import dashboard

urlpatterns = [
    # The language switch posts here (django.views.i18n.set_language).
    path("i18n/", include("django.conf.urls.i18n")),
    # LocaleMiddleware picks the language from the cookie or the browser,
    # Chinese by default, so the admin keeps one URL in every language.
    path("admin/", admin.site.urls),
    path("api/v1/", include("projects.api.urls")),
    path("api/v1/", include("supervision.api.urls")),
    path("api/v1/", include("supervision.ranking.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script), not inline, and our
    # template links its stylesheet: the Content-Security-Policy runs no inline script or style.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    # The browser UI: sign-in (names "login", "logout") and the staff workspace of projects.
    path("accounts/", include("projects.urls_accounts")),
    path("projects/", include("projects.urls")),
    # The home page is the leaders' dashboard (also "supervision:dashboard").
    path("", dashboard, name="home"),
    # Browsers ask for /favicon.ico whatever the page says (the printable bulletin has no <link>).
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True)),
    # The work and the county race share the "supervision" namespace (supervision:dashboard, …).
    path("", include((work_urls.urlpatterns + ranking_urls.urlpatterns, "supervision"))),
]

# The page in the user's language; under /api/ the API's JSON error shape.
handler404 = "zhaoqing_tracker.api.errors.page_not_found"
handler500 = "zhaoqing_tracker.api.errors.server_error"
