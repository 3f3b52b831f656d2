"""The emergency pages: every page and command for every role (and staff of another county), bad input,
the live partial, the board's strip, and the number of queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from suyuan.accounts.choices import Role
from suyuan.emergency import services
from suyuan.emergency.choices import IncidentStatus, TaskStatus
from suyuan.emergency.models import Incident, IncidentEvent, IncidentMatter, IncidentTask, TaskReport
from suyuan.emergency.tests.conftest import client_for, declare, send
from suyuan.matters.models import Matter
from suyuan.matters.tests.conftest import file_dispute

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "citizen",
    Role.GRID_WORKER,  # 城北社区 village committee: the village task is theirs
    Role.MEDIATOR,  # 双塔街道 township centre: the township task is theirs
    Role.DISPATCHER,  # 江山市 county centre, as are the supervisor, analyst and administrator
    Role.SUPERVISOR,
    Role.COURT_CLERK,
    Role.JUDGE,
    Role.AGENCY_OFFICER,
    Role.ANALYST,
    Role.ADMINISTRATOR,
    "kecheng",  # a dispatcher of 柯城区
    "operator",
]


def expect(default: int, **by_role: int) -> dict[str, int]:
    """Return the status for every role: ``default``, 302 to sign in for anonymous, 403 for the roles
    without emergency pages, unless ``by_role`` says otherwise."""
    statuses = {str(r): default for r in ROLES}
    statuses["anonymous"] = 302
    for role in ("citizen", Role.COURT_CLERK, Role.JUDGE, Role.AGENCY_OFFICER, Role.ADMINISTRATOR):
        statuses[str(role)] = 403
    statuses.update(by_role)
    return statuses


def written() -> tuple[int, ...]:
    return (
        Incident.objects.count(),
        IncidentEvent.objects.count(),
        IncidentTask.objects.count(),
        TaskReport.objects.count(),
        IncidentMatter.objects.count(),
    )


def check_matrix(world: Any, request: Callable[[Any], Any], statuses: dict[str, int]) -> None:
    """Make the request as every role, each in a transaction rolled back afterwards; a refused request
    writes nothing, a successful one redirects to its page (anonymous: to the sign-in)."""
    for who in ROLES:
        with transaction.atomic():
            before = written()
            response = request(client_for(world.actor(str(who))))
            assert response.status_code == statuses[str(who)], (who, response.status_code)
            if who == "anonymous":
                assert "login" in response["Location"]
            if response.status_code != 302 or who == "anonymous":
                assert written() == before, who
            transaction.set_rollback(True)


def test_list(world, tasks):
    check_matrix(world, lambda c: c.get("/staff/emergency/"), expect(200))
    html = client_for(world.staff[Role.GRID_WORKER]).get("/staff/emergency/").content.decode()
    assert "台风“海葵”防御" in html and 'data-testid="declare-link"' not in html
    html = client_for(world.kecheng).get("/staff/emergency/").content.decode()
    assert "海葵" not in html and 'data-testid="no-incidents"' in html


def test_declare_page(world):
    statuses = expect(200, **{Role.GRID_WORKER: 403, Role.MEDIATOR: 403, Role.ANALYST: 403})
    check_matrix(world, lambda c: c.get("/staff/emergency/declare/"), statuses)


def test_declare_post(world):
    data = {
        "organization": world.orgs["centre"].pk,
        "kind": "typhoon",
        "level": "red",
        "title": "台风",
        "regions": ["330881001"],
    }
    # Kecheng's dispatcher may declare for Kecheng, not with Jiangshan's centre: the form refuses it.
    statuses = expect(302, **{Role.GRID_WORKER: 403, Role.MEDIATOR: 403, Role.ANALYST: 403, "kecheng": 422})
    check_matrix(world, lambda c: c.post("/staff/emergency/declare/", data), statuses)


def test_detail_and_task_pages(world, tasks):
    url = f"/staff/emergency/{tasks['village'].incident_id}/"
    statuses = expect(200, kecheng=404)
    check_matrix(world, lambda c: c.get(url), statuses)
    check_matrix(world, lambda c: c.get(url, HTTP_HX_REQUEST="true"), statuses)
    check_matrix(world, lambda c: c.get(f"/staff/emergency/tasks/{tasks['village'].pk}/"), statuses)
    # A room that has no task in it and does not watch the place sees nothing.
    assert client_for(world.staff["shangyu_dispatcher"]).get(url).status_code == 404
    assert client_for(world.staff[Role.DISPATCHER]).get("/staff/emergency/999999/").status_code == 404


COMMANDERS = {Role.DISPATCHER: 302, Role.SUPERVISOR: 302, "operator": 302}
# The grid worker's village has no task in the incident yet: they do not see it.
NOT_COMMANDERS = {Role.GRID_WORKER: 404, Role.MEDIATOR: 403, Role.ANALYST: 403, "kecheng": 404}


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("tasks/", {"organization": "village", "title": "转移低洼户", "instructions": "", "due_at": ""}),
        ("level/", {"level": "red", "note": "升级"}),
        ("regions/", {"regions": "330881001001"}),
        ("close/", {"summary": "台风过境，无人员伤亡。"}),
    ],
)
def test_commands_on_an_incident(world, incident, path, data):
    if "organization" in data:
        data = {**data, "organization": world.orgs[data["organization"]].pk}
    statuses = expect(0, **COMMANDERS, **NOT_COMMANDERS)
    check_matrix(world, lambda c: c.post(f"/staff/emergency/{incident.pk}/{path}", data), statuses)


WORKERS = {Role.GRID_WORKER: 302, "operator": 302}
NOT_WORKERS = {
    Role.DISPATCHER: 403,
    Role.SUPERVISOR: 403,
    Role.MEDIATOR: 403,
    Role.ANALYST: 403,
    "kecheng": 404,
}


@pytest.mark.parametrize(
    ("path", "data", "statuses"),
    [
        ("acknowledge/", {}, {**WORKERS, **NOT_WORKERS}),
        (
            "report/",
            {"people_moved": "12", "people_sheltered": "10", "needs": "饮用水"},
            {**WORKERS, **NOT_WORKERS},
        ),
        (
            "done/",
            {"note": ""},
            {**WORKERS, **COMMANDERS, Role.MEDIATOR: 403, Role.ANALYST: 403, "kecheng": 404},
        ),
        ("cancel/", {"reason": "已由上级统一安排"}, {**COMMANDERS, **NOT_COMMANDERS, Role.GRID_WORKER: 403}),
    ],
)
def test_commands_on_a_task(world, tasks, path, data, statuses):
    task = tasks["village"]
    check_matrix(
        world, lambda c: c.post(f"/staff/emergency/tasks/{task.pk}/{path}", data), expect(0, **statuses)
    )


def test_tagging_a_dispute(world, incident):
    matter = file_dispute(world, title="台风刮落广告牌砸坏车辆赔偿纠纷")
    statuses = expect(
        0, **COMMANDERS, **{Role.MEDIATOR: 302, Role.GRID_WORKER: 404, Role.ANALYST: 403, "kecheng": 404}
    )
    check_matrix(
        world,
        lambda c: c.post(f"/staff/emergency/{incident.pk}/tag/", {"code": matter.display_code}),
        statuses,
    )


def test_the_flow_through_the_pages(world, english):
    dispatcher = client_for(world.staff[Role.DISPATCHER])
    response = dispatcher.post(
        "/staff/emergency/declare/",
        {
            "organization": world.orgs["centre"].pk,
            "kind": "typhoon",
            "level": "orange",
            "title": "台风“海葵”",
            "regions": ["330881001"],
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/emergency/{incident.pk}/"
    dispatcher.post(
        f"/staff/emergency/{incident.pk}/tasks/",
        {"organization": world.orgs["village"].pk, "title": "转移低洼户"},
    )
    task = IncidentTask.objects.get()
    village = client_for(world.staff[Role.GRID_WORKER])
    assert village.post(f"/staff/emergency/tasks/{task.pk}/acknowledge/").status_code == 302
    # Acknowledging twice: the page as it is now, 409.
    again = village.post(f"/staff/emergency/tasks/{task.pk}/acknowledge/")
    assert again.status_code == 409 and "cannot be acknowledged" in again.content.decode()
    village.post(
        f"/staff/emergency/tasks/{task.pk}/report/",
        {"people_moved": "30", "people_sheltered": "25", "needs": "棉被"},
    )
    page = dispatcher.get(f"/staff/emergency/{incident.pk}/").content.decode()
    assert 'data-testid="total-moved">30<' in page and "棉被" in page and 'hx-trigger="every 30s"' in page
    refused = dispatcher.post(f"/staff/emergency/{incident.pk}/close/", {"summary": "台风过境，转移完成。"})
    assert refused.status_code == 422 and "still open" in refused.content.decode()
    village.post(f"/staff/emergency/tasks/{task.pk}/done/", {"note": ""})
    assert (
        dispatcher.post(
            f"/staff/emergency/{incident.pk}/close/", {"summary": "台风过境，转移完成。"}
        ).status_code
        == 302
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    page = dispatcher.get(f"/staff/emergency/{incident.pk}/").content.decode()
    assert (
        'data-testid="close-summary"' in page
        and 'data-testid="task-form"' not in page
        and 'hx-trigger="every' not in page
    )


@pytest.mark.parametrize(
    ("where", "data", "message"),
    [
        ("report", {"people_moved": "-3", "people_sheltered": "0"}, "greater than or equal to 0"),
        ("report", {"people_moved": "5000000", "people_sheltered": "0"}, "less than or equal to"),
        ("send", {"title": "", "organization": "village"}, "This field is required"),
        ("send", {"title": "转移", "organization": "shangyu"}, "Select a valid choice"),
        (
            "send",
            {"title": "转移", "organization": "village", "due_at": "2001-01-01T08:00"},
            "must be in the future",
        ),
        ("declare", {"regions": ["330802001"]}, "Select a valid choice"),
        ("tag", {"code": "ZZZZ-ZZZZ"}, "No dispute with this tracking code"),
        ("regions", {"regions": "330802001"}, "outside the area"),
        ("level", {"level": "orange"}, "already at this level"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(world, tasks, where, data, message, english):
    incident = tasks["village"].incident
    if "organization" in data:
        data = {**data, "organization": world.orgs[data["organization"]].pk}
    url = {
        "report": f"/staff/emergency/tasks/{tasks['village'].pk}/report/",
        "send": f"/staff/emergency/{incident.pk}/tasks/",
        "declare": "/staff/emergency/declare/",
        "tag": f"/staff/emergency/{incident.pk}/tag/",
        "regions": f"/staff/emergency/{incident.pk}/regions/",
        "level": f"/staff/emergency/{incident.pk}/level/",
    }[where]
    if where == "declare":
        data = {
            "organization": world.orgs["centre"].pk,
            "kind": "typhoon",
            "level": "red",
            "title": "台风",
            **data,
        }
    user = world.staff[Role.GRID_WORKER] if where == "report" else world.staff[Role.DISPATCHER]
    before = written()
    response = client_for(user).post(url, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert written() == before
    assert IncidentTask.objects.get(pk=tasks["village"].pk).status == TaskStatus.SENT


def test_tagged_disputes_are_listed_to_those_who_may_open_them(world, incident, english):
    matter = file_dispute(world, title="台风刮落广告牌砸坏车辆赔偿纠纷")
    services.incident_tag_matter(incident=incident, actor=world.staff[Role.DISPATCHER], matter=matter)
    url = f"/staff/emergency/{incident.pk}/"
    html = client_for(world.staff[Role.DISPATCHER]).get(url).content.decode()
    assert matter.display_code in html and "1 dispute tagged." in html
    # Analysts see that there is one, not which (its title may name people).
    html = client_for(world.staff[Role.ANALYST]).get(url).content.decode()
    assert matter.display_code not in html and "广告牌" not in html and "1 dispute tagged." in html


def test_the_board_shows_the_active_incident_of_its_place(world, tasks):
    services.task_report(
        task=tasks["village"], actor=world.staff[Role.GRID_WORKER], people_moved=77, people_sheltered=70
    )
    html = (
        client_for(world.staff[Role.SUPERVISOR]).get("/staff/board/", HTTP_HX_REQUEST="true").content.decode()
    )
    assert 'data-testid="emergency-strip"' in html and "台风“海葵”防御" in html and "77" in html
    html = (
        client_for(world.staff[Role.ANALYST]).get("/staff/board/", {"region": "330881001"}).content.decode()
    )
    assert 'data-testid="emergency-strip"' in html
    # Not on the board of the other township, nor of the other county.
    html = (
        client_for(world.staff[Role.SUPERVISOR])
        .get("/staff/board/", {"region": "330881100"})
        .content.decode()
    )
    assert 'data-testid="emergency-strip"' not in html
    html = client_for(world.kecheng).get("/staff/board/").content.decode()
    assert 'data-testid="emergency-strip"' not in html and "海葵" not in html
    # Gone once closed.
    incident = tasks["village"].incident
    for task in tasks.values():
        services.task_done(task=task, actor=world.staff[Role.DISPATCHER])
    services.incident_close(
        incident=incident, actor=world.staff[Role.DISPATCHER], summary="台风过境，转移完成。"
    )
    html = client_for(world.staff[Role.SUPERVISOR]).get("/staff/board/").content.decode()
    assert 'data-testid="emergency-strip"' not in html


def queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_take_the_same_queries_however_many_incidents_and_tasks(world, tasks):
    client = client_for(world.staff[Role.DISPATCHER])
    incident = tasks["village"].incident
    matter = file_dispute(world)
    services.incident_tag_matter(incident=incident, actor=world.staff[Role.DISPATCHER], matter=matter)
    services.task_report(
        task=tasks["village"], actor=world.staff[Role.GRID_WORKER], people_moved=1, people_sheltered=1
    )
    urls = [
        "/staff/emergency/",
        f"/staff/emergency/{incident.pk}/",
        f"/staff/emergency/tasks/{tasks['village'].pk}/",
    ]
    client.get(urls[0])
    few = [queries(client, url) for url in urls]
    for n in range(4):
        other = declare(world, title=f"暴雨{n}")
        for _ in range(3):
            send(world, other, "village")
            send(world, incident, "township")
        services.task_report(
            task=tasks["village"], actor=world.staff[Role.GRID_WORKER], people_moved=n, people_sheltered=n
        )
        services.incident_tag_matter(
            incident=incident, actor=world.staff[Role.DISPATCHER], matter=file_dispute(world)
        )
    many = [queries(client, url) for url in urls]
    assert many == few
    assert max(many) <= 30
    assert Matter.objects.count() == 5
