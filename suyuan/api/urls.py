"""Assemble the HTTP API from each app's router."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from suyuan.accounts.api import router as accounts_router
from suyuan.accounts.api_auth import StaffSessionAuth, TokenAuth
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.regions.api import router as regions_router

api = NinjaAPI(
    title="Suyuan API",
    version="1",
    description="诉源 Suyuan: one front door for disputes. Sign in through the browser (session) or send "
    "`Authorization: Bearer <token>`.",
    auth=[TokenAuth(), StaffSessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(NotFound)
def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(Forbidden)
def forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc.message)}, status=403)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: list[dict[str, str | None]]
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": name, "code": e.code or "invalid", "message": str(e.message % (e.params or {}))}
            for name, errs in exc.error_dict.items()
            for e in errs
        ]
    else:
        errors = [
            {"field": None, "code": e.code or "invalid", "message": str(e.message % (e.params or {}))}
            for e in exc.error_list
        ]
    return api.create_response(request, {"detail": errors}, status=422)


api.add_router("/regions", regions_router)
api.add_router("/", accounts_router)
