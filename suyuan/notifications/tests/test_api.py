"""The notifications API: my notifications only, for every kind of signed-in caller."""

from __future__ import annotations

import pytest
from django.test import Client

from suyuan.notifications import services
from suyuan.notifications.models import Notification
from suyuan.notifications.tests.people import citizen, operator, signed_in

pytestmark = pytest.mark.django_db


def _notify(user, title: str = "t") -> Notification:
    return services.notify(
        user=user, title=title, body="b", link="/matters/mine/", purpose="notice", sms=False
    )


def test_anonymous_callers_are_refused():
    client = Client()

    assert client.get("/api/notifications").status_code == 401
    assert client.post("/api/notifications/read-all").status_code == 401


@pytest.mark.parametrize("who", ["citizen", "operator"])
def test_i_list_my_notifications_newest_first_and_filter_unread(who):
    me = citizen() if who == "citizen" else operator()
    older, newer = _notify(me, "older"), _notify(me, "newer")
    _notify(citizen("other", phone="13800000002"), "not mine")
    services.notification_read(notification_id=older.pk, actor=me)
    client = signed_in(me)

    everything = client.get("/api/notifications").json()
    unread = client.get("/api/notifications?unread=true").json()
    read = client.get("/api/notifications?unread=false").json()

    assert everything["count"] == 2
    assert [(n["id"], n["title"], n["unread"]) for n in everything["items"]] == [
        (newer.pk, "newer", True),
        (older.pk, "older", False),
    ]
    assert everything["items"][0]["link"] == "/matters/mine/"
    assert [n["id"] for n in unread["items"]] == [newer.pk]
    assert [n["id"] for n in read["items"]] == [older.pk]


def test_i_mark_one_of_mine_read_and_someone_elses_is_not_found():
    me, other = citizen(), citizen("other", phone="13800000002")
    mine, theirs = _notify(me), _notify(other)
    client = signed_in(me)

    response = client.post(f"/api/notifications/{mine.pk}/read")
    assert response.status_code == 200
    assert response.json()["unread"] is False and response.json()["read_at"]

    assert client.post(f"/api/notifications/{theirs.pk}/read").status_code == 404
    assert client.post("/api/notifications/999999/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_i_mark_all_mine_read():
    me, other = citizen(), citizen("other", phone="13800000002")
    _notify(me), _notify(me), _notify(other)

    response = signed_in(me).post("/api/notifications/read-all")

    assert response.json() == {"marked": 2, "unread": 0}
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1


def test_a_user_who_owes_a_second_factor_is_refused():
    client = signed_in(operator(), second_factor=False)

    assert client.get("/api/notifications").status_code == 403
