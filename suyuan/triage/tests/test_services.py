"""Triage's services on hand-written fixtures: the first pass on a new matter, versions, decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from suyuan.accounts.choices import Role
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters.choices import EventKind, MatterStatus, PartyRole, Priority, Visibility
from suyuan.matters.models import Category, Matter, MatterEvent
from suyuan.matters.services import PartyInput
from suyuan.triage import artefacts, classifier, services
from suyuan.triage.choices import (
    CandidateStatus,
    GroupKind,
    LabelSource,
    ModelTarget,
    RiskKind,
    VersionSource,
    VersionStatus,
)
from suyuan.triage.models import (
    BandKey,
    DuplicateCandidate,
    Fingerprint,
    GroupMember,
    Label,
    ModelVersion,
    Proposal,
    RiskFlag,
)
from suyuan.triage.tests.conftest import corpus, file_and_triage, wage_parties

pytestmark = pytest.mark.django_db

WAGES = "老板拖欠我们三个月工资一直不发，工人讨薪无门"


def events(matter: Matter, kind: str) -> list[MatterEvent]:
    return list(MatterEvent.objects.filter(matter=matter, kind=kind).order_by("seq"))


class TestFirstPass:
    def test_a_new_deployment_starts_from_the_taxonomy_keywords(
        self, world, django_capture_on_commit_callbacks
    ):
        matter = file_and_triage(world, django_capture_on_commit_callbacks, title="讨薪", description=WAGES)
        version = ModelVersion.objects.get(model__name="category")
        assert version.source == VersionSource.KEYWORDS
        assert version.status == VersionStatus.ACTIVE
        proposal = Proposal.objects.get(matter=matter, target=ModelTarget.CATEGORY)
        assert proposal.value == "labour_wages"
        assert 0 < proposal.confidence <= 1
        assert proposal.top[0][0] == "labour_wages"
        [event] = events(matter, EventKind.TRIAGED)
        assert event.visibility == Visibility.INTERNAL
        assert event.actor is None
        assert event.data["proposals"]["category"]["value"] == "labour_wages"

    def test_a_confident_proposal_is_applied_and_a_doubtful_one_waits(
        self, world, trained, django_capture_on_commit_callbacks
    ):
        trained.model.threshold = 0.0
        trained.model.save()
        applied = file_and_triage(world, django_capture_on_commit_callbacks, title="讨薪", description=WAGES)
        assert applied.category is not None and applied.category.code == "labour_wages"
        assert Proposal.objects.get(matter=applied, target=ModelTarget.CATEGORY).applied
        version_before = applied.version

        trained.model.threshold = 1.01
        trained.model.save()
        waiting = file_and_triage(world, django_capture_on_commit_callbacks, title="讨薪", description=WAGES)
        assert waiting.category is None
        proposal = Proposal.objects.get(matter=waiting, target=ModelTarget.CATEGORY)
        assert proposal.value == "labour_wages" and not proposal.applied
        assert version_before >= 2  # applying bumped the matter's version

    def test_a_category_the_citizen_chose_is_never_overwritten(
        self, world, trained, django_capture_on_commit_callbacks
    ):
        trained.model.threshold = 0.0
        trained.model.save()
        matter = file_and_triage(
            world,
            django_capture_on_commit_callbacks,
            title="讨薪",
            description=WAGES,
            category=Category.objects.get(code="contract"),
        )
        assert matter.category is not None and matter.category.code == "contract"
        assert not Proposal.objects.get(matter=matter, target=ModelTarget.CATEGORY).applied

    def test_running_twice_changes_nothing(self, world, django_capture_on_commit_callbacks):
        matter = file_and_triage(world, django_capture_on_commit_callbacks, description=WAGES)
        assert services.matter_triage(matter_id=matter.pk) is None
        assert len(events(matter, EventKind.TRIAGED)) == 1
        assert BandKey.objects.filter(matter=matter).count() == len(
            services.minhash.band_keys(services.minhash.signature(services.matter_text(matter)))
        )

    def test_a_lost_task_is_found_by_the_sweep(self, world, time_machine):
        from suyuan.matters.tests.conftest import file_dispute

        matter = file_dispute(world)  # no on-commit callbacks: the task "was lost"
        time_machine.move_to(matter.created_at + dt.timedelta(minutes=10))
        assert matter.pk in services.untriaged_matter_ids()
        services.matter_triage(matter_id=matter.pk)
        assert matter.pk not in services.untriaged_matter_ids()

    def test_an_artefact_not_signed_by_this_deployment_is_not_loaded(self, world, trained):
        ModelVersion.objects.filter(pk=trained.pk).update(artefact_signature="0" * 64)
        artefacts.clear()
        version = ModelVersion.objects.get(pk=trained.pk)
        with pytest.raises(artefacts.ArtefactRefused):
            services.version_classifier(version)
        from suyuan.matters.tests.conftest import file_dispute

        matter = file_dispute(world, category=None, description=WAGES)
        services.matter_triage(matter_id=matter.pk)
        assert not Proposal.objects.filter(matter=matter, target=ModelTarget.CATEGORY).exists()
        assert events(matter, EventKind.TRIAGED)  # the rest of triage still ran

    def test_the_statements_of_a_triage_do_not_grow_with_the_matters_indexed(
        self, world, trained, django_capture_on_commit_callbacks
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from suyuan.matters.tests.conftest import file_dispute

        account = "在某某建筑劳务公司的工地干活，工资拖欠了四个月，老板不接电话"

        def statements_for_a_new_one(number: int) -> int:
            matter = file_dispute(
                world, category=None, description=account, parties=wage_parties(phone=f"1370000{number:04d}")
            )
            with CaptureQueriesContext(connection) as captured:
                services.matter_triage(matter_id=matter.pk)
            assert GroupMember.objects.filter(matter=matter).exists()  # it found its group
            assert DuplicateCandidate.objects.filter(matter=matter).exists()  # and its look-alikes
            return len(captured)

        for i in range(3):
            file_and_triage(
                world,
                django_capture_on_commit_callbacks,
                description=account,
                parties=wage_parties(f"1380000{i:04d}"),
            )
        few = statements_for_a_new_one(1)
        for i in range(3, 15):
            file_and_triage(
                world,
                django_capture_on_commit_callbacks,
                description=account,
                parties=wage_parties(f"1380000{i:04d}"),
            )
        many = statements_for_a_new_one(2)
        assert few == many
        assert many <= 23  # in a test the outer transaction is a savepoint: two statements more

    def test_a_versions_artefact_is_read_once_per_process(self, world, trained):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from suyuan.matters.tests.conftest import file_dispute

        artefacts.clear()
        matters = [file_dispute(world, category=None, description=WAGES) for _ in range(3)]
        with CaptureQueriesContext(connection) as captured:
            for matter in matters:
                services.matter_triage(matter_id=matter.pk)
        reads = [q["sql"] for q in captured if '"triage_modelartefact"."data" AS' in q["sql"]]
        assert len(reads) == 1
        assert Proposal.objects.filter(matter__in=matters, target=ModelTarget.CATEGORY).count() == 3


class TestVersions:
    def test_a_first_learned_version_is_promoted_over_the_keywords(self, world):
        model = services.model_get_or_create("category")
        services.model_bootstrap(model)
        texts, labels = corpus()
        result = services.model_train(model=model, texts=texts, labels=labels, source=VersionSource.FILE)
        assert result.promoted
        version = result.version
        assert version.status == VersionStatus.ACTIVE
        assert version.training_size == len(texts)
        assert set(version.metrics) >= {"macro_f1", "per_class", "confusion", "labels", "test_size"}
        assert version.metrics["test_size"] >= 3
        assert (
            ModelVersion.objects.get(model=model, source=VersionSource.KEYWORDS).status
            == VersionStatus.RETIRED
        )

    def test_a_worse_version_is_rejected_and_the_active_one_stays(self, world, trained, monkeypatch):
        texts, labels = corpus()
        real = classifier.evaluate_holdout

        def worse(*args, **kwargs):
            # The recipe's real figures on the held-back split, made worse than the active version's there.
            metrics = real(*args, **kwargs)
            metrics.macro_f1 = 0.2
            return metrics

        monkeypatch.setattr(classifier, "evaluate_holdout", worse)
        result = services.model_train(
            model=trained.model, texts=texts, labels=labels, source=VersionSource.FILE
        )
        assert not result.promoted
        assert result.version.status == VersionStatus.REJECTED
        assert result.version.baseline_metrics["macro_f1"] > result.version.metrics["macro_f1"]
        assert "Not promoted" in result.version.decision or "未" in result.version.decision
        trained.refresh_from_db()
        assert trained.status == VersionStatus.ACTIVE

    def test_rollback_brings_back_the_previous_version_in_one_action(self, world, trained):
        texts, labels = corpus()
        second = services.model_train(
            model=trained.model, texts=texts, labels=labels, source=VersionSource.FILE, promote=False
        )
        assert second.version.status == VersionStatus.CANDIDATE
        services.version_promote(version=second.version, actor=world.operator)
        back = services.version_rollback(model=trained.model, actor=world.operator)
        assert back.pk == trained.pk
        assert back.status == VersionStatus.ACTIVE
        second.version.refresh_from_db()
        assert second.version.status == VersionStatus.REJECTED
        assert ModelVersion.objects.filter(model=trained.model, status=VersionStatus.ACTIVE).count() == 1
        promoted = services.version_promote(version=second.version, actor=world.operator)
        assert promoted.status == VersionStatus.ACTIVE

    def test_only_platform_operators_promote_and_roll_back(self, world, trained):
        for role in (Role.ADMINISTRATOR, Role.SUPERVISOR, Role.DISPATCHER):
            with pytest.raises(Forbidden):
                services.version_rollback(model=trained.model, actor=world.staff[role])
            with pytest.raises(Forbidden):
                services.version_promote(version=trained, actor=world.staff[role])
        with pytest.raises(ValidationError):
            services.version_rollback(model=trained.model, actor=world.operator)  # nothing earlier

    def test_data_that_cannot_make_a_model_is_refused_clearly(self, world):
        model = services.model_get_or_create("category")
        with pytest.raises(classifier.TrainingError):
            services.model_train(
                model=model, texts=["拖欠工资"] * 5, labels=["labour_wages"] * 5, source="file"
            )
        with pytest.raises(classifier.TrainingError):
            services.model_train(model=model, texts=["", "  ", "!!"], labels=["a", "b", "c"], source="file")
        assert not ModelVersion.objects.filter(model=model).exists()

    def test_labels_of_the_deployment_train_the_next_version(self, world, django_capture_on_commit_callbacks):
        dispatcher = world.staff[Role.DISPATCHER]
        texts, labels = corpus()
        for text, label in zip(texts, labels, strict=True):
            matter = file_and_triage(
                world, django_capture_on_commit_callbacks, title=text[:10], description=text
            )
            services.category_decide(
                matter=matter, actor=dispatcher, category=Category.objects.get(code=label)
            )
        _texts, got_labels = services.training_examples(services.model_get_or_create("category"))
        assert sorted(got_labels) == sorted(labels)
        result = services.model_train_from_labels(name="category")
        assert result.version.source == VersionSource.LABELS
        assert result.version.training_size == len(texts)


class TestDecisions:
    def test_confirming_and_correcting_store_labels(self, world, trained, django_capture_on_commit_callbacks):
        trained.model.threshold = 1.01
        trained.model.save()
        dispatcher = world.staff[Role.DISPATCHER]
        matter = file_and_triage(world, django_capture_on_commit_callbacks, title="讨薪", description=WAGES)
        services.category_decide(
            matter=matter, actor=dispatcher, category=Category.objects.get(code="labour_wages"), note="确认"
        )
        label = Label.objects.get(matter=matter)
        assert (label.value, label.source, label.actor) == ("labour_wages", LabelSource.CONFIRMED, dispatcher)
        [event] = events(matter, EventKind.CATEGORIZED)
        assert event.data == {"from": "", "to": "labour_wages"} and event.visibility == Visibility.INTERNAL

        services.category_decide(
            matter=matter, actor=dispatcher, category=Category.objects.get(code="contract")
        )
        newest = Label.objects.filter(matter=matter).order_by("-id")[0]
        assert (newest.value, newest.source) == ("contract", LabelSource.CORRECTED)
        proposal = Proposal.objects.get(matter=matter, target=ModelTarget.CATEGORY)
        assert proposal.decided_value == "contract"

    def test_who_may_decide_a_category(self, world, dispute):
        category = Category.objects.get(code="contract")
        for role in (Role.MEDIATOR, Role.GRID_WORKER, Role.ANALYST):
            with pytest.raises((Forbidden, NotFound)):
                services.category_decide(matter=dispute, actor=world.staff[role], category=category)
        with pytest.raises(NotFound):
            services.category_decide(matter=dispute, actor=world.kecheng, category=category)
        with pytest.raises(Forbidden):  # the citizen who filed it sees it, and may not decide
            services.category_decide(matter=dispute, actor=world.citizen, category=category)
        assert not Label.objects.exists()
        services.category_decide(matter=dispute, actor=world.staff[Role.SUPERVISOR], category=category)

    def test_a_stale_form_changes_nothing(self, world, dispute):
        from suyuan.matters.services import StaleMatter

        with pytest.raises(StaleMatter):
            services.category_decide(
                matter=dispute,
                actor=world.staff[Role.DISPATCHER],
                category=Category.objects.get(code="contract"),
                expected_version=dispute.version + 5,
            )
        assert not Label.objects.exists()


class TestFlags:
    def test_threats_raise_an_urgent_flag_with_their_words(self, world, django_capture_on_commit_callbacks):
        text = "老板拖欠工资半年，再不给钱我就从工地楼顶跳下去"
        matter = file_and_triage(world, django_capture_on_commit_callbacks, description=text)
        flag = RiskFlag.objects.get(matter=matter, kind=RiskKind.SELF_HARM)
        assert flag.evidence and flag.cleared_at is None
        description_words = [e["text"] for e in flag.evidence]
        assert any(w in services.matter_text(matter) for w in description_words)
        assert matter.priority == Priority.URGENT
        assert events(matter, EventKind.TRIAGED)[0].data["applied"]["priority"] == {"from": 0, "to": 2}

    def test_a_vulnerable_party_is_a_fact_from_the_id_number(self, world, django_capture_on_commit_callbacks):
        parties = [
            PartyInput(
                role=PartyRole.APPLICANT, name="老人甲", phone="13900001111", id_number="110101193501011236"
            ),
            PartyInput(role=PartyRole.RESPONDENT, name="儿子乙", phone="13900002222"),
        ]
        matter = file_and_triage(
            world, django_capture_on_commit_callbacks, parties=parties, description="儿子不付赡养费"
        )
        flag = RiskFlag.objects.get(matter=matter, kind=RiskKind.VULNERABLE)
        assert flag.detail
        assert matter.priority == Priority.HIGH

    def test_repeat_visits_count_the_applicants_matters_of_the_year_before(
        self, world, django_capture_on_commit_callbacks, time_machine
    ):
        subjects = [
            "楼道里堆满纸箱旧家具",
            "小区车位总被外来车辆占着",
            "垃圾站夏天臭气熏天",
            "门口路灯坏了半年没修",
        ]
        start = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)

        def file(days: int, subject: str) -> Matter:
            time_machine.move_to(start + dt.timedelta(days=days))
            return file_and_triage(
                world,
                django_capture_on_commit_callbacks,
                title=subject[:6],
                description=subject,
                desired_outcome="",
            )

        filed = [file(days, subject) for days, subject in zip((0, 200, 400), subjects, strict=False)]
        # The first is more than a year before the third: one earlier matter counts, below the threshold.
        assert not RiskFlag.objects.filter(matter=filed[2], kind=RiskKind.REPEAT_VISITS).exists()
        fourth = file(410, subjects[3])
        flag = RiskFlag.objects.get(matter=fourth, kind=RiskKind.REPEAT_VISITS)
        assert "2" in flag.detail
        # The same phone, other disputes: not duplicates (texts differ, and the first is outside the window).
        assert not DuplicateCandidate.objects.filter(matter=fourth).exists()

    def test_clearing_needs_a_reason_and_lowers_the_priority(self, world, django_capture_on_commit_callbacks):
        matter = file_and_triage(
            world, django_capture_on_commit_callbacks, description="他说再不解决就拿刀砍死对方"
        )
        flag = RiskFlag.objects.get(matter=matter, kind=RiskKind.VIOLENCE)
        dispatcher = world.staff[Role.DISPATCHER]
        with pytest.raises(ValidationError):
            services.flag_clear(flag=flag, actor=dispatcher, reason="  ")
        with pytest.raises(NotFound):
            services.flag_clear(flag=flag, actor=world.kecheng, reason="误报")
        for insider in (world.citizen, world.staff[Role.MEDIATOR]):  # the citizen filed it; reads, not triage
            with pytest.raises(Forbidden):
                services.flag_clear(flag=flag, actor=insider, reason="误报")
        flag.refresh_from_db()
        assert flag.cleared_at is None
        services.flag_clear(flag=flag, actor=dispatcher, reason="电话回访，气话，已平复")
        flag.refresh_from_db()
        assert flag.cleared_by == dispatcher and flag.clear_reason == "电话回访，气话，已平复"
        matter.refresh_from_db()
        assert matter.priority == Priority.NORMAL
        [cleared] = events(matter, EventKind.FLAG_CLEARED)
        assert cleared.data["flag"] == RiskKind.VIOLENCE and cleared.text == "电话回访，气话，已平复"
        assert events(matter, EventKind.PRIORITY_CHANGED)
        with pytest.raises(ValidationError):
            services.flag_clear(flag=flag, actor=dispatcher, reason="再清一次")


class TestDuplicates:
    def test_the_same_dispute_filed_twice_is_a_candidate_with_evidence(
        self, world, django_capture_on_commit_callbacks
    ):
        first = file_and_triage(
            world, django_capture_on_commit_callbacks, description=WAGES + "，已经找过劳动监察大队。"
        )
        second = file_and_triage(
            world,
            django_capture_on_commit_callbacks,
            channel="hotline",
            description="来电人反映：" + WAGES + "。",
        )
        candidate = DuplicateCandidate.objects.get(matter=second)
        assert candidate.candidate_id == first.pk
        assert candidate.evidence["same_party"] == ["phone"]
        assert candidate.evidence["similar_text"] >= 0.5
        assert candidate.evidence["same_place"] == "village"
        assert Fingerprint.objects.filter(matter__in=[first, second]).count() == 2

    def test_unrelated_matters_are_not_candidates(self, world, django_capture_on_commit_callbacks):
        file_and_triage(world, django_capture_on_commit_callbacks, description=WAGES)
        other = file_and_triage(
            world,
            django_capture_on_commit_callbacks,
            description="楼上邻居半夜装修噪音太大影响休息，孩子第二天还要上学",
            parties=[
                PartyInput(role=PartyRole.APPLICANT, name="市民丙", phone="13900005555"),
                PartyInput(role=PartyRole.RESPONDENT, name="楼上", phone="13900006666"),
            ],
        )
        assert not DuplicateCandidate.objects.filter(matter=other).exists()

    def test_merging_writes_events_on_both_and_tells_the_citizen(
        self, world, django_capture_on_commit_callbacks, sms_outbox
    ):
        first = file_and_triage(world, django_capture_on_commit_callbacks, description=WAGES)
        second = file_and_triage(world, django_capture_on_commit_callbacks, description=WAGES + "。")
        candidate = DuplicateCandidate.objects.get(matter=second)
        sms_outbox.clear()
        with pytest.raises(Forbidden):
            services.candidate_merge(candidate=candidate, actor=world.staff[Role.MEDIATOR])
        services.candidate_merge(candidate=candidate, actor=world.staff[Role.DISPATCHER])
        second.refresh_from_db()
        assert second.status == MatterStatus.MERGED and second.merged_into_id == first.pk
        assert events(second, EventKind.MERGED) and events(first, EventKind.MERGED_IN)
        assert any(second.display_code in body and first.display_code in body for _phone, body in sms_outbox)
        candidate.refresh_from_db()
        assert candidate.status == CandidateStatus.MERGED
        with pytest.raises(ValidationError):
            services.candidate_merge(candidate=candidate, actor=world.staff[Role.DISPATCHER])

    def test_dismissing(self, world, django_capture_on_commit_callbacks):
        file_and_triage(world, django_capture_on_commit_callbacks, description=WAGES)
        second = file_and_triage(world, django_capture_on_commit_callbacks, description=WAGES + "。")
        candidate = DuplicateCandidate.objects.get(matter=second)
        with pytest.raises(NotFound):
            services.candidate_dismiss(candidate=candidate, actor=world.kecheng)
        services.candidate_dismiss(candidate=candidate, actor=world.staff[Role.DISPATCHER])
        candidate.refresh_from_db()
        assert candidate.status == CandidateStatus.DISMISSED


class TestGroups:
    def test_three_matters_against_one_employer_become_a_group(
        self, world, django_capture_on_commit_callbacks
    ):
        accounts = [
            "在某某建筑劳务公司的工地干活，工资拖欠了四个月",
            "我是钢筋工，劳务公司说项目款没到一直不发工钱",
            "木工班组十几个人的工资都没拿到，公司老板不接电话",
        ]
        matters = [
            file_and_triage(
                world,
                django_capture_on_commit_callbacks,
                description=text,
                parties=wage_parties(phone=f"1390000{4000 + i}"),
            )
            for i, text in enumerate(accounts)
        ]
        members = GroupMember.objects.filter(matter__in=matters).select_related("group")
        assert members.count() == 3
        group = members[0].group
        assert group.kind == GroupKind.COUNTERPARTY
        assert "江山市某某建筑劳务有限公司" in group.reason
        assert events(matters[2], EventKind.GROUPED)
        assert not events(matters[0], EventKind.GROUPED)  # it was alone when it came in

    def test_two_matters_are_not_a_group(self, world, django_capture_on_commit_callbacks):
        for i in range(2):
            file_and_triage(
                world,
                django_capture_on_commit_callbacks,
                description=WAGES,
                parties=wage_parties(phone=f"1390000{5000 + i}"),
            )
        assert not GroupMember.objects.exists()

    def test_matters_on_one_topic_in_one_township_become_a_group(
        self, world, django_capture_on_commit_callbacks
    ):
        accounts = [
            "城北安置房工地的泥水工，干了四个月工资没拿到，包工头说工程款没到位",
            "在城北安置房工地做钢筋，班组八个人的工资拖了三个月，包工头说工程款没拨下来",
            "城北安置房工地木工班的工资一直拖着不结，包工头说等工程款，快过年了家里等钱用",
        ]
        matters = [
            file_and_triage(
                world,
                django_capture_on_commit_callbacks,
                description=text,
                category=Category.objects.get(code="labour_wages"),
                parties=[
                    PartyInput(role=PartyRole.APPLICANT, name=f"工人{i}", phone=f"1390000{6000 + i}"),
                    PartyInput(role=PartyRole.RESPONDENT, name=f"包工头{i}", phone=f"1380000{6000 + i}"),
                ],
            )
            for i, text in enumerate(accounts)
        ]
        group = GroupMember.objects.get(matter=matters[2]).group
        assert group.kind == GroupKind.PLACE_TOPIC
        assert GroupMember.objects.filter(group=group).count() == 3
        assert "3" in group.reason

    def test_one_person_repeating_one_dispute_is_not_a_group(self, world, django_capture_on_commit_callbacks):
        for _ in range(3):
            file_and_triage(
                world,
                django_capture_on_commit_callbacks,
                description=WAGES,
                category=Category.objects.get(code="labour_wages"),
            )
        assert not GroupMember.objects.exists()  # near-duplicates count once: a repeat visit, not a group


def test_place_names_of_the_deployment_are_not_learned(world):
    from suyuan.triage import text

    text.clear_place_names()
    services._places_loaded = False
    services.ensure_place_names()
    assert "某" in text.normalize("江山市双塔街道城北社区的邻居")
    assert "江山" not in text.normalize("江山市双塔街道城北社区的邻居")
