"""The court case's state machine: one table of every allowed move, and nothing else decides.

Each command is a service in ``court.services`` that names the statuses it may start from and where it
leads. A command outside the table raises ``IllegalCaseTransition`` (the API answers 409 with its message).

    docked ──offer mediation──▶ pre-filing mediation ──settled──▶ closed
      │  ╲                          │  ╲──failed──▶ docked / filing review
      │   ╲──complaint──▶ filing review ──correction──▶ correction ──complaint──▶ filing review
      │                     │  ╲──refuse──▶ judgment (ruling, appeal period) ──▶ closed
      │                     ╰──accept──▶ filed ──schedule──▶ hearing ──decide──▶ judgment ──▶ closed
      ╰──accept confirmation──▶ confirmation review ──rule──▶ closed
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from suyuan.court.choices import CaseStatus as S


class CaseCommand(models.TextChoices):
    OFFER_MEDIATION = "offer_mediation", _("start pre-filing mediation")  # 委派诉前调解
    EXTEND_MEDIATION = "extend_mediation", _("extend pre-filing mediation")
    MEDIATION_SETTLED = "mediation_settled", _("record the settlement")
    MEDIATION_FAILED = "mediation_failed", _("record that pre-filing mediation failed")
    SUBMIT_COMPLAINT = "submit_complaint", _("file the complaint")  # 提交起诉状 (again, after correction)
    REQUEST_CORRECTION = "request_correction", _("return for correction")  # 退回补正
    ACCEPT_FILING = "accept_filing", _("accept the filing")  # 立案
    REFUSE_FILING = "refuse_filing", _("refuse the filing")  # 裁定不予受理
    ACCEPT_CONFIRMATION = "accept_confirmation", _("accept the confirmation application")  # 受理司法确认
    RULE_CONFIRMATION = "rule_confirmation", _("rule on the confirmation")  # 裁定确认 / 驳回
    ASSIGN_JUDGE = "assign_judge", _("assign a judge")
    SCHEDULE_HEARING = "schedule_hearing", _("schedule a hearing")
    ISSUE_DECISION = "issue_decision", _("issue the judgment or ruling")
    RECORD_APPEAL = "record_appeal", _("record an appeal")
    CLOSE_EFFECTIVE = "close_effective", _("close: the decision is in effect")
    WITHDRAW = "withdraw", _("withdraw")  # 撤回起诉 / 撤回申请


_BEFORE_DECISION = (S.DOCKED, S.PRE_FILING_MEDIATION, S.CONFIRMATION_REVIEW, S.FILING_REVIEW, S.CORRECTION)

# command -> {from status: to status}
TRANSITIONS: dict[str, dict[str, str]] = {
    CaseCommand.OFFER_MEDIATION: {S.DOCKED: S.PRE_FILING_MEDIATION, S.FILING_REVIEW: S.PRE_FILING_MEDIATION},
    CaseCommand.EXTEND_MEDIATION: {S.PRE_FILING_MEDIATION: S.PRE_FILING_MEDIATION},
    CaseCommand.MEDIATION_SETTLED: {S.PRE_FILING_MEDIATION: S.CLOSED},
    # Back to the window; with a complaint on file, the filing review resumes at once (a second move).
    CaseCommand.MEDIATION_FAILED: {S.PRE_FILING_MEDIATION: S.DOCKED},
    CaseCommand.SUBMIT_COMPLAINT: {S.DOCKED: S.FILING_REVIEW, S.CORRECTION: S.FILING_REVIEW},
    CaseCommand.REQUEST_CORRECTION: {S.FILING_REVIEW: S.CORRECTION},
    CaseCommand.ACCEPT_FILING: {S.FILING_REVIEW: S.FILED},
    CaseCommand.REFUSE_FILING: {S.FILING_REVIEW: S.JUDGMENT},
    CaseCommand.ACCEPT_CONFIRMATION: {S.DOCKED: S.CONFIRMATION_REVIEW},
    CaseCommand.RULE_CONFIRMATION: {S.CONFIRMATION_REVIEW: S.CLOSED},
    CaseCommand.ASSIGN_JUDGE: {status: status for status in (*_BEFORE_DECISION, S.FILED, S.HEARING)},
    CaseCommand.SCHEDULE_HEARING: {S.FILED: S.HEARING, S.HEARING: S.HEARING},
    CaseCommand.ISSUE_DECISION: {S.FILED: S.JUDGMENT, S.HEARING: S.JUDGMENT},
    CaseCommand.RECORD_APPEAL: {S.JUDGMENT: S.CLOSED},
    CaseCommand.CLOSE_EFFECTIVE: {S.JUDGMENT: S.CLOSED},
    CaseCommand.WITHDRAW: dict.fromkeys((*_BEFORE_DECISION, S.FILED, S.HEARING), S.CLOSED),
}


class IllegalCaseTransition(Exception):
    """Raised when a command does not apply to a court case in its current status."""

    def __init__(self, command: str, status: str) -> None:
        self.command = command
        self.status = status
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return str(
            _("A court case that is “%(status)s” cannot be given the command “%(command)s”.")
            % {"status": S(self.status).label, "command": CaseCommand(self.command).label}
        )


def can(command: str, status: str) -> bool:
    return status in TRANSITIONS[command]


def target(command: str, status: str) -> str:
    """Return the status ``command`` leads to from ``status``, or raise ``IllegalCaseTransition``."""
    try:
        return TRANSITIONS[command][status]
    except KeyError:
        raise IllegalCaseTransition(command, status) from None


def allowed_commands(status: str) -> list[str]:
    """Return the commands that apply in ``status``, in table order."""
    return [command for command, moves in TRANSITIONS.items() if status in moves]
