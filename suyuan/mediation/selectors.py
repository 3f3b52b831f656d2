"""Reads of mediation data. The matter itself is always reached through ``matters.access`` first."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from suyuan.matters.models import Matter
from suyuan.mediation.choices import SessionStatus
from suyuan.mediation.models import (
    Agreement,
    AgreementConfirmation,
    MediationExtension,
    MediationSession,
    Obligation,
)


def sessions_of(matter: Matter, *, include_cancelled: bool = True) -> QuerySet[MediationSession]:
    """Return the sessions of a matter the caller has already accessed, earliest first."""
    sessions = MediationSession.objects.filter(matter=matter).order_by("starts_at", "pk")
    if not include_cancelled:
        sessions = sessions.exclude(status=SessionStatus.CANCELLED)
    return sessions


def agreement_of(matter: Matter) -> Agreement | None:
    """Return the matter's agreement with its obligations and confirmations (three queries), or None."""
    return (
        Agreement.objects.filter(matter=matter)
        .select_related("recorded_by")
        .prefetch_related(
            Prefetch(
                "obligations",
                queryset=Obligation.objects.select_related("obligor").order_by("position", "pk"),
            ),
            Prefetch(
                "confirmations",
                queryset=AgreementConfirmation.objects.select_related("party", "confirmed_by").order_by(
                    "party__role", "party_id"
                ),
            ),
        )
        .first()
    )


def session_of(matter: Matter, session_id: int) -> MediationSession | None:
    return MediationSession.objects.filter(matter=matter, pk=session_id).first()


def obligation_of(matter: Matter, obligation_id: int) -> Obligation | None:
    return (
        Obligation.objects.filter(agreement__matter=matter, pk=obligation_id)
        .select_related("agreement__matter", "obligor")
        .first()
    )


def extension_of(matter: Matter) -> MediationExtension | None:
    """Return the extension of the matter's mediation period (the caller has accessed the matter), if any."""
    return MediationExtension.objects.filter(matter=matter).select_related("granted_by").first()
