"""Background work of the figures: refresh the facts of matters whose events changed, sweep lost ones."""

from __future__ import annotations

import logging

from django_tasks import task

from suyuan.analytics import alerts, services

logger = logging.getLogger(__name__)


@task()
def refresh_facts(matter_ids: list[int]) -> int:
    return services.facts_refresh(matter_ids=matter_ids)


@task()
def sweep_stale_facts() -> int:
    stale = services.stale_matter_ids()
    if stale:
        logger.info("analytics: refreshing %d matters whose figures were behind their events", len(stale))
    return services.facts_refresh(matter_ids=stale)


def enqueue_refresh(matter_id: int) -> None:
    """Called after a commit that wrote an event the figures count (see ``matters.hooks``)."""
    try:
        refresh_facts.enqueue([matter_id])
    except Exception:
        # The command has committed; the figures catch up with the sweep. Never a reason to fail.
        logger.exception("analytics: could not enqueue the refresh of matter %s", matter_id)


@task()
def detect_alerts() -> int:
    report = alerts.alerts_detect()
    logger.info(
        "analytics: alerts raised %d, updated %d, closed %d", report.raised, report.updated, report.closed
    )
    return report.raised
