from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentKind(models.TextChoices):
    TYPHOON = "typhoon", _("typhoon")  # 台风
    FLOOD = "flood", _("flood")  # 洪水
    RAINSTORM = "rainstorm", _("rainstorm")  # 暴雨
    LANDSLIDE = "landslide", _("landslide")  # 地质灾害 (山体滑坡)
    FIRE = "fire", _("fire")  # 火灾
    OTHER = "other", _("other emergency")


class IncidentLevel(models.TextChoices):
    """The Chinese warning colours, lowest to highest (蓝 < 黄 < 橙 < 红)."""

    BLUE = "blue", _("blue (level IV)")  # 蓝色预警
    YELLOW = "yellow", _("yellow (level III)")  # 黄色预警
    ORANGE = "orange", _("orange (level II)")  # 橙色预警
    RED = "red", _("red (level I)")  # 红色预警


class IncidentStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    CLOSED = "closed", _("closed")


class TaskStatus(models.TextChoices):
    SENT = "sent", _("sent")  # waiting for the assigned organisation to acknowledge it
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    IN_PROGRESS = "in_progress", _("in progress")  # at least one progress report
    DONE = "done", _("done")  # final
    CANCELLED = "cancelled", _("cancelled")  # final


OPEN_TASK_STATUSES = frozenset({TaskStatus.SENT, TaskStatus.ACKNOWLEDGED, TaskStatus.IN_PROGRESS})
FINAL_TASK_STATUSES = frozenset({TaskStatus.DONE, TaskStatus.CANCELLED})


class IncidentEventKind(models.TextChoices):
    DECLARED = "declared", _("incident declared")
    REGION_ADDED = "region_added", _("region added")
    TASK_SENT = "task_sent", _("task sent")
    TASK_ACKNOWLEDGED = "task_acknowledged", _("task acknowledged")
    TASK_REPORTED = "task_reported", _("progress reported")
    TASK_DONE = "task_done", _("task done")
    TASK_CANCELLED = "task_cancelled", _("task cancelled")
    LEVEL_CHANGED = "level_changed", _("warning level changed")
    MATTER_TAGGED = "matter_tagged", _("dispute tagged")
    CLOSED = "closed", _("incident closed")
