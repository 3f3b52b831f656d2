"""The applicant's rating of the handling: when it is open, once only, on the portal page, the staff page
and through the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from suyuan.accounts.choices import Role
from suyuan.accounts.tests.world import World, new_user, sign_in
from suyuan.core.exceptions import Forbidden
from suyuan.matters import documents, services
from suyuan.matters.choices import EventKind, MatterStatus, Visibility
from suyuan.matters.models import Matter, MatterEvent, MatterRating

pytestmark = pytest.mark.django_db

VISIBLE = [Role.GRID_WORKER, Role.MEDIATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR]
HIDDEN = [Role.ANALYST, Role.COURT_CLERK, Role.JUDGE, Role.AGENCY_OFFICER]
EVERYONE = sorted(
    [*VISIBLE, *HIDDEN, "citizen", "other_citizen", "kecheng", "kecheng_admin", "operator", "anonymous"]
)


def actor(world: World, name: str) -> Any:
    if name == "other_citizen":
        return new_user(username="citizen2", full_name="市民乙")
    return world.actor(name)


def client_for(user: Any) -> Client:
    return sign_in(Client(), user)


@pytest.fixture
def declined(world, dispute) -> Matter:
    return services.matter_decline(
        matter=dispute, actor=world.staff[Role.DISPATCHER], reason="不属于调解范围"
    )


def page(matter: Matter, name: str = "matters:matter") -> str:
    return reverse(name, kwargs={"code": matter.display_code})


def api(matter: Matter) -> str:
    return f"/api/matters/{matter.display_code}/rating"


class TestService:
    def test_the_applicant_rates_a_finished_matter_once(self, world, declined):
        rating = documents.matter_rate(matter=declined, actor=world.citizen, score=4, comment="解释得很清楚")
        assert (rating.score, rating.comment, rating.user) == (4, "解释得很清楚", world.citizen)
        event = MatterEvent.objects.filter(matter=declined).order_by("-seq")[0]
        assert event.kind == EventKind.RATED
        assert event.visibility == Visibility.PUBLIC
        assert event.data == {"score": 4}
        assert "解释" not in event.text  # the comment is for the centre, not for the other side's timeline
        with pytest.raises(documents.RatingClosed):
            documents.matter_rate(matter=declined, actor=world.citizen, score=5)
        assert MatterRating.objects.count() == 1

    def test_an_open_matter_cannot_be_rated_yet(self, world, dispute):
        with pytest.raises(documents.RatingClosed):
            documents.matter_rate(matter=dispute, actor=world.citizen, score=3)
        assert not MatterRating.objects.exists()

    @pytest.mark.parametrize("status", sorted(MatterStatus.values))
    def test_which_statuses_may_be_rated(self, world, dispute, status):
        Matter.objects.filter(pk=dispute.pk).update(status=status)
        dispute.refresh_from_db()
        may = documents.may_rate(world.citizen, dispute)
        assert may == (status in {"resolved", "unresolved", "closed", "withdrawn", "declined"})

    @pytest.mark.parametrize("score", [0, 6, -1])
    def test_a_score_outside_one_to_five_is_refused(self, world, declined, score):
        with pytest.raises(ValidationError) as caught:
            documents.matter_rate(matter=declined, actor=world.citizen, score=score)
        assert "score" in caught.value.message_dict

    def test_staff_who_see_the_matter_may_not_rate_it(self, world, declined):
        with pytest.raises(Forbidden):
            documents.matter_rate(matter=declined, actor=world.staff[Role.DISPATCHER], score=5)


class TestPages:
    def test_the_portal_page_offers_large_radio_buttons_once_finished(self, world, declined, english):
        html = client_for(world.citizen).get(page(declined)).content.decode()
        assert 'data-testid="rating-scale"' in html
        assert html.count('type="radio" name="score"') == 5

    def test_the_portal_page_offers_no_rating_while_open(self, world, dispute):
        html = client_for(world.citizen).get(page(dispute)).content.decode()
        assert 'data-testid="rating"' not in html

    def test_rating_on_the_page_then_it_says_you_rated(self, world, declined, english):
        client = client_for(world.citizen)
        response = client.post(page(declined, "matters:rate"), {"score": "4", "comment": "好"})
        assert response.status_code == 302
        html = client.get(page(declined)).content.decode()
        assert "You rated the handling 4/5." in html
        assert 'data-testid="rating-scale"' not in html

    def test_a_missing_score_is_shown_next_to_the_buttons(self, world, declined, english):
        response = client_for(world.citizen).post(page(declined, "matters:rate"), {"comment": "x"})
        assert response.status_code == 422
        assert "Choose from 1 to 5 stars." in response.content.decode()
        assert not MatterRating.objects.exists()

    def test_the_staff_page_shows_the_rating(self, world, declined, english):
        documents.matter_rate(matter=declined, actor=world.citizen, score=2, comment="等太久")
        html = (
            client_for(world.staff[Role.DISPATCHER])
            .get(page(declined, "matters:staff_detail"))
            .content.decode()
        )
        assert "2/5" in html
        assert "等太久" in html

    @pytest.mark.parametrize("name", EVERYONE)
    def test_every_role_posting_a_rating(self, world, declined, name):
        response = client_for(actor(world, name)).post(page(declined, "matters:rate"), {"score": "5"})
        if name == "anonymous":
            assert response.status_code == 302
            assert "/accounts/" in response["Location"]
        elif name == "citizen":
            assert response.status_code == 302
        elif name in VISIBLE or name == "operator":
            assert response.status_code == 403
        else:
            assert response.status_code == 404
        assert MatterRating.objects.count() == (1 if name == "citizen" else 0)


class TestApi:
    def test_the_applicant_rates_through_the_api(self, world, declined):
        client = client_for(world.citizen)
        response = client.post(
            api(declined), {"score": 5, "comment": "满意"}, content_type="application/json"
        )
        assert response.status_code == 201
        assert response.json()["score"] == 5
        again = client.post(api(declined), {"score": 4}, content_type="application/json")
        assert again.status_code == 409
        assert again.json()["code"] == "rating_closed"

    def test_an_open_matter_answers_409(self, world, dispute):
        response = client_for(world.citizen).post(api(dispute), {"score": 3}, content_type="application/json")
        assert response.status_code == 409
        assert response.json()["code"] == "rating_closed"

    def test_a_bad_score_answers_422_in_the_one_error_shape(self, world, declined):
        response = client_for(world.citizen).post(
            api(declined), {"score": 9}, content_type="application/json"
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "score"

    @pytest.mark.parametrize("name", EVERYONE)
    def test_every_role(self, world, declined, name):
        response = client_for(actor(world, name)).post(
            api(declined), {"score": 5}, content_type="application/json"
        )
        expected: dict[str, int] = {
            "anonymous": 401,
            "citizen": 201,
            "operator": 403,
            **dict.fromkeys(VISIBLE, 403),
        }
        assert response.status_code == expected.get(name, 404)
