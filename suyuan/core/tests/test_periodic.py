from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks import task

from suyuan.core import periodic
from suyuan.core.models import PeriodicRun

RUNS: list[str] = []


@task()
def record_run() -> None:
    RUNS.append("ran")


@pytest.fixture
def job():
    RUNS.clear()
    saved = dict(periodic._JOBS)
    periodic._JOBS.clear()
    periodic.register("test.job", every=timedelta(minutes=5), task=record_run)
    yield
    periodic._JOBS.clear()
    periodic._JOBS.update(saved)


@pytest.mark.django_db
def test_a_job_runs_once_per_period_however_often_the_clock_ticks(job):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert periodic.tick() == ["test.job"]
        assert periodic.tick() == []
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        assert periodic.tick() == []
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        assert periodic.tick() == ["test.job"]
    assert RUNS == ["ran", "ran"]
    assert PeriodicRun.objects.get(name="test.job").last_started_at == start + timedelta(minutes=5)


@pytest.mark.django_db
def test_two_clocks_claim_a_period_once(job, monkeypatch):
    now = timezone.now()
    run = PeriodicRun.objects.create(name="test.job", last_started_at=now - timedelta(hours=1))
    stale = PeriodicRun.objects.get(pk=run.pk)  # what a second clock read before the first one claimed
    assert periodic._claim(periodic._JOBS["test.job"], now) is True
    assert periodic._claim(periodic._JOBS["test.job"], now) is False  # the period is taken
    # The second clock acts on its stale row: its conditional update finds nothing to claim.
    monkeypatch.setattr(PeriodicRun.objects, "get_or_create", lambda **kwargs: (stale, False))
    assert periodic._claim(periodic._JOBS["test.job"], now + timedelta(minutes=10)) is False
    assert PeriodicRun.objects.get(pk=run.pk).last_started_at == now


@pytest.mark.django_db
def test_the_clock_command_checks_once(job, capsys):
    call_command("clock", "--once")
    out = capsys.readouterr().out
    assert "test.job (every 0:05:00)" in out
    assert "started test.job" in out
    assert RUNS == ["ran"]


def test_every_app_job_is_registered():
    names = {j.name for j in periodic.jobs()}
    assert "notifications.sweep_outbox" in names
