"""The matter's state machine: one table of every allowed move, and nothing else decides.

Each command (a service in services.py) names the statuses it may start from and where it leads. A
command outside the table raises ``IllegalTransition`` (the API answers 409 with its message).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from suyuan.matters.choices import MatterStatus as S


class Command(models.TextChoices):
    ACCEPT = "accept", _("accept")  # 受理
    DECLINE = "decline", _("decline")  # 不予受理
    MERGE = "merge", _("merge into another matter")
    ASSIGN = "assign", _("assign")  # name the organisation and mediator (again: reassign)
    ESCALATE = "escalate", _("escalate")  # hand up to the parent organisation
    START_MEDIATION = "start_mediation", _("start mediation")
    RECORD_AGREEMENT = "record_agreement", _("record an agreement")
    RECORD_FAILURE = "record_failure", _("record that mediation failed")
    WITHDRAW = "withdraw", _("withdraw")
    CLOSE = "close", _("close")
    # The court side: the matter goes to a court (a referral, a filing, an agreement to confirm), and
    # comes back finished when the court case ends. The court app gives both commands.
    REFER_TO_COURT = "refer_to_court", _("take to court")
    COURT_CONCLUDED = "court_concluded", _("court case ended")
    COURT_SETTLED = "court_settled", _("settled in pre-filing mediation")


# command -> {from status: to status}
TRANSITIONS: dict[str, dict[str, str]] = {
    Command.ACCEPT: {S.SUBMITTED: S.ACCEPTED},
    Command.DECLINE: {S.SUBMITTED: S.DECLINED},
    Command.MERGE: {S.SUBMITTED: S.MERGED, S.ACCEPTED: S.MERGED, S.ASSIGNED: S.MERGED},
    Command.ASSIGN: {S.ACCEPTED: S.ASSIGNED, S.ASSIGNED: S.ASSIGNED, S.IN_MEDIATION: S.IN_MEDIATION},
    Command.ESCALATE: {S.ACCEPTED: S.ACCEPTED, S.ASSIGNED: S.ACCEPTED, S.IN_MEDIATION: S.ACCEPTED},
    Command.START_MEDIATION: {S.ASSIGNED: S.IN_MEDIATION},
    Command.RECORD_AGREEMENT: {S.IN_MEDIATION: S.RESOLVED},
    Command.RECORD_FAILURE: {S.IN_MEDIATION: S.UNRESOLVED},
    Command.WITHDRAW: {
        S.SUBMITTED: S.WITHDRAWN,
        S.ACCEPTED: S.WITHDRAWN,
        S.ASSIGNED: S.WITHDRAWN,
        S.IN_MEDIATION: S.WITHDRAWN,
    },
    Command.CLOSE: {S.RESOLVED: S.CLOSED, S.UNRESOLVED: S.CLOSED},
    # Straight from intake (a citizen files with the court), after mediation failed, or with an agreement
    # (to be confirmed, or not performed). A closed matter whose agreement was not kept may go too.
    Command.REFER_TO_COURT: {
        S.SUBMITTED: S.IN_COURT,
        S.UNRESOLVED: S.IN_COURT,
        S.RESOLVED: S.IN_COURT,
        S.CLOSED: S.IN_COURT,
    },
    Command.COURT_CONCLUDED: {S.IN_COURT: S.CLOSED},
    Command.COURT_SETTLED: {S.IN_COURT: S.RESOLVED},
}


class IllegalTransition(Exception):
    """Raised when a command does not apply to a matter in its current status."""

    def __init__(self, command: str, status: str) -> None:
        self.command = command
        self.status = status
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return str(
            _("A matter that is “%(status)s” cannot be given the command “%(command)s”.")
            % {"status": S(self.status).label, "command": Command(self.command).label}
        )


def can(command: str, status: str) -> bool:
    return status in TRANSITIONS[command]


def target(command: str, status: str) -> str:
    """Return the status ``command`` leads to from ``status``, or raise ``IllegalTransition``."""
    try:
        return TRANSITIONS[command][status]
    except KeyError:
        raise IllegalTransition(command, status) from None


def allowed_commands(status: str) -> list[str]:
    """Return the commands that apply in ``status``, in table order (what a matter page offers)."""
    return [command for command, moves in TRANSITIONS.items() if status in moves]
