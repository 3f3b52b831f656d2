from django.urls import path

from suyuan.analytics.report_views import report_view
from suyuan.analytics.views import app_name
from suyuan.analytics.views import urlpatterns as figure_urlpatterns

urlpatterns = [*figure_urlpatterns, path("report.pdf", report_view, name="report")]

__all__ = ["app_name", "urlpatterns"]
