"""Keep the address index in step with regions saved or deleted one by one (the admin, tests)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from suyuan.regions import address
from suyuan.regions.models import Region


@receiver([post_save, post_delete], sender=Region, dispatch_uid="regions_invalidate_address_index")
def invalidate_address_index(sender: type[Region], **kwargs: Any) -> None:
    address.invalidate_index()
