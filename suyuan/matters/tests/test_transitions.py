"""The transition table, exhaustively: every command from every status is either the table's move or refused."""

import pytest

from suyuan.matters.choices import FINAL_STATUSES, MatterStatus
from suyuan.matters.transitions import TRANSITIONS, Command, IllegalTransition, allowed_commands, can, target

EXPECTED = {
    # (command, from): to — written out by hand, independently of the table, so a change to either shows.
    ("accept", "submitted"): "accepted",
    ("decline", "submitted"): "declined",
    ("merge", "submitted"): "merged",
    ("merge", "accepted"): "merged",
    ("merge", "assigned"): "merged",
    ("assign", "accepted"): "assigned",
    ("assign", "assigned"): "assigned",
    ("assign", "in_mediation"): "in_mediation",
    ("escalate", "accepted"): "accepted",
    ("escalate", "assigned"): "accepted",
    ("escalate", "in_mediation"): "accepted",
    ("start_mediation", "assigned"): "in_mediation",
    ("record_agreement", "in_mediation"): "resolved",
    ("record_failure", "in_mediation"): "unresolved",
    ("withdraw", "submitted"): "withdrawn",
    ("withdraw", "accepted"): "withdrawn",
    ("withdraw", "assigned"): "withdrawn",
    ("withdraw", "in_mediation"): "withdrawn",
    ("close", "resolved"): "closed",
    ("close", "unresolved"): "closed",
    # the court side (given by the court app)
    ("refer_to_court", "submitted"): "in_court",
    ("refer_to_court", "unresolved"): "in_court",
    ("refer_to_court", "resolved"): "in_court",
    ("refer_to_court", "closed"): "in_court",
    ("court_concluded", "in_court"): "closed",
    ("court_settled", "in_court"): "resolved",
}


@pytest.mark.parametrize("command", list(Command))
@pytest.mark.parametrize("status", list(MatterStatus))
def test_every_command_from_every_status(command, status):
    expected = EXPECTED.get((command.value, status.value))
    if expected is None:
        assert not can(command, status)
        with pytest.raises(IllegalTransition) as info:
            target(command, status)
        assert info.value.command == command and info.value.status == status
    else:
        assert can(command, status)
        assert target(command, status) == expected


def test_the_table_has_nothing_beyond_the_expected_moves():
    moves = {(command, source) for command, table in TRANSITIONS.items() for source in table}
    assert moves == set(EXPECTED)


@pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
def test_nothing_leaves_a_final_status(status):
    # except a closed matter going to court: its agreement to be confirmed, or broken after closing
    expected = ["refer_to_court"] if status == MatterStatus.CLOSED else []
    assert allowed_commands(status) == expected


def test_the_refusal_names_status_and_command_in_the_users_language():
    from django.utils import translation

    with translation.override("en"):
        message = IllegalTransition("accept", "closed").message
    assert "closed" in message and "accept" in message
