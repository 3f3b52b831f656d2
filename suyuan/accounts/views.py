from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def staff_login(request: HttpRequest) -> HttpResponse:
    return render(request, "web/error.html", {"title": "login"})


def second_factor(request: HttpRequest) -> HttpResponse:
    return render(request, "web/error.html", {"title": "second factor"})


def lockout_response(request: HttpRequest, credentials: dict, *args, **kwargs) -> HttpResponse:
    return render(request, "web/error.html", {"title": "locked"}, status=429)
