"""Write lines of the append-only audit log."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from suyuan.accounts.models import AuditEvent, User
from suyuan.core.middleware import request_id_var


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR is what the proxy in front of us saw; deploy/ configures the proxy to set it.
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    kind: str,
    *,
    actor: User | Any | None = None,
    request: HttpRequest | None = None,
    attempted_username: str = "",
    target: str = "",
    field: str = "",
    reason: str = "",
) -> AuditEvent:
    """Append one audit event; ``actor`` may be anonymous (failed sign-ins)."""
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor if (actor is not None and getattr(actor, "is_authenticated", False)) else None,
        attempted_username=attempted_username[:64],
        target=target[:100],
        field=field[:50],
        reason=reason[:300],
        ip_address=client_ip(request),
        user_agent=(request.headers.get("User-Agent", "")[:300] if request is not None else ""),
        request_id=request_id_var.get() if request_id_var.get() != "-" else "",
    )


def target_of(obj: Any) -> str:
    """Return ``app_label.model:pk`` for an object, the form audit targets take."""
    return f"{obj._meta.label_lower}:{obj.pk}"
