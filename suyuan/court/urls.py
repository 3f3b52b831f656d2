from suyuan.court.views import portal, staff

app_name = "court"

urlpatterns = [*staff.urlpatterns, *portal.urlpatterns]
