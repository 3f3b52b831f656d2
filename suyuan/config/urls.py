from django.contrib import admin
from django.urls import include, path

from suyuan.api.urls import api
from suyuan.web.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("accounts/", include("suyuan.accounts.urls")),
    path("admin/", admin.site.urls),
    path("staff/supervision/", include("suyuan.supervision.urls")),
    path("", include("suyuan.mediation.urls")),
    path("", include("suyuan.matters.urls")),
    path("", include("suyuan.notifications.urls")),
    path("", include("suyuan.web.urls")),
]
