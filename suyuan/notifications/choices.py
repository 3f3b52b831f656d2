from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("text message")  # 短信


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("queued")  # waiting for the worker (first try or a retry)
    SENDING = "sending", _("sending")  # a worker has claimed it and is talking to the gateway
    SENT = "sent", _("sent")  # the gateway accepted it
    FAILED = "failed", _("failed")  # gave up after the last retry; an operator must look
