"""The staff workbench pages for matters: queues, the matter page with its commands and reveals, intake."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from suyuan.accounts.choices import AuditKind, Role
from suyuan.accounts.models import AuditEvent, User
from suyuan.accounts.tests.world import World, sign_in
from suyuan.matters import services
from suyuan.matters.choices import Channel, EventKind, FailureRoute, MatterKind, MatterStatus, PartyRole
from suyuan.matters.models import Matter
from suyuan.matters.tests.conftest import APPLICANT_PHONE, RESPONDENT_PHONE, file_dispute
from suyuan.matters.views import staff as staff_views

pytestmark = pytest.mark.django_db

QUEUE = "/staff/matters/"
NEW = "/staff/matters/new/"
# Everyone who works with matters sees one in 城北社区 (the village) of Jiangshan, except court and agency
# staff (their organisations do not handle it) and staff of another county.
SEES_VILLAGE_MATTER = [Role.GRID_WORKER, Role.MEDIATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR]
HANDLING_ONLY = [Role.COURT_CLERK, Role.JUDGE, Role.AGENCY_OFFICER]


def client_for(user: User | None) -> Client:
    return sign_in(Client(), user)


def page_url(matter: Matter, suffix: str = "") -> str:
    return f"/staff/matters/{matter.display_code}/{suffix}"


def fresh(matter: Matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


def by_testid(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{re.escape(name)}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no element with data-testid={name}"
    return match.group(1).strip()


def rows(html: str) -> int:
    return html.count('data-testid="queue-row"')


def accepted(world: World, **overrides: Any) -> Matter:
    matter = file_dispute(world, **overrides)
    return services.matter_accept(matter=matter, actor=world.staff[Role.DISPATCHER])


def assigned(world: World) -> Matter:
    matter = accepted(world)
    return services.matter_assign(
        matter=matter,
        actor=world.staff[Role.DISPATCHER],
        organization=world.orgs["township"],
        mediator=world.staff[Role.MEDIATOR],
    )


def in_mediation(world: World) -> Matter:
    matter = assigned(world)
    return services.matter_start_mediation(matter=matter, actor=world.staff[Role.MEDIATOR])


# --- Work queues -------------------------------------------------------------------------------------------


class TestQueue:
    def test_a_dispatcher_starts_on_new_matters_with_tabs_and_counts(self, world, english):
        first = file_dispute(world)
        file_dispute(world, title="第二件")
        accepted(world, title="已受理")
        response = client_for(world.staff[Role.DISPATCHER]).get(QUEUE)
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="queue-table"' in html
        assert rows(html) == 2
        assert first.display_code in html and "已受理" not in html
        assert re.search(r'data-testid="queue-tab-new"[^>]*aria-current="page"', html)
        for name, count in (("new", 2), ("mine", 0), ("waiting", 0), ("open", 3)):
            tab = html[html.index(f'data-testid="queue-tab-{name}"') :]
            assert re.match(rf'[^>]*>\s*\S.*?<span class="queue-count">{count}</span>', tab, re.S), name
        # "All" grows without end as matters close: it is a tab without a count, so no query reads it all.
        all_tab = html[html.index('data-testid="queue-tab-all"') :]
        assert "queue-count" not in all_tab[: all_tab.index("</a>")]

    def test_the_table_shows_the_columns_staff_work_with(self, world, english):
        matter = assigned(world)
        html = client_for(world.staff[Role.DISPATCHER]).get(QUEUE, {"queue": "open"}).content.decode()
        row = html[html.index('data-testid="queue-row"') :]
        for text in (
            matter.display_code,
            "邻居装修噪音扰民",
            "城北社区",
            "双塔街道社会矛盾纠纷调处化解中心",
            world.staff[Role.MEDIATOR].full_name,
            "assigned",
            timezone.localdate().isoformat(),
        ):
            assert text in row, text

    @pytest.mark.parametrize("role", SEES_VILLAGE_MATTER)
    def test_staff_of_the_county_see_the_matter(self, world, role):
        file_dispute(world)
        response = client_for(world.staff[role]).get(QUEUE, {"queue": "all"})
        assert response.status_code == 200
        assert rows(response.content.decode()) == 1

    @pytest.mark.parametrize("who", [*HANDLING_ONLY, "kecheng", "kecheng_admin"])
    def test_court_agencies_and_another_county_see_an_empty_queue(self, world, who):
        file_dispute(world)
        response = client_for(world.actor(who)).get(QUEUE, {"queue": "all"})
        assert response.status_code == 200
        assert rows(response.content.decode()) == 0

    @pytest.mark.parametrize("who", [Role.ANALYST, "citizen"])
    def test_analysts_and_citizens_are_refused(self, world, who):
        file_dispute(world)
        assert client_for(world.actor(who)).get(QUEUE).status_code == 403

    def test_anonymous_visitors_are_sent_to_sign_in(self, world):
        response = Client().get(QUEUE)
        assert response.status_code == 302
        assert "login" in response["Location"]

    def test_a_mediator_starts_on_their_own_matters(self, world):
        matter = assigned(world)
        file_dispute(world, title="别人的")
        html = client_for(world.staff[Role.MEDIATOR]).get(QUEUE).content.decode()
        assert re.search(r'data-testid="queue-tab-mine"[^>]*aria-current="page"', html)
        assert rows(html) == 1 and matter.display_code in html

    def test_filters_narrow_the_list(self, world):
        dispute = file_dispute(world)
        request = file_dispute(
            world,
            kind=MatterKind.REQUEST,
            title="路灯不亮",
            category=None,
            parties=[services.PartyInput(role=PartyRole.APPLICANT, name="市民乙", phone=APPLICANT_PHONE)],
        )
        client = client_for(world.staff[Role.DISPATCHER])

        def codes_for(**params: str) -> set[str]:
            html = client.get(QUEUE, {"queue": "all", **params}).content.decode()
            return {code for code in (dispute.display_code, request.display_code) if code in html}

        both = {dispute.display_code, request.display_code}
        assert codes_for() == both
        assert codes_for(kind="request") == {request.display_code}
        assert codes_for(category="neighbours") == {dispute.display_code}
        assert codes_for(status="submitted") == both
        assert codes_for(status="closed") == set()
        assert codes_for(region="330881001") == both
        assert codes_for(region="330802") == set()
        assert codes_for(organization=str(world.orgs["village"].pk)) == both
        assert codes_for(organization=str(world.orgs["township"].pk)) == set()
        assert codes_for(q="路灯") == {request.display_code}
        assert codes_for(q=dispute.tracking_code.lower()) == {dispute.display_code}
        # A tracking code is found whatever the queue.
        services.matter_accept(matter=dispute, actor=world.staff[Role.DISPATCHER])
        found = client.get(QUEUE, {"queue": "new", "q": dispute.display_code}).content.decode()
        assert dispute.display_code in found and rows(found) == 1

    def test_a_bad_filter_shows_its_error_and_keeps_the_others(self, world, english):
        file_dispute(world)
        response = client_for(world.staff[Role.DISPATCHER]).get(
            QUEUE, {"queue": "all", "region": "3308x", "kind": "dispute"}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "A region code has 2, 4, 6, 9 or 12 digits." in html
        assert rows(html) == 1

    def test_overdue_and_due_soon_matters_are_marked(self, world, english):
        late = file_dispute(world, title="超期的")
        soon = file_dispute(world, title="快到期")
        Matter.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
        Matter.objects.filter(pk=soon.pk).update(due_at=timezone.now() + dt.timedelta(hours=5))
        html = client_for(world.staff[Role.DISPATCHER]).get(QUEUE, {"queue": "open"}).content.decode()
        assert re.search(r'class="row-overdue">(?:(?!</tr>).)*超期的', html, re.S)
        assert re.search(r'class="row-due-soon">(?:(?!</tr>).)*快到期', html, re.S)
        assert "due-flag" in html and ">overdue<" in html
        overdue_tab = client_for(world.staff[Role.DISPATCHER]).get(QUEUE, {"queue": "overdue"})
        assert rows(overdue_tab.content.decode()) == 1

    def test_tabs_and_pages_keep_the_filters(self, world, monkeypatch):
        monkeypatch.setattr(staff_views, "PAGE_SIZE", 2)
        for _ in range(3):
            file_dispute(world)
        client = client_for(world.staff[Role.DISPATCHER])
        html = client.get(QUEUE, {"queue": "all", "kind": "dispute"}).content.decode()
        assert 'href="?queue=new&amp;kind=dispute' in html
        assert "queue=all&amp;kind=dispute&amp;page=2" in html
        assert rows(html) == 2

    def test_only_intake_staff_get_checkboxes_and_the_bulk_form(self, world):
        file_dispute(world)
        dispatcher = client_for(world.staff[Role.DISPATCHER]).get(QUEUE).content.decode()
        assert 'name="matters"' in dispatcher and 'data-testid="assign-organization"' in dispatcher
        mediator = client_for(world.staff[Role.MEDIATOR]).get(QUEUE, {"queue": "all"}).content.decode()
        assert rows(mediator) == 1
        assert 'name="matters"' not in mediator and "bulk-assign" not in mediator

    def test_titles_are_escaped(self, world):
        file_dispute(world, title="<script>alert('x')</script>")
        html = client_for(world.staff[Role.DISPATCHER]).get(QUEUE).content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html

    @pytest.mark.parametrize("count", [5, 50])
    def test_the_page_takes_a_bounded_number_of_queries(self, world, count, django_assert_max_num_queries):
        dispatcher = world.staff[Role.DISPATCHER]
        for index in range(count):
            matter = file_dispute(world, title=f"纠纷 {index}")
            if index % 2:
                services.matter_accept(matter=matter, actor=dispatcher)
        client = client_for(dispatcher)
        with django_assert_max_num_queries(20):
            response = client.get(QUEUE, {"queue": "all"})
        assert rows(response.content.decode()) == count


class TestBulkAssign:
    def post(self, client: Client, matters: list[Matter], **data: Any):
        values = {
            "matters": [f"{m.pk}:{m.version}" for m in matters],
            "next": "/staff/matters/?queue=open",
            **data,
        }
        return client.post("/staff/matters/bulk-assign/", values)

    def test_ticked_matters_are_assigned_and_the_queue_comes_back(self, world, english):
        matters = [accepted(world), accepted(world)]
        client = client_for(world.staff[Role.DISPATCHER])
        response = self.post(
            client,
            matters,
            organization=world.orgs["township"].pk,
            mediator=world.staff[Role.MEDIATOR].pk,
        )
        assert response.status_code == 302
        assert response["Location"] == "/staff/matters/?queue=open"
        for matter in matters:
            assert (fresh(matter).status, fresh(matter).mediator) == (
                MatterStatus.ASSIGNED,
                world.staff[Role.MEDIATOR],
            )
        assert "2 matters assigned to" in client.get(response["Location"]).content.decode()

    def test_nothing_is_assigned_when_one_is_refused_and_the_page_says_why(self, world, english):
        ready = accepted(world)
        new = file_dispute(world)
        response = self.post(
            client_for(world.staff[Role.DISPATCHER]), [ready, new], organization=world.orgs["village"].pk
        )
        html = response.content.decode()
        assert response.status_code == 409
        refusals = html[html.index('data-testid="bulk-refusals"') :]
        assert new.display_code in refusals and ready.display_code not in refusals.split("</div>")[0]
        assert "cannot be given the command" in refusals
        assert fresh(ready).status == MatterStatus.ACCEPTED
        assert fresh(new).status == MatterStatus.SUBMITTED
        # The ticks survive, so the dispatcher can untick the refused one and try again.
        assert f'value="{ready.pk}:{ready.version}" form="bulk-form"' in html
        assert re.search(rf'value="{ready.pk}:{ready.version}"[^>]*checked', html)

    def test_a_stale_tick_is_refused(self, world, english):
        matter = accepted(world)
        stale = Matter.objects.get(pk=matter.pk)
        stale.version -= 1
        response = self.post(
            client_for(world.staff[Role.DISPATCHER]), [stale], organization=world.orgs["village"].pk
        )
        assert response.status_code == 409
        assert "changed this matter meanwhile" in response.content.decode()

    def test_no_ticks_and_no_organisation_are_input_errors(self, world, english):
        response = client_for(world.staff[Role.DISPATCHER]).post("/staff/matters/bulk-assign/", {})
        html = response.content.decode()
        assert response.status_code == 422
        assert "Tick at least one matter." in html and "This field is required." in html

    def test_a_mediator_of_another_organisation_is_a_field_error(self, world, english):
        matter = accepted(world)
        response = self.post(
            client_for(world.staff[Role.DISPATCHER]),
            [matter],
            organization=world.orgs["village"].pk,
            mediator=world.staff[Role.MEDIATOR].pk,
        )
        assert response.status_code == 422
        assert "Select a valid choice." in response.content.decode()
        assert fresh(matter).status == MatterStatus.ACCEPTED

    def test_a_matter_outside_the_view_is_refused(self, world, english):
        matter = accepted(world)
        kecheng_centre = world.orgs["kecheng_centre"]
        response = self.post(client_for(world.kecheng), [matter], organization=kecheng_centre.pk)
        assert response.status_code == 422
        assert "no longer in your view" in response.content.decode()
        assert fresh(matter).status == MatterStatus.ACCEPTED

    @pytest.mark.parametrize("role", [Role.MEDIATOR, Role.GRID_WORKER, Role.ADMINISTRATOR])
    def test_only_dispatchers_and_supervisors_may(self, world, role):
        matter = accepted(world)
        response = self.post(client_for(world.staff[role]), [matter], organization=world.orgs["village"].pk)
        assert response.status_code == 403
        assert fresh(matter).status == MatterStatus.ACCEPTED

    def test_an_outside_next_address_is_ignored(self, world):
        matter = accepted(world)
        response = self.post(
            client_for(world.staff[Role.SUPERVISOR]),
            [matter],
            organization=world.orgs["village"].pk,
            next="https://evil.example/",
        )
        assert response.status_code == 302
        assert response["Location"] == "/staff/matters/"

    def test_the_mediator_list_follows_the_organisation(self, world):
        client = client_for(world.staff[Role.DISPATCHER])
        html = client.get(
            "/staff/matters/mediators/", {"organization": world.orgs["township"].pk}
        ).content.decode()
        name = world.staff[Role.MEDIATOR].full_name
        assert f'value="{world.staff[Role.MEDIATOR].pk}"' in html and name in html
        assert "<html" not in html
        empty = client.get("/staff/matters/mediators/", {"organization": world.orgs["kecheng_centre"].pk})
        assert name not in empty.content.decode()


# --- The matter page ---------------------------------------------------------------------------------------


class TestMatterPage:
    @pytest.mark.parametrize("role", SEES_VILLAGE_MATTER)
    def test_staff_of_the_county_open_the_page(self, world, dispute, role):
        response = client_for(world.staff[role]).get(page_url(dispute))
        html = response.content.decode()
        assert response.status_code == 200
        assert by_testid(html, "matter-code") == dispute.display_code
        assert 'data-testid="timeline"' in html

    @pytest.mark.parametrize("who", [*HANDLING_ONLY, "kecheng", "kecheng_admin"])
    def test_others_get_not_found(self, world, dispute, who):
        assert client_for(world.actor(who)).get(page_url(dispute)).status_code == 404

    @pytest.mark.parametrize("who", [Role.ANALYST, "citizen"])
    def test_analysts_and_citizens_are_refused(self, world, dispute, who):
        assert client_for(world.actor(who)).get(page_url(dispute)).status_code in (403, 404)

    def test_the_code_may_be_typed_any_way_and_a_bad_one_is_not_found(self, world, dispute):
        client = client_for(world.staff[Role.DISPATCHER])
        assert client.get(f"/staff/matters/{dispute.tracking_code.lower()}/").status_code == 200
        assert client.get("/staff/matters/0000-0000-0000/").status_code == 404
        assert client.get("/staff/matters/nonsense/").status_code == 404

    def test_summary_story_parties_and_the_full_timeline(self, world, dispute, english):
        services.matter_add_note(matter=dispute, actor=world.staff[Role.DISPATCHER], text="申请人情绪激动")
        html = client_for(world.staff[Role.DISPATCHER]).get(page_url(dispute)).content.decode()
        assert by_testid(html, "matter-status") == "submitted"
        assert by_testid(html, "matter-organization") == "城北社区人民调解委员会"
        assert by_testid(html, "matter-version") == "1"
        for text in (
            "dispute",
            "citizen portal",
            "浙江省衢州市江山市双塔街道城北社区",
            "江山市双塔街道城北社区某小区3幢",
            "楼上邻居连续两周在晚上十点后装修",
            "晚上八点后停止施工",
            "市民甲",
            "楼上住户",
        ):
            assert text in html, text
        assert "139****1111" in html and "139****2222" in html
        assert APPLICANT_PHONE not in html and RESPONDENT_PHONE not in html
        timeline = html[html.index('data-testid="timeline"') :]
        assert "申请人情绪激动" in timeline and "staff only" in timeline
        assert "Routed to 城北社区人民调解委员会" in timeline

    def test_intake_staff_see_suggestions(self, world, dispute, english):
        html = client_for(world.staff[Role.DISPATCHER]).get(page_url(dispute)).content.decode()
        suggestions = html[html.index('data-testid="suggestions"') :]
        assert "城北社区人民调解委员会" in suggestions
        grid = client_for(world.staff[Role.GRID_WORKER]).get(page_url(dispute)).content.decode()
        assert 'data-testid="suggestions"' not in grid

    def test_a_dispatcher_is_offered_exactly_the_commands_of_a_new_matter(self, world, dispute):
        html = client_for(world.staff[Role.DISPATCHER]).get(page_url(dispute)).content.decode()
        offered = set(re.findall(r'data-testid="cmd-(\w+)"', html))
        assert offered == {"accept", "decline", "merge", "withdraw", "note", "message"}
        assert 'data-testid="decline-reason"' in html
        assert f'name="expected_version" value="{dispute.version}"' in html

    @pytest.mark.parametrize(
        "make, role, expected",
        [
            (accepted, Role.DISPATCHER, {"merge", "assign", "escalate", "withdraw"}),
            (assigned, Role.DISPATCHER, {"merge", "assign", "escalate", "start_mediation", "withdraw"}),
            (assigned, Role.MEDIATOR, {"escalate", "start_mediation"}),
            (in_mediation, Role.MEDIATOR, {"escalate", "record_failure"}),
            (in_mediation, Role.GRID_WORKER, set()),
            (in_mediation, Role.ADMINISTRATOR, set()),
        ],
    )
    def test_commands_follow_state_and_role(self, world, make, role, expected):
        matter = make(world)
        html = client_for(world.staff[role]).get(page_url(matter)).content.decode()
        offered = set(re.findall(r'data-testid="cmd-(\w+)"', html)) - {"note", "message"}
        assert offered == expected

    def test_the_assign_form_offers_visible_organisations_and_their_mediators(self, world):
        matter = accepted(world)
        matter.organization = world.orgs["township"]
        Matter.objects.filter(pk=matter.pk).update(organization=world.orgs["township"])
        html = client_for(world.staff[Role.DISPATCHER]).get(page_url(matter)).content.decode()
        org_select = html[html.index('data-testid="assign-organization"') :].split("</select>")[0]
        assert "城北社区人民调解委员会" in org_select and "柯城区" not in org_select
        assert 'hx-get="/staff/matters/mediators/"' in org_select
        mediator_select = html[html.index('data-testid="assign-mediator"') :].split("</select>")[0]
        assert world.staff[Role.MEDIATOR].full_name in mediator_select

    def test_a_finished_matter_offers_notes_only(self, world, dispute):
        services.matter_decline(matter=dispute, actor=world.staff[Role.DISPATCHER], reason="不属于受理范围")
        html = client_for(world.staff[Role.DISPATCHER]).get(page_url(dispute)).content.decode()
        assert set(re.findall(r'data-testid="cmd-(\w+)"', html)) == {"note"}

    def test_titles_and_texts_are_escaped(self, world):
        matter = file_dispute(
            world, title="<script>alert(1)</script>", description="<img src=x onerror=alert(1)>"
        )
        services.matter_add_note(matter=matter, actor=world.staff[Role.DISPATCHER], text="<b>bold</b>")
        html = client_for(world.staff[Role.DISPATCHER]).get(page_url(matter)).content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


class TestCommands:
    def command(self, client: Client, matter: Matter, name: str, **data: Any):
        data.setdefault("expected_version", fresh(matter).version)
        return client.post(page_url(matter, f"{name}/"), data)

    def test_the_way_to_an_agreement_through_the_pages(self, world, dispute, english):
        dispatcher = client_for(world.staff[Role.DISPATCHER])
        mediator = client_for(world.staff[Role.MEDIATOR])

        response = self.command(dispatcher, dispute, "accept", note="已受理，请保持电话畅通")
        assert response.status_code == 302 and response["Location"] == page_url(dispute)
        assert "Matter accepted." in dispatcher.get(response["Location"]).content.decode()

        response = self.command(
            dispatcher,
            dispute,
            "assign",
            organization=world.orgs["township"].pk,
            mediator=world.staff[Role.MEDIATOR].pk,
        )
        assert response.status_code == 302
        assert fresh(dispute).mediator == world.staff[Role.MEDIATOR]

        assert self.command(mediator, dispute, "start_mediation").status_code == 302
        response = self.command(mediator, dispute, "record_agreement", terms="晚上八点后停止施工。")
        assert response.status_code == 302
        assert self.command(mediator, dispute, "close").status_code == 302

        matter = fresh(dispute)
        assert matter.status == MatterStatus.CLOSED
        assert matter.outcome_summary == "晚上八点后停止施工。"
        html = dispatcher.get(page_url(dispute)).content.decode()
        assert "agreement recorded" in html.lower() and "已受理，请保持电话畅通" in html

    def test_decline_needs_a_reason(self, world, dispute, english):
        client = client_for(world.staff[Role.DISPATCHER])
        response = self.command(client, dispute, "decline", reason="")
        html = response.content.decode()
        assert response.status_code == 422
        assert "This field is required." in html
        assert re.search(r'<details class="cmd-more" open>|id="cmd-form-decline"', html)
        assert fresh(dispute).status == MatterStatus.SUBMITTED
        response = self.command(client, dispute, "decline", reason="属于劳动争议，请向劳动仲裁委申请。")
        assert response.status_code == 302
        matter = fresh(dispute)
        assert (matter.status, matter.decline_reason) == (
            MatterStatus.DECLINED,
            "属于劳动争议，请向劳动仲裁委申请。",
        )

    def test_merge_into_another_matter_by_its_code(self, world, dispute, english):
        duplicate = file_dispute(world)
        client = client_for(world.staff[Role.DISPATCHER])
        bad = self.command(client, duplicate, "merge", into="0000-0000-0000")
        assert bad.status_code == 422
        assert "typing error" in bad.content.decode() or "12 letters" in bad.content.decode()
        itself = self.command(client, duplicate, "merge", into=duplicate.display_code)
        assert itself.status_code == 422 and "cannot be merged into itself" in itself.content.decode()
        response = self.command(client, duplicate, "merge", into=dispute.tracking_code.lower())
        assert response.status_code == 302
        assert (fresh(duplicate).status, fresh(duplicate).merged_into) == (MatterStatus.MERGED, dispute)

    def test_merge_into_a_matter_of_another_county_is_not_offered(self, world, dispute, english):
        from suyuan.regions.models import Region

        other = file_dispute(world, region=Region.objects.get(code="330802001"), category=None)
        response = self.command(
            client_for(world.staff[Role.DISPATCHER]), dispute, "merge", into=other.display_code
        )
        assert response.status_code == 422
        assert "no matter with this code that you can see" in response.content.decode()

    def test_escalate_failure_and_withdraw(self, world, english):
        client = client_for(world.staff[Role.DISPATCHER])
        first = accepted(world)
        assert self.command(client, first, "escalate", reason="涉及多户，需街道协调").status_code == 302
        assert fresh(first).organization == world.orgs["township"]

        second = in_mediation(world)
        no_route = self.command(client, second, "record_failure", reason="双方分歧较大", route="moon")
        assert no_route.status_code == 422
        response = self.command(
            client, second, "record_failure", reason="双方分歧较大", route=FailureRoute.COURT
        )
        assert response.status_code == 302
        assert (fresh(second).status, fresh(second).failure_route) == (MatterStatus.UNRESOLVED, "court")

        third = file_dispute(world)
        assert self.command(client, third, "withdraw", reason="").status_code == 422
        assert self.command(client, third, "withdraw", reason="申请人电话告知已和解").status_code == 302
        assert fresh(third).status == MatterStatus.WITHDRAWN

    def test_notes_and_messages(self, world, dispute, english):
        client = client_for(world.staff[Role.GRID_WORKER])
        assert client.post(page_url(dispute, "note/"), {"text": "走访时对方不在家"}).status_code == 302
        assert client.post(page_url(dispute, "message/"), {"text": "我们明天上门了解情况"}).status_code == 302
        assert client.post(page_url(dispute, "message/"), {"text": " "}).status_code == 422
        kinds = list(dispute.events.values_list("kind", "visibility"))
        assert (EventKind.NOTE, "internal") in kinds and (EventKind.MESSAGE, "public") in kinds

    def test_an_illegal_command_answers_409_with_its_message(self, world, dispute, english):
        response = self.command(client_for(world.staff[Role.DISPATCHER]), dispute, "start_mediation")
        html = response.content.decode()
        assert response.status_code == 409
        assert "A matter that is “submitted” cannot be given the command “start mediation”." in by_testid(
            html, "conflict"
        ).replace("<p>", "")
        assert fresh(dispute).version == 1

    def test_a_stale_form_is_refused_and_keeps_what_was_typed(self, world, dispute, english):
        client = client_for(world.staff[Role.DISPATCHER])
        assert self.command(client, dispute, "accept", expected_version=1).status_code == 302
        response = self.command(client, dispute, "escalate", reason="需要上级协调处理", expected_version=1)
        html = response.content.decode()
        assert response.status_code == 409
        assert "Someone changed this matter meanwhile" in html
        assert "需要上级协调处理" in html  # the typed reason, now on the current version
        assert f'name="expected_version" value="{fresh(dispute).version}"' in html
        assert fresh(dispute).organization == world.orgs["village"]

    def test_a_stale_form_for_a_command_no_longer_offered_shows_the_matter(self, world, dispute, english):
        client = client_for(world.staff[Role.DISPATCHER])
        services.matter_decline(matter=dispute, actor=world.staff[Role.DISPATCHER], reason="不属于受理范围")
        response = self.command(client, dispute, "accept", expected_version=1)
        assert response.status_code == 409
        assert by_testid(response.content.decode(), "matter-status") == "declined"

    @pytest.mark.parametrize(
        "role, command",
        [(Role.GRID_WORKER, "accept"), (Role.MEDIATOR, "accept"), (Role.ADMINISTRATOR, "decline")],
    )
    def test_roles_without_the_right_are_refused(self, world, dispute, role, command):
        response = self.command(client_for(world.staff[role]), dispute, command, reason="不属于受理范围")
        assert response.status_code == 403
        assert fresh(dispute).status == MatterStatus.SUBMITTED

    def test_staff_of_another_county_and_citizens_cannot_command(self, world, dispute):
        assert self.command(client_for(world.kecheng), dispute, "accept").status_code == 404
        assert self.command(client_for(world.citizen), dispute, "accept").status_code == 403
        assert fresh(dispute).status == MatterStatus.SUBMITTED

    def test_unknown_commands_and_gets_are_refused(self, world, dispute):
        client = client_for(world.staff[Role.DISPATCHER])
        assert self.command(client, dispute, "explode").status_code == 404
        assert client.get(page_url(dispute, "accept/")).status_code == 405
        assert self.command(client, dispute, "accept", expected_version="x").status_code == 422


class TestPartyReveal:
    def reveal(self, client: Client, matter: Matter, party_id: int, htmx: bool = True, **data: Any):
        headers = {"HX-Request": "true"} if htmx else {}
        return client.post(page_url(matter, f"parties/{party_id}/reveal/"), data, headers=headers)

    def test_an_htmx_reveal_shows_the_value_once_and_is_audited(self, world, dispute):
        dispatcher = world.staff[Role.DISPATCHER]
        party = dispute.parties.get(role=PartyRole.RESPONDENT)
        html = client_for(dispatcher).get(page_url(dispute)).content.decode()
        assert f'hx-post="{page_url(dispute, f"parties/{party.pk}/reveal/")}"' in html
        assert 'data-testid="party-reveal"' in html
        response = self.reveal(
            client_for(dispatcher), dispute, party.pk, field="phone", reason="电话通知调解时间"
        )
        fragment = response.content.decode()
        assert response.status_code == 200
        assert by_testid(fragment, "revealed-phone") == RESPONDENT_PHONE
        assert "<html" not in fragment
        event = AuditEvent.objects.get(kind=AuditKind.REVEAL)
        assert (event.actor, event.target, event.field, event.reason) == (
            dispatcher,
            f"matters.party:{party.pk}",
            "phone",
            "电话通知调解时间",
        )

    def test_without_a_reason_nothing_is_shown_or_logged(self, world, dispute, english):
        party = dispute.parties.get(role=PartyRole.APPLICANT)
        client = client_for(world.staff[Role.DISPATCHER])
        response = self.reveal(client, dispute, party.pk, field="phone", reason=" ")
        assert response.status_code == 200  # htmx swaps only 2xx answers
        assert 'class="errors"' in response.content.decode()
        assert APPLICANT_PHONE not in response.content.decode()
        whole = self.reveal(client, dispute, party.pk, htmx=False, field="phone", reason="")
        assert whole.status_code == 422 and "<html" in whole.content.decode()
        assert not AuditEvent.objects.exists()

    def test_without_javascript_the_whole_page_comes_back(self, world, dispute):
        party = dispute.parties.get(role=PartyRole.APPLICANT)
        response = self.reveal(
            client_for(world.staff[Role.GRID_WORKER]),
            dispute,
            party.pk,
            htmx=False,
            field="phone",
            reason="走访前联系",
        )
        assert response.status_code == 200
        assert APPLICANT_PHONE in response.content.decode() and "<html" in response.content.decode()

    def test_a_party_of_another_matter_is_not_found_through_this_one(self, world, dispute):
        other = file_dispute(world)
        party = other.parties.get(role=PartyRole.APPLICANT)
        response = self.reveal(
            client_for(world.staff[Role.DISPATCHER]), dispute, party.pk, field="phone", reason="联系当事人"
        )
        assert response.status_code == 404
        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize("who, status", [("kecheng", 404), ("citizen", 403), (Role.ANALYST, 403)])
    def test_others_are_refused(self, world, dispute, who, status):
        party = dispute.parties.get(role=PartyRole.APPLICANT)
        response = self.reveal(
            client_for(world.actor(who)), dispute, party.pk, field="phone", reason="联系当事人"
        )
        assert response.status_code == status
        assert not AuditEvent.objects.exists()


# --- Intake --------------------------------------------------------------------------------------------------


def intake_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": Channel.WALK_IN,
        "kind": MatterKind.DISPUTE,
        "category": "neighbours",
        "title": "宅基地边界纠纷",
        "description": "两户因院墙位置发生争执，已持续一个月。",
        "desired_outcome": "重新测量边界",
        "occurred_on": "2025-05-01",
        "region": "330881001",
        "village": "330881001001",
        "address_text": "城北社区12号",
        "applicant_name": "张三",
        "applicant_phone": "13912345678",
        "applicant_id_number": "",
        "respondents-TOTAL_FORMS": "3",
        "respondents-INITIAL_FORMS": "0",
        "respondents-MIN_NUM_FORMS": "0",
        "respondents-MAX_NUM_FORMS": "10",
        "respondents-0-name": "李四",
        "respondents-0-kind": "person",
        "respondents-0-phone": "13987654321",
        "respondents-0-address": "城北社区14号",
        "respondents-1-kind": "person",
        "respondents-2-kind": "person",
        "agent_consent": "当面签字确认",
        "privacy_notice_read": "on",
        "idempotency_key": "key-1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class TestIntake:
    def test_the_form_offers_the_places_in_the_actors_area(self, world, english):
        response = client_for(world.staff[Role.DISPATCHER]).get(NEW)
        html = response.content.decode()
        assert response.status_code == 200
        assert 'value="330881001"' in html and "双塔街道" in html and "上余镇" in html
        assert "柯城区" not in html and "信安街道" not in html
        assert 'hx-get="/staff/matters/new/villages/"' in html
        assert 'data-testid="staff-new-submit"' in html
        assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', html)
        for channel in ("walk_in", "hotline", "petition_letter", "field_visit"):
            assert f'value="{channel}"' in html
        assert 'value="portal"' not in html
        assert 'value="petition"' in html

    def test_choosing_a_township_loads_its_villages(self, world):
        client = client_for(world.staff[Role.DISPATCHER])
        html = client.get("/staff/matters/new/villages/", {"region": "330881001"}).content.decode()
        assert 'value="330881001001"' in html and "城北社区" in html and "<html" not in html
        outside = client.get("/staff/matters/new/villages/", {"region": "330802001"}).content.decode()
        assert "option" not in outside

    def test_a_walk_in_is_received_and_the_staff_page_opens(self, world, english, sms_outbox):
        dispatcher = world.staff[Role.DISPATCHER]
        client = client_for(dispatcher)
        response = client.post(NEW, intake_data())
        matter = Matter.objects.get()
        assert response.status_code == 302
        assert response["Location"] == page_url(matter)
        assert (matter.channel, matter.kind, matter.region_id) == (Channel.WALK_IN, "dispute", "330881001001")
        assert (matter.owner, matter.agent, matter.entered_by) == (None, dispatcher, dispatcher)
        assert matter.agent_consent == "当面签字确认"
        assert matter.occurred_on == dt.date(2025, 5, 1)
        assert matter.category is not None and matter.category.code == "neighbours"
        parties = {p.role: p for p in matter.parties.all()}
        assert parties["applicant"].phone == "13912345678" and parties["respondent"].name == "李四"
        html = client.get(response["Location"]).content.decode()
        assert f"Give the citizen the tracking code {matter.display_code}" in html
        # A retry of the same form (a double click, a reload) files nothing new.
        again = client.post(NEW, intake_data())
        assert again["Location"] == page_url(matter)
        assert Matter.objects.count() == 1

    def test_a_petition_letter_and_a_consultation_without_respondents(self, world):
        client = client_for(world.staff[Role.GRID_WORKER])
        response = client.post(
            NEW,
            intake_data(
                channel=Channel.FIELD_VISIT,
                kind=MatterKind.CONSULTATION,
                region="330881001001",
                village="",
                **{"respondents-0-name": "", "respondents-0-phone": "", "respondents-0-address": ""},
            ),
        )
        assert response.status_code == 302
        assert Matter.objects.get().parties.count() == 1
        petition = client_for(world.staff[Role.SUPERVISOR]).post(
            NEW, intake_data(channel=Channel.PETITION_LETTER, kind=MatterKind.PETITION, idempotency_key="k2")
        )
        assert petition.status_code == 302
        assert Matter.objects.filter(kind=MatterKind.PETITION).count() == 1

    @pytest.mark.parametrize(
        "overrides, field, message",
        [
            ({"agent_consent": ""}, "agent_consent", "This field is required."),
            ({"privacy_notice_read": None}, "privacy_notice_read", "This field is required."),
            (
                {"respondents-0-name": "", "respondents-0-phone": "", "respondents-0-address": ""},
                "respondents",
                "A dispute needs the other side",
            ),
            ({"applicant_phone": "12345"}, "applicant_phone", "mobile"),
            ({"applicant_phone": ""}, "applicant_phone", "This field is required."),
            (
                {"respondents-0-name": "", "respondents-0-phone": "13987654321"},
                "respondents",
                "Enter the name",
            ),
            ({"region": "330802001", "village": ""}, "region", "Select a valid choice."),
            ({"village": "330881001999"}, "village", "Select a valid choice."),
            ({"occurred_on": "2999-01-01"}, "occurred_on", "cannot be in the future"),
            ({"title": ""}, "title", "This field is required."),
        ],
    )
    def test_errors_are_shown_and_nothing_is_created(
        self, world, english, sms_outbox, overrides, field, message
    ):
        response = client_for(world.staff[Role.DISPATCHER]).post(NEW, intake_data(**overrides))
        html = response.content.decode()
        assert response.status_code == 422
        assert 'data-testid="intake-errors"' in html
        assert message.lower() in html.lower(), message
        assert 'value="key-1"' in html  # the same key, so a corrected retry still files once
        assert not Matter.objects.exists()
        assert not sms_outbox

    @pytest.mark.parametrize("who", [Role.ANALYST, Role.ADMINISTRATOR, Role.COURT_CLERK, "citizen"])
    def test_roles_that_do_not_enter_matters_are_refused(self, world, who):
        client = client_for(world.actor(who))
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, intake_data()).status_code == 403
        assert not Matter.objects.exists()

    def test_a_grid_worker_files_in_their_village(self, world):
        client = client_for(world.staff[Role.GRID_WORKER])
        html = client.get(NEW).content.decode()
        assert 'value="330881001001"' in html and 'value="330881100"' not in html
        refused = client.post(NEW, intake_data(region="330881100", village=""))
        assert refused.status_code == 422
        assert not Matter.objects.exists()

    def test_a_platform_operator_types_a_region_code(self, world):
        client = client_for(world.operator)
        html = client.get(NEW).content.decode()
        assert re.search(r'<input type="text" name="region"', html)
        for bad in ("33", "330881999999", "abc"):
            assert client.post(NEW, intake_data(region=bad, village="")).status_code == 422, bad
        response = client.post(NEW, intake_data(region="330881001001", village=""))
        assert response.status_code == 302
        assert Matter.objects.get().region_id == "330881001001"

    def test_the_title_is_escaped_when_shown_again(self, world):
        response = client_for(world.staff[Role.DISPATCHER]).post(
            NEW, intake_data(title="<script>x</script>", agent_consent="")
        )
        assert "<script>x</script>" not in response.content.decode()


# --- Navigation ----------------------------------------------------------------------------------------------


class TestNavigation:
    def test_the_workbench_links_to_matters_with_a_lazy_count(self, world, english):
        file_dispute(world)
        client = client_for(world.staff[Role.DISPATCHER])
        html = client.get("/staff/").content.decode()
        assert 'href="/staff/matters/"' in html and 'hx-get="/staff/matters/badge/"' in html
        badge = client.get("/staff/matters/badge/")
        assert badge.status_code == 200 and by_testid(badge.content.decode(), "nav-matters-new") == "1"

    def test_no_count_for_those_without_matter_pages_or_without_new_matters(self, world):
        assert client_for(world.staff[Role.ANALYST]).get("/staff/matters/badge/").status_code == 204
        assert client_for(world.staff[Role.DISPATCHER]).get("/staff/matters/badge/").status_code == 204
        assert Client().get("/staff/matters/badge/").status_code == 204
