from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderSubject(models.TextChoices):
    """What an order is about."""

    MATTER = "matter", _("matter")  # one matter (the order's ``matter``)
    GROUP = "group", _("a group of matters")  # a group dispute (the order's ``group``)
    # An early-warning alert about a place (the order's ``region``); the alert links to the order.
    ALERT = "alert", _("an early-warning alert")


class OrderOrigin(models.TextChoices):
    AUTOMATIC = (
        "automatic",
        _("automatic, stage overdue"),
    )  # raised by the sweep when a stage's deadline passed
    ISSUED = "issued", _("issued by a supervisor")  # issued by hand by a supervisor


class OrderStatus(models.TextChoices):
    OPEN = "open", _("open")  # waiting for the responding organisation's answer
    ANSWERED = "answered", _("answered")  # answered; waiting for the issuing level to clear it
    CLEARED = "cleared", _("cleared")  # the issuing level (or one above) accepted the answer (final)
    ESCALATED = (
        "escalated",
        _("escalated"),
    )  # not answered in time: replaced by an order from one level up (final)


# Orders still waiting for someone: the responding organisation (open) or the issuing level (answered).
PENDING_STATUSES = frozenset({OrderStatus.OPEN, OrderStatus.ANSWERED})
FINAL_STATUSES = frozenset({OrderStatus.CLEARED, OrderStatus.ESCALATED})


class Box:
    """The lists of the supervision page."""

    TO_ANSWER = "to_answer"  # addressed to one of my organisations (or a matter I mediate)
    ISSUED = "issued"  # issued by one of my organisations
    ALL = "all"  # every order I may see


class Filter:
    """The status filters of the supervision page and API."""

    OPEN = "open"  # waiting for an answer (overdue ones included)
    OVERDUE = "overdue"  # open, answer due time passed
    ANSWERED = "answered"
    CLEARED = "cleared"
    ESCALATED = "escalated"
    ALL = "all"
