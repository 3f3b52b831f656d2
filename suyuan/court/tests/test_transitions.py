"""The court case's transition table, exhaustively: every command from every status is the table's move
or refused."""

import pytest
from django.utils import translation

from suyuan.court.choices import CaseStatus
from suyuan.court.transitions import (
    TRANSITIONS,
    CaseCommand,
    IllegalCaseTransition,
    allowed_commands,
    can,
    target,
)

BEFORE_DECISION = ["docked", "pre_filing_mediation", "confirmation_review", "filing_review", "correction"]

# Written out by hand, independently of the table, so a change to either shows.
EXPECTED = {
    ("offer_mediation", "docked"): "pre_filing_mediation",
    ("offer_mediation", "filing_review"): "pre_filing_mediation",
    ("extend_mediation", "pre_filing_mediation"): "pre_filing_mediation",
    ("mediation_settled", "pre_filing_mediation"): "closed",
    ("mediation_failed", "pre_filing_mediation"): "docked",
    ("submit_complaint", "docked"): "filing_review",
    ("submit_complaint", "correction"): "filing_review",
    ("request_correction", "filing_review"): "correction",
    ("accept_filing", "filing_review"): "filed",
    ("refuse_filing", "filing_review"): "judgment",
    ("accept_confirmation", "docked"): "confirmation_review",
    ("rule_confirmation", "confirmation_review"): "closed",
    **{("assign_judge", s): s for s in [*BEFORE_DECISION, "filed", "hearing"]},
    ("schedule_hearing", "filed"): "hearing",
    ("schedule_hearing", "hearing"): "hearing",
    ("issue_decision", "filed"): "judgment",
    ("issue_decision", "hearing"): "judgment",
    ("record_appeal", "judgment"): "closed",
    ("close_effective", "judgment"): "closed",
    **{("withdraw", s): "closed" for s in [*BEFORE_DECISION, "filed", "hearing"]},
}


@pytest.mark.parametrize("command", list(CaseCommand))
@pytest.mark.parametrize("status", list(CaseStatus))
def test_every_command_from_every_status(command, status):
    expected = EXPECTED.get((command.value, status.value))
    if expected is None:
        assert not can(command, status)
        with pytest.raises(IllegalCaseTransition) as info:
            target(command, status)
        assert info.value.command == command and info.value.status == status
    else:
        assert can(command, status)
        assert target(command, status) == expected


def test_the_table_has_nothing_beyond_the_expected_moves():
    moves = {(command, source) for command, table in TRANSITIONS.items() for source in table}
    assert moves == set(EXPECTED)


def test_nothing_leaves_a_closed_case():
    assert allowed_commands(CaseStatus.CLOSED) == []


def test_every_status_but_closed_can_be_left():
    for status in CaseStatus:
        if status != CaseStatus.CLOSED:
            assert any(target(c, status) != status for c in allowed_commands(status)), status


def test_the_refusal_names_status_and_command_in_the_users_language():
    with translation.override("en"):
        message = IllegalCaseTransition("accept_filing", "closed").message
    assert "closed" in message and "accept the filing" in message
