from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, reverse

from suyuan.api.urls import api
from suyuan.web.health import healthz


def admin_login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """Send the admin site's sign-in to the staff sign-in: one way in, with its lockout, second factor and
    audit log, instead of Django's own form."""
    return redirect_to_login(request.GET.get("next") or "/admin/", login_url=reverse("accounts:staff_login"))


admin.site.login = admin_login  # type: ignore[method-assign]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("accounts/", include("suyuan.accounts.urls")),
    path("admin/", admin.site.urls),
    path("staff/supervision/", include("suyuan.supervision.urls")),
    path("staff/figures/", include("suyuan.analytics.urls")),
    path("staff/board/", include("suyuan.command.urls")),
    path("staff/emergency/", include("suyuan.emergency.urls")),
    path("", include("suyuan.court.urls")),
    path("", include("suyuan.triage.urls")),
    path("", include("suyuan.mediation.urls")),
    path("", include("suyuan.matters.urls")),
    path("", include("suyuan.notifications.urls")),
    path("", include("suyuan.web.urls")),
]
