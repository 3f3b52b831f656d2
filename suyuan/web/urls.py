from django.urls import path

from suyuan.web import views

app_name = "web"

urlpatterns = [
    path("", views.portal_home, name="portal_home"),
    path("privacy/", views.privacy, name="privacy"),
    path("staff/", views.staff_home, name="staff_home"),
]
