from suyuan.matters.views import portal, staff

app_name = "matters"

urlpatterns = [*portal.urlpatterns, *staff.urlpatterns]
