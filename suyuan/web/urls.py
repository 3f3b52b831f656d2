from django.urls import path

from suyuan.web import views

app_name = "web"

urlpatterns = [
    path("", views.portal_home, name="portal_home"),
    path("privacy/", views.privacy, name="privacy"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/organizations/", views.organization_list, name="organization_list"),
    path("staff/organizations/<int:organization_id>/", views.organization_detail, name="organization_detail"),
    path("staff/people/<int:person_id>/", views.person_detail, name="person_detail"),
    path("staff/people/<int:person_id>/reveal/", views.person_reveal, name="person_reveal"),
    path("staff/audit/", views.audit_log, name="audit_log"),
]
