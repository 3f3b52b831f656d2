"""The other side of some demo disputes: invitations, their answers, reminders and grid workers' visits.

Written for the demo. For a share of Jiangshan's disputes that are accepted, assigned or in mediation, the
handling staff invite the respondent through ``matters.respondents``; some answer through their link
(agree with proposed times, decline with a reason, write a message), some still wait after one or two
reminders, and two never reacted, so the reminder job opened a grid worker's visit: one still open in
城北社区 (``demo.grid_worker``'s list), one reported. The reminder job itself runs at the past working
mornings when it would have run. Once any respondent of the county was invited, later runs invite nobody.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from suyuan.accounts.models import User
from suyuan.demo.timeline import (
    Action,
    at_local,
    last_events_at,
    office_after,
    waking_after,
    working_days_ahead,
    working_days_back,
)
from suyuan.matters import respondents
from suyuan.matters.choices import (
    DayPart,
    FieldTaskOutcome,
    FieldTaskStatus,
    MatterKind,
    PartyRole,
)
from suyuan.matters.models import FieldTask, Matter, Party, RespondentInvitation
from suyuan.workdays.selectors import CHINA

REMINDER_RUN = dt.time(9, 0, 30)  # the job's run on a working morning, just after reminders fall due
SENT_AT = dt.time(10, 20)


@dataclass(frozen=True)
class Story:
    """What happens to one invitation: ``back`` working days ago it was sent (None: soon after the last
    event), then the respondent answers (``answer``) or does not (the reminders and the visit follow)."""

    name: str
    back: int | None = None
    answer: str = ""  # "agree", "decline" or "" (no answer)
    times: int = 0  # how many times they propose
    reply: str = ""  # a message with the answer
    later: str = ""  # a message written a day after answering
    reason: str = ""  # why they decline
    visit: str = ""  # "open" or "done": the grid worker's visit
    home: bool = False  # best in the grid worker's own village


STORIES: tuple[Story, ...] = (
    Story("visit-open", back=8, visit="open", home=True),
    Story("visit-done", back=12, visit="done"),
    Story("two-reminders", back=6),
    Story("one-reminder", back=3),
    Story("one-reminder-b", back=3),
    Story(
        "agree-times",
        answer="agree",
        times=2,
        reply="我白天在工地上班，最好安排在下午四点以后，或者周六上午。",
    ),
    Story(
        "decline",
        answer="decline",
        reason="这件事我们已经在村里说清楚了，钱早就还了，没有什么好调解的。",
    ),
    Story("agree-later", answer="agree", times=1, later="我想问一下调解时需要带哪些材料？借条原件要不要带？"),
    Story("agree-plain", answer="agree", times=3),
    Story(
        "decline-court",
        answer="decline",
        reason="对方要价太高，我不同意调解，准备直接去法院起诉。",
        reply="有什么事可以先打我电话。",
    ),
    Story("agree-reply", answer="agree", times=1, reply="同意调解，希望尽快解决，我也不想把关系闹僵。"),
)
VISIT_NOTE = "上门见到被申请人本人，转达了调解邀请。本人表示之前换了手机号没看到短信，同意参加调解。"
PARTS = (DayPart.MORNING, DayPart.AFTERNOON, DayPart.EVENING)


@dataclass
class _Candidate:
    matter: Matter
    party: Party
    last: dt.datetime


def _candidates(county: str, now: dt.datetime) -> list[_Candidate]:
    """Return the county's demo disputes whose respondent can be invited and was never invited."""
    invited = RespondentInvitation.objects.filter(matter=OuterRef("pk"))
    matters = list(
        Matter.objects.filter(
            idempotency_key__startswith="demo-",
            kind=MatterKind.DISPUTE,
            status__in=respondents.INVITABLE_STATUSES,
            region__code__startswith=county,
            due_at__gt=now,  # not overdue: the supervision sweep of the past acts on those
        )
        .exclude(Exists(invited))
        .select_related("organization", "mediator")
        .order_by("created_at", "pk")
    )
    lasts = last_events_at([m.pk for m in matters])
    parties = {
        p.matter_id: p
        for p in Party.objects.filter(matter__in=matters, role=PartyRole.RESPONDENT)
        .exclude(phone_hash="")
        .order_by("-pk")
    }
    return [_Candidate(m, parties[m.pk], lasts[m.pk]) for m in matters if m.pk in parties]


def invitation_actions(
    *, county: str, home_village: str, dispatcher: User, grid_worker: User, now: dt.datetime
) -> list[Action]:
    """Plan the invitations of ``county``'s disputes and what follows them, as actions in time."""
    if RespondentInvitation.objects.filter(matter__region__code__startswith=county).exists():
        return []  # built on an earlier run (or the demo is being used): leave the other side alone
    today = timezone.localdate(now)
    candidates = _candidates(county, now)
    actions: list[Action] = []
    used: set[int] = set()
    sent_days: list[dt.date] = []
    for index, story in enumerate(STORIES):
        pool = [c for c in candidates if c.matter.pk not in used]
        if story.home:
            pool = sorted(pool, key=lambda c: not c.matter.region_id.startswith(home_village))
        if story.visit == "done":
            pool = sorted(pool, key=lambda c: c.matter.mediator_id is None)
        for candidate in pool:
            planned = _plan(story, index, candidate, dispatcher, grid_worker, today, now)
            if planned is not None:
                used.add(candidate.matter.pk)
                actions.extend(planned[0])
                sent_days.append(planned[1])
                break
    if sent_days:
        day = min(sent_days)
        while day <= today:
            moment = at_local(day, REMINDER_RUN)
            if moment < now:
                actions.append(Action(moment, 0, _remind(moment)))
            day = working_days_ahead(day, 1)
    return actions


def _remind(moment: dt.datetime) -> Callable[[], object]:
    return lambda: respondents.invitations_remind_due(now=moment)


def _plan(
    story: Story,
    index: int,
    candidate: _Candidate,
    dispatcher: User,
    grid_worker: User,
    today: dt.date,
    now: dt.datetime,
) -> tuple[list[Action], dt.date] | None:
    matter, party = candidate.matter, candidate.party
    inviter = matter.mediator or dispatcher
    if story.back is not None:
        sent = at_local(working_days_back(today, story.back), SENT_AT)
    else:
        sent = office_after(candidate.last + dt.timedelta(hours=2))
        if sent >= now - dt.timedelta(hours=2):
            # Built at night or over a weekend, the next office hours lie ahead: the invitation went out on
            # the last working day instead (a matter active since then is not a candidate for this story).
            sent = at_local(working_days_back(today, 1), SENT_AT)
    if sent <= candidate.last + dt.timedelta(minutes=10) or sent >= now - dt.timedelta(hours=2):
        return None
    actions = [
        Action(sent, 1, lambda: respondents.respondent_invite(matter=matter, party=party, actor=inviter))
    ]
    if story.answer:
        answered = waking_after(sent + dt.timedelta(hours=20 + index % 5))
        if answered >= now - dt.timedelta(minutes=30):
            # Late in the day (or the week) the next day's answer would lie in the future: this respondent
            # answered within the hour or two instead, so the demo has its answers at any time it is built.
            answered = waking_after(sent + dt.timedelta(hours=1 + index % 2))
        if answered >= now - dt.timedelta(minutes=30):
            return None
        actions.append(Action(answered, 2, _answer(story, matter, answered)))
        if story.later:
            later = waking_after(answered + dt.timedelta(hours=23))
            if later >= now:
                later = waking_after(answered + dt.timedelta(minutes=40))
            if later >= now:
                return None
            actions.append(Action(later, 3, _write(matter, story.later)))
    if story.visit == "done":
        # The reminder job opens the visit 7 working days after the invitation, at 09:00; the grid worker
        # (or the mediator, where the village has none on the platform) reports it the next afternoon.
        opened = working_days_ahead(sent.astimezone(CHINA).date(), 7)
        reported = at_local(working_days_ahead(opened, 1), dt.time(15, 30))
        if reported >= now:
            return None
        actions.append(Action(reported, 4, _report(matter, grid_worker)))
    return actions, sent.astimezone(CHINA).date()


def _answer(story: Story, matter: Matter, answered: dt.datetime) -> Callable[[], object]:
    def run() -> object:
        invitation = _latest(matter)
        day = answered.date()
        times = [(day + dt.timedelta(days=3 + 2 * i), PARTS[(matter.pk + i) % 3]) for i in range(story.times)]
        return respondents.invitation_respond(
            token=respondents.invitation_token(invitation),
            accept=story.answer == "agree",
            proposed_times=times,
            reply=story.reply,
            reason=story.reason,
        )

    return run


def _write(matter: Matter, text: str) -> Callable[[], object]:
    return lambda: respondents.invitation_reply(
        token=respondents.invitation_token(_latest(matter)), text=text
    )


def _report(matter: Matter, grid_worker: User) -> Callable[[], object]:
    def run() -> object:
        task = FieldTask.objects.filter(matter=matter, status=FieldTaskStatus.OPEN).order_by("-pk").first()
        if task is None:
            return None
        actor = grid_worker if respondents.may_complete(grid_worker, task) else matter.mediator
        if actor is None:
            return None
        return respondents.field_task_complete(
            task=task, actor=actor, outcome=FieldTaskOutcome.REACHED_AGREES, note=VISIT_NOTE
        )

    return run


def _latest(matter: Matter) -> RespondentInvitation:
    return RespondentInvitation.objects.filter(matter=matter).order_by("-sent_at", "-pk").first()  # type: ignore[return-value]
