"""Court staff's pages: the docking window queue, the case page and its commands, referral from a matter."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path


def case_page(request: HttpRequest, case_id: int) -> HttpResponse:  # built next
    raise Http404


def deliveries(request: HttpRequest) -> HttpResponse:  # built next
    raise Http404


urlpatterns = [
    path("staff/court/cases/<int:case_id>/", case_page, name="case"),
    path("staff/court/deliveries/", deliveries, name="deliveries"),
]
