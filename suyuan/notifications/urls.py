from django.urls import path

from suyuan.notifications import views

app_name = "notifications"

urlpatterns = [
    path("sms/", views.dev_sms_outbox, name="dev_sms"),
]
