from suyuan.matters.views import portal, respondents, staff

app_name = "matters"

urlpatterns = [*portal.urlpatterns, *respondents.urlpatterns, *staff.urlpatterns]
