"""Sign-in page of the browser UI.

django-axes counts failed sign-ins (settings AXES_*): Django's AuthenticationForm passes the
request to ``authenticate``, which is all axes needs. A locked-out attempt is still recorded by
axes (and restarts the cool-off); only what the user sees changes: the sign-in page again with
a plain explanation, instead of axes' bare text page.
"""

from django.conf import settings
from django.contrib.auth.views import LoginView


class SignInView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        if not getattr(self.request, "axes_locked_out", False):
            return super().form_invalid(form)
        cool_off = settings.AXES_COOLOFF_TIME
        context = self.get_context_data(
            form=form,
            locked_out=True,
            cool_off_minutes=int(cool_off.total_seconds() // 60) if cool_off else None,
        )
        response = self.render_to_response(context, status=429)
        # AxesMiddleware would replace this page with its own text page; the attempt is already
        # recorded, so the flag has done its work.
        self.request.axes_locked_out = False
        return response
