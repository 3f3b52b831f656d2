from django.db import models
from django.utils import timezone

from suyuan.core.fields import EncryptedTextField


class DevSmsMessage(models.Model):
    """A text message the development backend "sent": shown on a page that exists only with DEBUG on."""

    phone = EncryptedTextField()
    body = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"SMS {self.pk} ({self.created_at:%Y-%m-%d %H:%M})"
