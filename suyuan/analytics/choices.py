from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Stage(models.TextChoices):
    """Where a matter ended on the funnel (非诉挺前: the earlier, the better)."""

    CONSULTATION = "consultation", _("consultation")  # a question answered, nothing more needed
    MEDIATION = "mediation", _("mediation")  # an agreement (by a mediator of the platform)
    ADMINISTRATIVE = "administrative", _("authority")  # a request or petition answered, or 行政途径
    ARBITRATION = "arbitration", _("arbitration")  # mediation failed, the next route is arbitration
    COURT = "court", _("court")  # docked at a court (pre-filing mediation there counts here too)
    OTHER = "other", _("declined, withdrawn or guidance only")  # ended without a settlement route


class Measure(models.TextChoices):
    """What a rollup row counts. Each is defined on the figures' definitions page (``definitions.py``)."""

    RECEIVED = "received", _("received")  # on the day of receipt
    CONCLUDED = "concluded", _("concluded")  # on the day it ended; ``stage`` where, ``value`` days taken
    MEDIATION_SUCCEEDED = "mediation_succeeded", _("mediation succeeded")  # agreement recorded
    MEDIATION_FAILED = "mediation_failed", _("mediation failed")  # failure recorded
    OVERDUE = "overdue", _("concluded after a missed deadline")  # on the day it ended
    AGREEMENT_HONOURED = "agreement_honoured", _("agreement honoured")  # every obligation performed
    AGREEMENT_BROKEN = "agreement_broken", _("agreement broken")  # an obligation not performed
    RETURNED = "returned", _("came back within 180 days")  # on the new matter's day of receipt
    COURT_FILED = "court_filed", _("court case filed")  # on the day of filing
    RATED = "rated", _("rated")  # on the day of the rating; value = the score (1-5)


class AlertKind(models.TextChoices):
    """Why an alert was raised; every alert counts matters and never names or scores a person."""

    RISE = "rise", _("unusual rise")  # a category rose in a place beyond its own (seasonal) baseline
    GROUP = "group", _("group dispute")  # many matters against one counterparty or on one topic (triage)
    VIOLENCE = "violence", _("risk of violence")  # a matter whose words threaten violence or an extreme act
    OVERDUE = "overdue", _("overdue matters piling up")  # many overdue open matters in one township


class AlertStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert", "open")  # raised, nobody has looked yet
    ACKNOWLEDGED = "acknowledged", _("acknowledged")  # someone in the room took it (and maybe assigned it)
    DISMISSED = "dismissed", _("dismissed")  # judged not to need action, with a reason (final)
    CLOSED = "closed", _("no longer holds")  # the next detection no longer found it (final)


LIVE_ALERT_STATUSES = frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED})
