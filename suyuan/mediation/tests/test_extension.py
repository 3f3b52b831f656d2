"""The mediation period may be extended once, by up to 30 days, when both parties agree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from suyuan.accounts.choices import Role
from suyuan.accounts.tests.world import sign_in
from suyuan.matters.choices import EventKind
from suyuan.matters.models import Matter
from suyuan.mediation import services
from suyuan.mediation.models import MediationExtension
from suyuan.mediation.services import WrongState

pytestmark = pytest.mark.django_db

CONSENT = "双方在5月12日调解会上签字同意延长"


def _extend(world, matter, **overrides):
    values = {"matter": matter, "actor": world.staff[Role.MEDIATOR], "days": 15, "consent": CONSENT}
    values.update(overrides)
    return services.mediation_extend(**values)


def test_the_period_moves_by_the_days_with_an_event_and_a_text_to_each_party(world, in_mediation, sms_outbox):
    due = in_mediation.due_at
    sms_outbox.clear()
    extension = _extend(world, in_mediation)
    matter = Matter.objects.get(pk=in_mediation.pk)
    assert matter.due_at == due + dt.timedelta(days=15) == extension.new_due_at
    assert matter.version == in_mediation.version + 1
    event = matter.events.order_by("-seq")[0]
    assert (event.kind, event.text, event.data["days"]) == (EventKind.MEDIATION_EXTENDED, CONSENT, 15)
    assert len(sms_outbox) == 2  # applicant and respondent


def test_it_can_be_extended_only_once(world, in_mediation):
    _extend(world, in_mediation)
    with pytest.raises(WrongState):
        _extend(world, Matter.objects.get(pk=in_mediation.pk), days=5)
    assert MediationExtension.objects.filter(matter=in_mediation).count() == 1


@pytest.mark.parametrize(
    ("days", "consent", "field"), [(0, CONSENT, "days"), (31, CONSENT, "days"), (10, " ", "consent")]
)
def test_bad_input_is_refused_and_changes_nothing(world, in_mediation, days, consent, field):
    with pytest.raises(ValidationError) as caught:
        _extend(world, in_mediation, days=days, consent=consent)
    assert field in caught.value.message_dict
    assert Matter.objects.get(pk=in_mediation.pk).due_at == in_mediation.due_at
    assert not MediationExtension.objects.exists()


def test_only_a_matter_in_mediation_is_extended(world, dispute):
    from suyuan.matters import services as matter_services

    matter_services.matter_accept(matter=dispute, actor=world.staff[Role.DISPATCHER])
    with pytest.raises(WrongState):
        _extend(world, Matter.objects.get(pk=dispute.pk), actor=world.staff[Role.DISPATCHER])


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("mediator", 302),
        ("dispatcher", 302),
        ("supervisor", 302),
        ("grid_worker", 403),
        ("analyst", 403),
        ("court_clerk", 404),
        ("kecheng", 404),
        ("citizen", 403),
        ("anonymous", 302),
    ],
)
def test_every_role_on_the_extension_page(world, in_mediation, who, status):
    actor = world.actor(who)
    client = sign_in(Client(), actor) if actor is not None else Client()
    response = client.post(
        f"/staff/matters/{in_mediation.display_code}/mediation/extension/",
        {
            "extension-expected_version": in_mediation.version,
            "extension-days": 20,
            "extension-consent": CONSENT,
        },
    )
    assert response.status_code == status, response.content[:300]
    extended = MediationExtension.objects.filter(matter=in_mediation).exists()
    assert extended == (status == 302 and who != "anonymous")


def test_the_api_extends_and_answers_409_the_second_time(world, in_mediation):
    client = sign_in(Client(), world.staff[Role.MEDIATOR])
    url = f"/api/mediation/matters/{in_mediation.tracking_code}/extension"
    first = client.post(url, {"days": 10, "consent": CONSENT}, content_type="application/json")
    assert first.status_code == 201, first.content
    assert first.json()["days"] == 10
    second = client.post(url, {"days": 10, "consent": CONSENT}, content_type="application/json")
    assert second.status_code == 409
    bad = client.post(url, {"days": 99, "consent": CONSENT}, content_type="application/json")
    assert bad.status_code in (409, 422)


def test_the_staff_page_offers_the_form_and_then_shows_the_extension(world, in_mediation, english):
    client = sign_in(Client(), world.staff[Role.MEDIATOR])
    page = client.get(f"/staff/matters/{in_mediation.display_code}/").content.decode()
    assert 'data-testid="extension-open"' in page
    _extend(world, in_mediation)
    page = client.get(f"/staff/matters/{in_mediation.display_code}/").content.decode()
    assert 'data-testid="extension"' in page and CONSENT in page
    assert 'data-testid="extension-open"' not in page
