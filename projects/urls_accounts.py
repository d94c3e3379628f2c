"""Sign-in and sign-out of the browser UI, under /accounts/ (names "login" and "logout")."""

from django.contrib.auth import views as auth_views
from django.urls import path

from projects.views.auth import SignInView

urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    # POST only (Django's LogoutView): a link or an image cannot sign anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
