"""notify(): the in-app notification and its text message and e-mail, written in one transaction."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from suyuan.notifications import services
from suyuan.notifications.choices import Channel, MessageStatus
from suyuan.notifications.models import DevEmailMessage, Notification, OutboundMessage
from suyuan.notifications.tests.people import citizen

pytestmark = pytest.mark.django_db


def test_notify_writes_the_notice_and_delivers_a_text_message_and_an_e_mail(sms_outbox, settings):
    settings.DEFAULT_FROM_EMAIL = "Suyuan <noreply@js.example.cn>"
    settings.SITE_URL = "https://js.example.cn/"
    user = citizen(phone="13912345678", email="li@example.cn")

    notification = services.notify(
        user=user, title="Matter accepted", body="Your matter was accepted.", link="/matters/m/ABC/",
        purpose="matter_accepted",
    )  # fmt: skip

    assert (notification.recipient, notification.read_at, notification.link) == (
        user,
        None,
        "/matters/m/ABC/",
    )
    assert sms_outbox == [("13912345678", "Your matter was accepted.")]
    [email] = mail.outbox
    assert email.to == ["li@example.cn"]
    assert email.subject == "Matter accepted"
    assert email.body == "Your matter was accepted.\n\nhttps://js.example.cn/matters/m/ABC/"
    rows = OutboundMessage.objects.order_by("channel")
    assert [(m.channel, m.status, m.purpose) for m in rows] == [
        (Channel.EMAIL, MessageStatus.SENT, "matter_accepted"),
        (Channel.SMS, MessageStatus.SENT, "matter_accepted"),
    ]
    assert email.extra_headers["Message-ID"] == f"<sy-{rows[0].pk}@js.example.cn>"


def test_a_user_without_phone_or_address_gets_the_in_app_notice_only(sms_outbox):
    user = citizen(phone="", email="")

    services.notify(user=user, title="Hello", body="Body", purpose="notice")

    assert Notification.objects.filter(recipient=user).count() == 1
    assert not OutboundMessage.objects.exists()
    assert sms_outbox == [] and mail.outbox == []


def test_the_caller_may_leave_out_the_text_message_or_the_e_mail(sms_outbox):
    user = citizen(email="li@example.cn")

    services.notify(user=user, title="Hello", body="Body", purpose="notice", sms=False)
    services.notify(user=user, title="Hello", body="Body", purpose="notice", email=False)

    assert len(sms_outbox) == 1 and len(mail.outbox) == 1
    assert Notification.objects.filter(recipient=user).count() == 2


def test_an_inactive_account_gets_no_text_message_or_e_mail(sms_outbox):
    user = citizen(email="li@example.cn", is_active=False)

    services.notify(user=user, title="Hello", body="Body", purpose="notice")

    assert Notification.objects.filter(recipient=user).count() == 1
    assert not OutboundMessage.objects.exists()


def test_nothing_is_written_when_the_change_that_notifies_rolls_back(sms_outbox):
    user = citizen(email="li@example.cn")

    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(user=user, title="Hello", body="Body", purpose="notice", sms=False, email=False)
        raise RuntimeError("the change failed")

    assert not Notification.objects.exists()
    assert not OutboundMessage.objects.exists()


@pytest.mark.parametrize(
    "link",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "matters/1/"],
)
def test_a_notification_links_only_to_a_path_on_this_site(link):
    user = citizen()

    with pytest.raises(ValueError, match="path on this site"):
        services.notify(user=user, title="Hello", body="Body", link=link, purpose="notice")

    assert not Notification.objects.exists()


def test_e_mails_carry_no_link_without_a_site_address(settings):
    settings.SITE_URL = ""
    user = citizen(phone="", email="li@example.cn")

    services.notify(user=user, title="Hello", body="Body", link="/matters/", purpose="notice")

    assert mail.outbox[0].body == "Body"


def test_reading_marks_one_notification_once_and_only_the_readers_own(sms_outbox):
    li, wang = citizen("li"), citizen("wang", phone="13800000002")
    mine = services.notify(user=li, title="a", body="", purpose="notice", sms=False)
    theirs = services.notify(user=wang, title="b", body="", purpose="notice", sms=False)

    first = services.notification_read(notification_id=mine.pk, actor=li)
    again = services.notification_read(notification_id=mine.pk, actor=li)

    assert first.read_at is not None and again.read_at == first.read_at
    from suyuan.core.exceptions import NotFound

    with pytest.raises(NotFound):
        services.notification_read(notification_id=theirs.pk, actor=li)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_reading_all_marks_only_the_readers_unread_notifications():
    li, wang = citizen("li"), citizen("wang", phone="13800000002")
    for _ in range(3):
        services.notify(user=li, title="a", body="", purpose="notice", sms=False)
    services.notify(user=wang, title="b", body="", purpose="notice", sms=False)

    assert services.notifications_read_all(actor=li) == 3
    assert services.notifications_read_all(actor=li) == 0
    assert Notification.objects.filter(recipient=wang, read_at__isnull=True).count() == 1


def test_a_queued_e_mail_with_a_secret_is_wiped_once_sent():
    message = services.email_queue(
        address="li@example.cn", subject="Your code", body="code 123456", purpose="code", sensitive=True
    )

    message.refresh_from_db()
    assert (message.status, message.body) == (MessageStatus.SENT, "")
    assert mail.outbox[0].body == "code 123456"


def test_the_development_e_mail_backend_keeps_each_message_once(settings):
    settings.EMAIL_BACKEND = "suyuan.notifications.email.DevEmailBackend"
    from suyuan.notifications.email import send_email

    send_email(to="li@example.cn", subject="Hello", body="Body", reference="sy-7")
    send_email(to="li@example.cn", subject="Hello", body="Body", reference="sy-7")

    [kept] = DevEmailMessage.objects.all()
    assert (kept.to, kept.subject, kept.body) == ("li@example.cn", "Hello", "Body")
    assert kept.message_id.startswith("<sy-7@")
