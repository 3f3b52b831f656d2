"""Keep the calendar cache right whatever writes the calendar: the services, the admin, a shell."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from suyuan.workdays.models import CalendarDay, CalendarYear
from suyuan.workdays.selectors import calendar_changed


@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
@receiver(post_save, sender=CalendarYear)
@receiver(post_delete, sender=CalendarYear)
def forget_cached_calendar(sender: type, **kwargs: Any) -> None:
    calendar_changed()
