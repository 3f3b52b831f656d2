"""Staff workbench pages for matters: queues, the matter page and its commands, intake for walk-ins."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
