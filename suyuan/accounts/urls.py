from django.urls import path

from suyuan.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.staff_login, name="staff_login"),
    path("logout/", views.sign_out, name="logout"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("citizen/", views.citizen_login, name="citizen_login"),
    path("citizen/code/", views.citizen_code, name="citizen_code"),
]
