from django.urls import path

from suyuan.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.staff_login, name="staff_login"),
    path("second-factor/", views.second_factor, name="second_factor"),
]
