from django.urls import path

from suyuan.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/<int:notification_id>/", views.notification_open, name="open"),
    path("notifications/read-all/", views.read_all, name="read_all"),
    path("notifications/badge/", views.badge, name="badge"),
    # Development only (the view answers 404 without DEBUG): what the log backends "sent".
    path("dev/sms/", views.dev_outbox, name="dev_sms"),
    path("dev/outbox/", views.dev_outbox, name="dev_outbox"),
]
