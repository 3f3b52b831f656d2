import pytest
from django.utils import timezone

from suyuan.core import memo
from suyuan.core.models import PeriodicRun


def test_a_memo_computes_once_until_it_expires(monkeypatch):
    calls = []
    now = [1000.0]
    monkeypatch.setattr(memo, "_clock", lambda: now[0])

    def compute() -> int:
        calls.append(1)
        return len(calls)

    m = memo.Memo(compute, ttl=60)
    assert m.get() == 1
    assert m.get() == 1
    now[0] += 59
    assert m.get() == 1
    now[0] += 2
    assert m.get() == 2


def test_a_clear_while_computing_keeps_nothing_stale():
    box: list[memo.Memo[int]] = []
    values = iter([1, 2])

    def compute() -> int:
        value = next(values)
        if value == 1:
            box[0].clear()  # a write happened while the old rows were being read
        return value

    m = memo.Memo(compute, ttl=60)
    box.append(m)
    assert m.get() == 1  # used once by the caller that read it ...
    assert m.get() == 2  # ... but not kept


@pytest.mark.django_db(transaction=True)
def test_a_write_clears_the_memo_at_once_and_on_commit():
    m = memo.Memo(lambda: PeriodicRun.objects.count(), ttl=3600).clear_on_write(PeriodicRun)
    before = m.get()
    PeriodicRun.objects.create(name="test.memo", last_started_at=timezone.now())
    assert m.get() == before + 1
