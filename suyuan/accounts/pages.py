"""One decorator for HTML pages: who may open them, and the access layer's refusals as 404 and 403.

Services and selectors raise ``NotFound`` and ``Forbidden`` (``suyuan.core.exceptions``); a page answers
them as Django's 404 and 403 pages. ``page`` also requires a signed-in user (citizens are sent to the
citizen sign-in, everyone else to the staff sign-in), optionally staff, and optionally a role check with
the message shown when it fails.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from suyuan.accounts.access import require_staff
from suyuan.core.exceptions import Forbidden, NotFound

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

View = Callable[..., HttpResponseBase]


def page(
    *,
    staff: bool = False,
    allowed: Callable[[Actor], bool] | None = None,
    refusal: Any = None,
    login_url: str | None = None,
) -> Callable[[View], View]:
    """Return a decorator for views that need a signed-in user (``staff`` ones, ``allowed`` ones)."""

    def decorate(view: View) -> View:
        @login_required(login_url=login_url)
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                if staff:
                    require_staff(request.user)
                if allowed is not None and not allowed(request.user):
                    raise Forbidden(refusal)
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404 from None
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from None

        return wrapper

    return decorate
