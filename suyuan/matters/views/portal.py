"""Citizen portal pages for matters: file, my matters, a matter's timeline, status check by code and phone."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
