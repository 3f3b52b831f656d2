"""Citizens' court pages: the online complaint, judicial confirmation, served documents, written rounds."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
