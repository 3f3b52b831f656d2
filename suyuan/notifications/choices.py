from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("text message")  # 短信, through settings.SMS_BACKEND
    EMAIL = "email", _("e-mail")  # 电子邮件, through Django's e-mail framework (settings.EMAIL_BACKEND)


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("queued")  # waiting for the worker (first try or a retry)
    SENDING = "sending", _("sending")  # a worker has claimed it and is talking to the gateway
    SENT = "sent", _("sent")  # the gateway accepted it
    FAILED = "failed", _("failed")  # gave up after the last retry; an operator must look
