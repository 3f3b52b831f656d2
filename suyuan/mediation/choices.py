from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("in person")  # at a place: the committee's room, the village hall, on site
    PHONE = "phone", _("by phone")  # the mediator calls the parties (or a conference call)
    VIDEO = "video", _("video call")  # a link the parties open on their phones
    TEXT = "text", _("in writing")  # messages exchanged on the matter's page, asynchronously


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")  # planned; the parties were told when and how
    HELD = "held", _("held")  # took place; its record (笔录) is kept
    CANCELLED = "cancelled", _("cancelled")  # called off, with a reason the parties were told


class AgreementStatus(models.TextChoices):
    AWAITING = "awaiting", _("awaiting confirmation")  # recorded; not every party has confirmed yet
    EFFECTIVE = "effective", _("in effect")  # every party confirmed it; the obligations run
    PERFORMED = "performed", _("performed")  # every obligation was performed (final)
    BREACHED = "breached", _("not performed")  # an obligation was not performed; a follow-up is open


class ObligationStatus(models.TextChoices):
    PENDING = "pending", _("pending")  # not due yet, or due and not reported
    PERFORMED = "performed", _("performed")  # done, as a party or the mediator reported
    BREACHED = "breached", _("not performed")  # not done by its due date, as reported


class ConfirmationMethod(models.TextChoices):
    CODE = "code", _("one-time code")  # the party typed the code texted to their phone
    IN_PERSON = "in_person", _("in person")  # the party signed before the mediator, who recorded why


class ReminderKind(models.TextChoices):
    BEFORE = "before", _("before the due date")  # a few days ahead, to both sides
    DUE_DAY = "due_day", _("on the due date")  # on the day, to both sides
    ASK = "ask", _("asked whether it was performed")  # after the due date, to the applicant


class FollowUpRoute(models.TextChoices):
    """What the parties may do once an agreement is not kept (shown to them when a follow-up opens)."""

    RENEWED_MEDIATION = "renewed_mediation", _("mediate again")  # 再次调解
    JUDICIAL_CONFIRMATION = "judicial_confirmation", _("judicial confirmation")  # 司法确认 by the court
    COURT = "court", _("go to court")  # 起诉
