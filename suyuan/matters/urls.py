from suyuan.matters.views import imports, portal, staff

app_name = "matters"

urlpatterns = [*portal.urlpatterns, *staff.urlpatterns, *imports.urlpatterns]
