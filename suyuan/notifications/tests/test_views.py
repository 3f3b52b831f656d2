"""The inbox pages, the unread badge in the layouts, and the development outbox page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from suyuan.notifications import services
from suyuan.notifications.models import DevEmailMessage, DevSmsMessage, Notification
from suyuan.notifications.tests.people import citizen, operator, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _notify(user, title: str = "Matter accepted", link: str = "/matters/mine/") -> Notification:
    return services.notify(user=user, title=title, body="Body", link=link, purpose="notice", sms=False)


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="notification" data-id="(\d+)"', html)]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/notifications/"), ("get", "/notifications/1/"), ("post", "/notifications/read-all/")],
)
def test_anonymous_visitors_are_sent_to_sign_in(method, path):
    response = getattr(Client(), method)(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/citizen/?next=")


@pytest.mark.parametrize("who", ["citizen", "operator"])
def test_each_user_sees_their_own_notifications_newest_first_unread_highlighted(who):
    user = citizen() if who == "citizen" else operator()
    other = citizen("other", phone="13800000002")
    older, newer = _notify(user, "older"), _notify(user, "newer")
    services.notification_read(notification_id=older.pk, actor=user)
    hidden = _notify(other, "someone else's")

    html = signed_in(user).get("/notifications/").content.decode()

    assert _ids(html) == [newer.pk, older.pk]
    assert f'data-id="{newer.pk}" data-unread="1"' in html
    assert f'data-id="{older.pk}" data-unread="0"' in html
    assert "someone else" not in html and hidden.pk not in _ids(html)
    assert 'data-testid="nav-inbox"' in html


def test_staff_see_the_inbox_in_the_workbench_and_citizens_in_the_portal():
    staff_html = signed_in(operator()).get("/notifications/").content.decode()
    citizen_html = signed_in(citizen()).get("/notifications/").content.decode()

    assert 'class="staff"' in staff_html and 'class="portal"' not in staff_html
    assert 'class="portal"' in citizen_html and 'data-testid="nav-mine"' in citizen_html


def test_the_unread_filter_lists_only_unread_notifications():
    user = citizen()
    read, unread = _notify(user), _notify(user)
    services.notification_read(notification_id=read.pk, actor=user)

    html = signed_in(user).get("/notifications/?unread=1").content.decode()

    assert _ids(html) == [unread.pk]


def test_the_inbox_pages_twenty_at_a_time():
    user = citizen()
    for i in range(25):
        _notify(user, f"notice {i}")
    client = signed_in(user)

    first = client.get("/notifications/").content.decode()
    second = client.get("/notifications/?page=2").content.decode()

    assert len(_ids(first)) == 20 and len(_ids(second)) == 5
    assert set(_ids(first)).isdisjoint(_ids(second))


def test_the_inbox_needs_the_same_queries_for_many_notifications_as_for_few():
    user = citizen()
    client = signed_in(user)
    _notify(user)
    client.get("/notifications/")  # warm up per-process caches

    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/")
    for _ in range(19):
        _notify(user)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/notifications/")

    assert len(_ids(response.content.decode())) == 20
    assert len(many) == len(few)
    assert len(many) <= 12


def test_opening_a_notification_marks_it_read_and_follows_its_link():
    user = citizen()
    notification = _notify(user, link="/matters/mine/?tab=open")

    response = signed_in(user).get(f"/notifications/{notification.pk}/")

    assert (response.status_code, response["Location"]) == (302, "/matters/mine/?tab=open")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_someone_elses_notification_is_not_found_and_leaves_it_unread():
    mine, theirs = citizen(), citizen("other", phone="13800000002")
    notification = _notify(theirs)

    response = signed_in(mine).get(f"/notifications/{notification.pk}/")

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/", "/\\evil.example", ""])
def test_a_link_off_the_site_is_never_followed(link):
    user = citizen()
    # Written past notify(), which refuses such links, as an old or tampered row would be.
    notification = Notification.objects.create(recipient=user, title="t", link=link, purpose="notice")

    response = signed_in(user).get(f"/notifications/{notification.pk}/")

    assert (response.status_code, response["Location"]) == (302, "/notifications/")


def test_mark_all_read_marks_only_the_viewers_notifications():
    user, other = citizen(), citizen("other", phone="13800000002")
    for _ in range(3):
        _notify(user)
    _notify(other)
    client = signed_in(user)

    assert client.get("/notifications/read-all/").status_code == 405
    response = client.post("/notifications/read-all/")

    assert (response.status_code, response["Location"]) == (302, "/notifications/")
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1


def test_the_badge_counts_the_viewers_unread_notifications():
    user, other = citizen(), citizen("other", phone="13800000002")
    _notify(user), _notify(user), _notify(other)
    client = signed_in(user)

    badge = client.get("/notifications/badge/")
    assert badge.status_code == 200
    assert re.search(r'data-testid="nav-inbox-unread"[^>]*>2<', badge.content.decode())
    assert "no-cache" in badge["Cache-Control"] or "max-age=0" in badge["Cache-Control"]

    client.post("/notifications/read-all/")
    assert client.get("/notifications/badge/").content.decode().strip() == ""
    assert Client().get("/notifications/badge/").content.decode().strip() == ""


def test_the_layouts_load_the_badge_on_load_and_every_minute_for_signed_in_users():
    portal = signed_in(citizen()).get("/").content.decode()
    workbench = signed_in(operator()).get("/staff/").content.decode()
    anonymous = Client().get("/").content.decode()

    for html in (portal, workbench):
        assert html.count('data-testid="nav-inbox"') == 1
        assert 'hx-get="/notifications/badge/" hx-trigger="load, every 60s"' in html
    assert 'data-testid="nav-inbox"' not in anonymous


def test_a_user_who_owes_a_second_factor_is_sent_there_without_an_inbox_link():
    client = signed_in(operator(), second_factor=False)

    response = client.get("/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/second-factor/")
    page = client.get(response["Location"])
    # The second-factor page must not poll the badge: the answer would send the page to itself again.
    assert page.status_code == 200 and 'data-testid="nav-inbox"' not in page.content.decode()


def test_the_development_outbox_shows_text_messages_and_e_mails(client, settings):
    settings.DEBUG = True
    DevSmsMessage.objects.create(reference="sy-1", phone="13800138000", body="code 123456")
    DevEmailMessage.objects.create(message_id="<sy-2@x>", to="li@example.cn", subject="Accepted", body="Hi")

    html = client.get("/dev/sms/").content.decode()

    assert 'data-testid="dev-sms"' in html and "code 123456" in html
    assert 'data-testid="dev-email"' in html and "Accepted" in html and "li@example.cn" in html
    assert client.get("/dev/outbox/").status_code == 200


def test_the_development_outbox_does_not_exist_without_debug(client, settings):
    settings.DEBUG = False
    DevEmailMessage.objects.create(message_id="<sy-2@x>", to="li@example.cn", subject="Secret", body="Hi")

    response = client.get("/dev/outbox/")

    assert response.status_code == 404 and b"Secret" not in response.content
