"""Assemble the HTTP API from each app's router."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja import errors as ninja_errors

from suyuan.accounts.api import router as accounts_router
from suyuan.accounts.api_auth import StaffSessionAuth, TokenAuth
from suyuan.api import errors
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.court.api import router as court_router
from suyuan.matters.api import categories_router as matters_categories_router
from suyuan.matters.api import router as matters_router
from suyuan.matters.services import StaleMatter
from suyuan.matters.transitions import IllegalTransition
from suyuan.mediation.api import router as mediation_router
from suyuan.notifications.api import router as notifications_router
from suyuan.regions.api import router as regions_router
from suyuan.supervision.api import router as supervision_router
from suyuan.triage.api import router as triage_router

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


@api.exception_handler(IllegalTransition)
def illegal_transition(request: HttpRequest, exc: IllegalTransition) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message, "code": "illegal_transition"}, status=409)


@api.exception_handler(StaleMatter)
def stale_matter(request: HttpRequest, exc: StaleMatter) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc.message), "code": "stale"}, status=409)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": errors.domain_errors(exc)}, status=422)


@api.exception_handler(ninja_errors.ValidationError)
def invalid_schema(request: HttpRequest, exc: ninja_errors.ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": errors.schema_errors(list(exc.errors))}, status=422)


@api.exception_handler(ninja_errors.HttpError)
def http_error(request: HttpRequest, exc: ninja_errors.HttpError) -> HttpResponse:
    """Answer the framework's own refusals (unparseable body, no credentials, …) in the user's language."""
    if exc.status_code == 400 and str(exc.message).startswith("Cannot parse request body"):
        detail = errors.unparseable_body()
        return api.create_response(request, {"detail": detail}, status=400)
    # The framework's own English defaults are replaced; a message a router chose (already translated) stays.
    message = str(exc.message)
    if message in errors.FRAMEWORK_MESSAGES:
        message = errors.http_status_message(exc.status_code)
    return api.create_response(request, {"detail": message}, status=exc.status_code)


api.add_router("/regions", regions_router)
api.add_router("/matters", matters_router)
api.add_router("/categories", matters_categories_router)
api.add_router("/notifications", notifications_router)
api.add_router("/supervision", supervision_router)
api.add_router("/mediation", mediation_router)
api.add_router("/court", court_router)
api.add_router("/triage", triage_router)
api.add_router("/", accounts_router)
