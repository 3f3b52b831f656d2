from suyuan.matters.views import documents, imports, portal, respondents, staff

app_name = "matters"

# Documents first: "staff/matters/<code>/documents/" would otherwise be read as a command.
urlpatterns = [
    *documents.urlpatterns,
    *portal.urlpatterns,
    *respondents.urlpatterns,
    *staff.urlpatterns,
    *imports.urlpatterns,
]
