"""Background jobs of triage: take ids or names, call a service, safe to run twice."""

from __future__ import annotations

import logging

from django_tasks import task

from suyuan.triage import classifier, services

logger = logging.getLogger(__name__)


@task()
def triage_matter(matter_id: int) -> bool:
    """The first pass on a new matter; a repeat for a triaged matter does nothing."""
    return services.matter_triage(matter_id=matter_id) is not None


@task()
def train_model(name: str) -> str:
    """Train ``name`` on the deployment's labelled matters and promote the result if it is not worse.

    Not enough labels is the normal state of a young deployment, not a failure: it is logged and the
    current version stays.
    """
    try:
        trained = services.model_train_from_labels(name=name)
    except classifier.TrainingError as exc:
        logger.info("triage: %s not retrained: %s", name, exc)
        return "skipped"
    return f"v{trained.version.number} {'promoted' if trained.promoted else trained.version.status}"


@task()
def train_default_models() -> list[str]:
    """The periodic retraining of every deployment model."""
    return [train_model.call(name) for name in services.DEFAULT_MODELS]


@task()
def sweep_untriaged() -> int:
    """Enqueue the triage of recent matters that have none (an enqueue lost to a crash after commit)."""
    ids = services.untriaged_matter_ids()
    for matter_id in ids:
        triage_matter.enqueue(matter_id)
    return len(ids)


def enqueue_triage(matter_id: int) -> None:
    """Called after intake commits (see ``matters.hooks``)."""
    try:
        triage_matter.enqueue(matter_id)
    except Exception:
        # Intake has committed and the citizen has their code; triage is a help, never a reason to fail.
        logger.exception("triage: could not enqueue matter %s", matter_id)
