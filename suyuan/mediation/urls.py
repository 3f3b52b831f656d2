from suyuan.mediation.views import urlpatterns as urlpatterns

app_name = "mediation"
