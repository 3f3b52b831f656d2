"""Every write of triage: training and promoting model versions, the first pass on a new matter, and the
human decisions that follow it (confirm or correct a proposal, clear a flag, merge or dismiss a duplicate).

The first pass (``matter_triage``) runs as a task after intake commits. It proposes a category and a
handling organisation with the active model versions, raises risk flags from rules, looks for the same
dispute already in the platform and links group disputes, then records all of it on the matter in one
transaction (one internal ``triaged`` event). A repeat of the task for the same matter does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric

from suyuan.accounts.models import Organization, User
from suyuan.core.exceptions import Forbidden
from suyuan.matters import access as matter_access
from suyuan.matters import selectors as matter_selectors
from suyuan.matters import services as matter_services
from suyuan.matters.choices import (
    FINAL_STATUSES,
    EventKind,
    MatterStatus,
    PartyKind,
    PartyRole,
    Priority,
    Visibility,
)
from suyuan.matters.models import Category, Matter, MatterEvent, Party
from suyuan.regions.models import Region
from suyuan.triage import access, artefacts, classifier, clustering, flags, minhash
from suyuan.triage import text as normaliser
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
    MatterGroup,
    ModelArtefact,
    ModelVersion,
    Proposal,
    RiskFlag,
    TriageModel,
)

logger = logging.getLogger(__name__)

# The models every deployment has (created on first use).
CATEGORY_MODEL = "category"
ORGANIZATION_MODEL = "organization"
DEFAULT_MODELS = {
    CATEGORY_MODEL: ModelTarget.CATEGORY,
    ORGANIZATION_MODEL: ModelTarget.ORGANIZATION,
}
MODELS = tuple(DEFAULT_MODELS)
# A candidate may be promoted when its macro-F1 on the held-back split is at most this much below the
# active version's on the same split (noise of a few texts is not "worse").
PROMOTION_TOLERANCE = 0.01
HOLDOUT = 0.2
# Training uses at most the newest this many labelled matters (a large deployment retrains in minutes).
MAX_TRAINING_MATTERS = 50_000

# Duplicate search: how far back, how many candidates to verify and to keep.
DUPLICATE_WINDOW = dt.timedelta(days=180)
# Repeat visits (a flag) count the applicant's matters of the year before.
REPEAT_WINDOW = dt.timedelta(days=365)
MAX_PARTY_LINKS = 500
MAX_VERIFY = 200
MAX_CANDIDATES = 5
# A shared party is strong evidence, but one person may bring different disputes: with a shared party the
# texts need only this much in common to be shown.
PARTY_TEXT_FLOOR = 0.2
# Group disputes: how many matters, within how long, how similar on topic.
GROUP_MIN_SIZE = 3
GROUP_WINDOW = dt.timedelta(days=90)
TOPIC_WINDOW = dt.timedelta(days=30)
TOPIC_MAX_SCAN = 150

URGENT_KINDS = frozenset({RiskKind.VIOLENCE, RiskKind.SELF_HARM, RiskKind.EXTREME_ACT})


_places_loaded = False
_places_lock = threading.Lock()


def ensure_place_names() -> None:
    """Teach the text normaliser this deployment's place names (once per process), so that a model learns
    what happened and not where: 江山市, 双塔街道, 城北社区 become 某市, 某街道, 某社区 before training and
    before every prediction alike."""
    global _places_loaded
    if _places_loaded:
        return
    with _places_lock:
        if not _places_loaded:
            normaliser.register_place_names(
                Region.objects.values_list("name", flat=True).iterator(chunk_size=5000)
            )
            _places_loaded = True


def matter_text(matter: Matter) -> str:
    """The text triage reads: title, account and what the applicant wants."""
    return "\n".join(part for part in (matter.title, matter.description, matter.desired_outcome) if part)


# --- Models and versions -----------------------------------------------------------------------------------


def model_get_or_create(name: str, *, target: str | None = None) -> TriageModel:
    target = target or DEFAULT_MODELS.get(name, ModelTarget.OTHER)
    model, _created = TriageModel.objects.get_or_create(name=name, defaults={"target": target})
    return model


def _next_number(model: TriageModel) -> int:
    last = (
        ModelVersion.objects.filter(model=model).order_by("-number").values_list("number", flat=True).first()
    )
    return (last or 0) + 1


def active_version(model: TriageModel) -> ModelVersion | None:
    return ModelVersion.objects.filter(model=model, status=VersionStatus.ACTIVE).first()


# What the first pass on a matter needs of a version is its id, number, signature and model: the evaluation
# (a confusion matrix of a hundred classes is large) stays in the database; the artefact is another table.
_HEAVY_FIELDS = ("metrics", "baseline_metrics", "labels", "warnings", "decision")


def active_versions(names: Sequence[str]) -> dict[str, ModelVersion]:
    """The active version of each named model (one query, without the artefacts), by model name."""
    return {
        version.model.name: version
        for version in ModelVersion.objects.filter(model__name__in=list(names), status=VersionStatus.ACTIVE)
        .select_related("model")
        .defer(*_HEAVY_FIELDS)
    }


def version_classifier(version: ModelVersion) -> classifier.Classifier:
    """The version's classifier, from the process's cache; its artefact is read only on a cache miss.

    Raises ``artefacts.ArtefactRefused`` for bytes this deployment did not sign.
    """

    def fetch() -> bytes:
        return bytes(ModelArtefact.objects.values_list("data", flat=True).get(version_id=version.pk))

    return artefacts.load(version.pk, fetch, version.artefact_signature)


def _store(
    *,
    model: TriageModel,
    trained: classifier.Classifier,
    source: str,
    metrics: dict[str, Any],
    baseline: dict[str, Any],
    training_size: int,
    warnings: list[str],
    actor: User | None,
) -> ModelVersion:
    data = trained.dumps()
    version = ModelVersion.objects.create(
        model=model,
        number=_next_number(model),
        source=source,
        artefact_signature=artefacts.sign(data),
        labels=list(trained.labels),
        metrics=metrics,
        baseline_metrics=baseline,
        training_size=training_size,
        warnings=warnings,
        trained_by=actor if actor is not None and actor.is_authenticated else None,
    )
    ModelArtefact.objects.create(version=version, data=data)
    return version


@dataclass(frozen=True)
class Trained:
    version: ModelVersion
    promoted: bool


def model_train(
    *,
    model: TriageModel,
    texts: Sequence[str],
    labels: Sequence[str],
    source: str,
    actor: User | None = None,
    seed: int = 0,
    promote: bool = True,
    descriptions: dict[str, str] | None = None,
) -> Trained:
    """Train a new version of ``model`` and evaluate it on a held-back split; promote it if not worse.

    The figures stored are those of the recipe trained on 80% and tested on the other 20% (stratified,
    fixed seed); the stored classifier is then trained on all the data. The active version is scored on
    the same 20%, and the candidate is promoted only if its macro-F1 is not lower by more than
    ``PROMOTION_TOLERANCE`` (a first version is promoted). Raises ``classifier.TrainingError`` (translated)
    for data that cannot make a model: one class, no usable rows.

    ``descriptions`` (label → its name and keywords in the taxonomy) are added to the training texts, one
    example per label present in the data, never to the held-back texts: what the taxonomy says about a
    category helps most when there are few labelled matters (on 20 legal dispute types with 4 questions
    each, macro-F1 0.26 without the type names, 0.34 with them; see ``make eval``).
    """
    ensure_place_names()
    prepared = classifier.prepare(texts, labels)
    train_idx, test_idx = classifier.split(prepared.labels, test_size=HOLDOUT, seed=seed)
    present = sorted(set(prepared.labels))
    extra = [(descriptions[label], label) for label in present if descriptions and descriptions.get(label)]
    extra_texts, extra_labels = [t for t, _l in extra], [lab for _t, lab in extra]
    train_texts = [prepared.texts[i] for i in train_idx] + extra_texts
    train_labels = [prepared.labels[i] for i in train_idx] + extra_labels
    test_texts = [prepared.texts[i] for i in test_idx]
    test_labels = [prepared.labels[i] for i in test_idx]
    metrics = classifier.evaluate_holdout(train_texts, train_labels, test_texts, test_labels, seed=seed)
    full = classifier.train(prepared.texts + extra_texts, prepared.labels + extra_labels, seed=seed)
    current = active_version(model)
    baseline: dict[str, Any] = {}
    if current is not None and current.source != VersionSource.KEYWORDS:
        try:
            old = version_classifier(current)
            # Judged on the candidate's classes: a class the active version proposes that the held-back
            # texts do not have counts as a miss (None), not as a column of its own.
            known = set(test_labels)
            guesses = [p.label if p.label in known else None for p in old.predict(test_texts, top=1)]
            baseline = classifier.score(test_labels, guesses, training_size=current.training_size).to_dict()
        except artefacts.ArtefactRefused:
            logger.warning("triage: active version %s is not signed by this deployment", current.pk)
    with transaction.atomic():
        version = _store(
            model=model,
            trained=full,
            source=source,
            metrics=metrics.to_dict(),
            baseline=baseline,
            training_size=len(prepared.texts),
            warnings=list(prepared.warnings),
            actor=actor,
        )
        if not promote:
            version.decision = _("Trained without promotion.")
            version.save(update_fields=["decision"])
            return Trained(version, promoted=False)
        if baseline and metrics.macro_f1 + PROMOTION_TOLERANCE < float(baseline["macro_f1"]):
            version.status = VersionStatus.REJECTED
            version.decision = _(
                "Not promoted: macro-F1 %(new).3f on the held-back split, below the active version's %(old).3f."
            ) % {"new": metrics.macro_f1, "old": float(baseline["macro_f1"])}
            version.save(update_fields=["status", "decision"])
            return Trained(version, promoted=False)
        decision = (
            _("Promoted: macro-F1 %(new).3f on the held-back split, the active version had %(old).3f.")
            % {"new": metrics.macro_f1, "old": float(baseline["macro_f1"])}
            if baseline
            else _(
                "Promoted: macro-F1 %(new).3f on the held-back split; there was no learned version before."
            )
            % {"new": metrics.macro_f1}
        )
        _activate(version, decision=decision)
    return Trained(version, promoted=True)


def _activate(version: ModelVersion, *, decision: str) -> None:
    ModelVersion.objects.filter(model=version.model, status=VersionStatus.ACTIVE).exclude(
        pk=version.pk
    ).update(status=VersionStatus.RETIRED)
    version.status = VersionStatus.ACTIVE
    version.promoted_at = timezone.now()
    version.decision = decision
    version.save(update_fields=["status", "promoted_at", "decision"])


@transaction.atomic
def version_promote(*, version: ModelVersion, actor: User) -> ModelVersion:
    """Make ``version`` the active one by hand (any candidate, retired or rejected version)."""
    access.require_manage_models(actor)
    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == VersionStatus.ACTIVE:
        return version
    _activate(
        version, decision=_("Promoted by hand by %(name)s.") % {"name": actor.full_name or actor.username}
    )
    return version


@transaction.atomic
def version_rollback(*, model: TriageModel, actor: User) -> ModelVersion:
    """Go back to the version that was active before the current one (one action)."""
    access.require_manage_models(actor)
    TriageModel.objects.select_for_update().get(pk=model.pk)
    current = active_version(model)
    previous = (
        ModelVersion.objects.filter(model=model, status=VersionStatus.RETIRED, promoted_at__isnull=False)
        .order_by("-promoted_at", "-number")
        .first()
    )
    if previous is None:
        raise ValidationError({"version": _("There is no earlier version to go back to.")})
    if current is not None:
        current.status = VersionStatus.REJECTED
        current.decision = _("Rolled back by %(name)s.") % {"name": actor.full_name or actor.username}
        current.save(update_fields=["status", "decision"])
    _activate(
        previous,
        decision=_("Active again after a rollback by %(name)s.")
        % {"name": actor.full_name or actor.username},
    )
    return previous


def keyword_taxonomy() -> dict[str, list[str]]:
    """The categories' names and keywords, for a deployment that has no labels yet."""
    taxonomy: dict[str, list[str]] = {}
    for category in Category.objects.filter(is_active=True).order_by("sort_order", "code"):
        words = [
            w for w in category.keywords.replace(",", " ").replace("，", " ").replace("、", " ").split() if w
        ]
        words.append(category.name)
        taxonomy[category.code] = words
    return taxonomy


def model_bootstrap(model: TriageModel) -> ModelVersion | None:
    """Give a category model with no active version one built from the taxonomy's keywords."""
    if model.target != ModelTarget.CATEGORY:
        return None
    taxonomy = {code: words for code, words in keyword_taxonomy().items() if words}
    if len(taxonomy) < 2:
        return None
    trained = classifier.from_keywords(taxonomy)
    with transaction.atomic():
        TriageModel.objects.select_for_update().get(pk=model.pk)
        current = active_version(model)
        if current is not None:
            return current
        version = _store(
            model=model,
            trained=trained,
            source=VersionSource.KEYWORDS,
            metrics={},
            baseline={},
            training_size=0,
            warnings=[],
            actor=None,
        )
        _activate(version, decision=_("Started from the taxonomy's keywords: no labelled matters yet."))
    return version


def training_examples(model: TriageModel) -> tuple[list[str], list[str]]:
    """The deployment's labelled matters for ``model``: texts and labels, newest first.

    Categories: the newest human label of each matter (a confirmation, a correction or a decision), and
    matters of imported history that came with a category. Organisations: the organisation that accepted
    each matter (accepting confirms where a matter belongs; a reassignment before acceptance corrects it),
    and explicit labels.
    """
    labelled: dict[int, str] = {}
    for matter_id, value in (
        Label.objects.filter(target=model.target)
        .order_by("matter_id", "-created_at", "-id")
        .values_list("matter_id", "value")[: MAX_TRAINING_MATTERS * 2]
    ):
        labelled.setdefault(matter_id, value)
    if model.target == ModelTarget.CATEGORY:
        imported = (
            Matter.objects.filter(channel="import", category__isnull=False)
            .exclude(pk__in=list(labelled))
            .order_by("-created_at")
            .values_list("pk", "category__code")[:MAX_TRAINING_MATTERS]
        )
        labelled.update({pk: code for pk, code in imported if pk not in labelled})
    elif model.target == ModelTarget.ORGANIZATION:
        accepted = (
            Matter.objects.filter(accepted_at__isnull=False, organization__isnull=False)
            .order_by("-accepted_at")
            .values_list("pk", "organization_id")[:MAX_TRAINING_MATTERS]
        )
        for pk, organization_id in accepted:
            labelled.setdefault(pk, str(organization_id))
    ids = sorted(labelled, reverse=True)[:MAX_TRAINING_MATTERS]
    texts: list[str] = []
    labels: list[str] = []
    rows = Matter.objects.filter(pk__in=ids).values_list("pk", "title", "description", "desired_outcome")
    by_id = {pk: "\n".join(p for p in parts if p) for pk, *parts in rows}
    for pk in ids:
        if pk in by_id:
            texts.append(by_id[pk])
            labels.append(labelled[pk])
    return texts, labels


def model_train_from_labels(*, name: str, actor: User | None = None) -> Trained:
    """Train ``name`` on the deployment's labelled matters (the background task and the "train now" button)."""
    model = model_get_or_create(name)
    if model.target == ModelTarget.OTHER:
        raise ValidationError(
            {"model": _("This model was trained from a file; train it again with triage_train.")}
        )
    texts, labels = training_examples(model)
    descriptions = None
    if model.target == ModelTarget.CATEGORY:
        descriptions = {code: " ".join(words) for code, words in keyword_taxonomy().items()}
    return model_train(
        model=model,
        texts=texts,
        labels=labels,
        source=VersionSource.LABELS,
        actor=actor,
        descriptions=descriptions,
    )


# --- The first pass on a new matter -----------------------------------------------------------------------


def _predict(
    name: str, version: ModelVersion | None, content: str
) -> tuple[ModelVersion | None, classifier.Prediction | None]:
    """Model ``name``'s proposal for ``content`` with its active ``version`` (a model without one starts
    from the taxonomy's keywords if it can)."""
    if version is None and DEFAULT_MODELS.get(name) == ModelTarget.CATEGORY:
        version = model_bootstrap(model_get_or_create(name))  # a taxonomy's keywords make a first model
    if version is None:
        return None, None
    try:
        trained = version_classifier(version)
    except artefacts.ArtefactRefused:
        logger.error("triage: version %s of %s is not signed by this deployment; not used", version.pk, name)
        return None, None
    return version, trained.predict_one(content, top=3)


def _organization_fits(organization: Organization, matter: Matter) -> bool:
    """An organisation may take a matter of its own region or below, or one in the county it sits in."""
    region = organization.region_id or ""
    return organization.is_active and (
        matter.region_id.startswith(region) or matter.region_id[:6] == region[:6]
    )


def _birth_dates(parties: Iterable[Party]) -> tuple[dt.date, ...]:
    dates = []
    for party in parties:
        if party.kind != PartyKind.PERSON or not party.id_number:
            continue
        try:
            dates.append(ric.get_birth_date(party.id_number))
        except Exception:  # noqa: S112 - a stored number is validated; a bad one is no fact at all
            continue
    return tuple(dates)


@dataclass(frozen=True)
class PartyLink:
    """A party of another, earlier matter with the same phone or ID number (keyed hashes) as one of this
    matter's parties."""

    matter_id: int
    role: str
    phone_hash: str
    id_number_hash: str
    received: dt.datetime


def party_links(matter: Matter, parties: list[Party]) -> list[PartyLink]:
    """Every party of the matters received in the year before this one that shares a phone or an ID
    number with one of its parties, newest first (at most ``MAX_PARTY_LINKS``): one indexed query that
    serves both the repeat-visit fact of the flags and the "same parties" of the duplicate search."""
    keys = _party_keys(parties)
    if not keys:
        return []
    query = Q()
    for field, value, _role in keys:
        query |= Q(**{field: value})
    rows = (
        Party.objects.filter(
            query,
            matter__created_at__gte=matter.created_at - max(REPEAT_WINDOW, DUPLICATE_WINDOW),
            matter__created_at__lte=matter.created_at,
        )
        .exclude(matter_id=matter.pk)
        .order_by("-matter_id")
        .values_list("matter_id", "role", "phone_hash", "id_number_hash", "matter__created_at")
    )
    return [PartyLink(*row) for row in rows[:MAX_PARTY_LINKS]]


def _earlier_matters(matter: Matter, applicant: Party | None, links: list[PartyLink]) -> int:
    """How many matters the applicant filed in the year before this one (same phone or ID number)."""
    if applicant is None:
        return 0
    since = matter.created_at - REPEAT_WINDOW
    return len(
        {
            link.matter_id
            for link in links
            if link.role == PartyRole.APPLICANT
            and link.received >= since
            and (
                (applicant.phone_hash and link.phone_hash == applicant.phone_hash)
                or (applicant.id_number_hash and link.id_number_hash == applicant.id_number_hash)
            )
        }
    )


def _facts(matter: Matter, parties: list[Party], links: list[PartyLink]) -> flags.Facts:
    applicant = next((p for p in parties if p.role == PartyRole.APPLICANT), None)
    applicant_birth = next(iter(_birth_dates([applicant])), None) if applicant is not None else None
    return flags.Facts(
        birth_dates=_birth_dates(parties),
        applicant_birth_date=applicant_birth,
        claimants=sum(1 for p in parties if p.role in (PartyRole.APPLICANT, PartyRole.THIRD_PARTY)),
        earlier_matters=_earlier_matters(matter, applicant, links),
    )


def _priority_for(kinds: Iterable[str]) -> int:
    kinds = set(kinds)
    if kinds & URGENT_KINDS:
        return Priority.URGENT
    return Priority.HIGH if kinds else Priority.NORMAL


@dataclass(frozen=True)
class Candidate:
    matter_id: int
    similarity: float
    evidence: dict[str, Any]


def _party_keys(parties: Iterable[Party]) -> list[tuple[str, str, str]]:
    """(field, hash, role) of each party's phone and ID number: what "the same parties" compares."""
    keys = []
    for party in parties:
        if party.phone_hash:
            keys.append(("phone_hash", party.phone_hash, party.role))
        if party.id_number_hash:
            keys.append(("id_number_hash", party.id_number_hash, party.role))
    return keys


def _within(prefix: str) -> dict[str, str]:
    """Lookups for the division codes under ``prefix`` as a range, which an index on the code can serve
    (a ``LIKE 'prefix%'`` cannot on PostgreSQL's default collation, nor on SQLite's case-blind LIKE):
    codes are digits and at most 12 long, so they lie between the prefix and the prefix padded with 9s."""
    return {"region_id__gte": prefix, "region_id__lte": prefix.ljust(12, "9")}


def _place(a: str, b: str) -> str:
    for length, name in ((12, "village"), (9, "township"), (6, "county")):
        if len(a) >= length and a[:length] == b[:length]:
            return name
    return ""


def find_duplicates(
    matter: Matter, parties: list[Party], signature: Any | None, links: list[PartyLink] | None = None
) -> list[Candidate]:
    """Earlier open matters that may be the same dispute: shared parties and/or similar text, with evidence.

    ``links`` are the matter's :func:`party_links` when the caller has them already."""
    since = matter.created_at - DUPLICATE_WINDOW
    shared: dict[int, set[str]] = {}
    keys = _party_keys(parties)
    if links is None:
        links = party_links(matter, parties)
    for link in links:
        if link.received < since or (len(shared) >= MAX_VERIFY and link.matter_id not in shared):
            continue
        for field, value, _role in keys:
            if (field == "phone_hash" and value == link.phone_hash) or (
                field == "id_number_hash" and value == link.id_number_hash
            ):
                shared.setdefault(link.matter_id, set()).add(
                    "phone" if field == "phone_hash" else "id_number"
                )
    text_ids: set[int] = set()
    if signature is not None:
        # Newest first: when a boilerplate band is shared by more matters than are verified, the recent ones
        # (the only ones inside the window) are those kept.
        text_ids = set(
            BandKey.objects.filter(key__in=minhash.band_keys(signature))
            .exclude(matter_id=matter.pk)
            .order_by("-matter_id")
            .values_list("matter_id", flat=True)
            .distinct()[:MAX_VERIFY]
        )
    ids = set(shared) | text_ids
    if not ids:
        return []
    rows = {
        row["pk"]: row
        for row in Matter.objects.filter(pk__in=ids, created_at__gte=since, created_at__lte=matter.created_at)
        .exclude(status__in=FINAL_STATUSES)
        .order_by()
        .values("pk", "region_id", "created_at", "fingerprint__signature")
    }
    found = []
    for pk, row in rows.items():
        similarity = 0.0
        stored = row["fingerprint__signature"]
        if signature is not None and stored is not None:
            similarity = minhash.similarity(signature, minhash.signature_from_bytes(bytes(stored)))
        same_party = sorted(shared.get(pk, ()))
        place = _place(matter.region_id, row["region_id"])
        if same_party:
            if similarity < PARTY_TEXT_FLOOR:
                continue
        elif similarity < minhash.DEFAULT_THRESHOLD or not place:
            continue
        evidence: dict[str, Any] = {
            "similar_text": round(similarity, 3),
            "same_party": same_party,
            "same_place": place,
            "days": abs((matter.created_at - row["created_at"]).days),
        }
        found.append(Candidate(pk, similarity, evidence))
    found.sort(key=lambda c: (-len(c.evidence["same_party"]), -c.similarity, -c.matter_id))
    return found[:MAX_CANDIDATES]


def _counterparty_key(parties: list[Party]) -> tuple[str, str] | None:
    """The organisation on the other side (employer, developer, lender): its credit code, else its name."""
    for party in parties:
        if party.role != PartyRole.RESPONDENT or party.kind != PartyKind.ORGANIZATION:
            continue
        if party.credit_code:
            return f"uscc:{party.credit_code}", party.name
        name = "".join(party.name.split())
        if len(name) >= 4:
            return f"name:{name}", party.name
    return None


def _join_group(
    matter: Matter, *, kind: str, key: str, title: str, reason: str, members: Iterable[int]
) -> MatterGroup:
    group, _created = MatterGroup.objects.get_or_create(
        kind=kind,
        key=key[:120],
        defaults={"title": title[:120], "reason": reason, "region_id": matter.region_id[:6]},
    )
    taken = set(GroupMember.objects.filter(matter_id__in=list(members)).values_list("matter_id", flat=True))
    GroupMember.objects.bulk_create(
        [GroupMember(group=group, matter_id=pk) for pk in members if pk not in taken],
        ignore_conflicts=True,
    )
    if _created is False:
        group.reason = reason
        group.save(update_fields=["reason", "updated_at"])
    return group


def find_group(
    matter: Matter, parties: list[Party], signature: Any | None = None, *, grouped: bool | None = None
) -> MatterGroup | None:
    """Link the matter into a group dispute when enough recent matters share its counterparty, or its
    township, category and topic (``clustering.groups``: character-bigram TF-IDF, near-duplicates of one
    another counting once); returns the group (new or existing) or None."""
    if grouped is None:
        grouped = GroupMember.objects.filter(matter_id=matter.pk).exists()
    if grouped:
        return None
    county = matter.region_id[:6]
    since = matter.created_at - GROUP_WINDOW
    counterparty = _counterparty_key(parties)
    if counterparty is not None:
        key, name = counterparty
        field = "credit_code" if key.startswith("uscc:") else "name"
        value = key.split(":", 1)[1]
        same = (
            Party.objects.filter(
                role=PartyRole.RESPONDENT,
                kind=PartyKind.ORGANIZATION,
                matter__created_at__gte=since,
                matter__created_at__lte=matter.created_at,
                **{field: value},
                **{f"matter__{k}": v for k, v in _within(county).items()},
            )
            .exclude(matter__status__in=[*FINAL_STATUSES])
            .order_by()
            .values_list("matter_id", flat=True)
            .distinct()
        )
        ids = set(same) | {matter.pk}
        if len(ids) >= GROUP_MIN_SIZE:
            return _join_group(
                matter,
                kind=GroupKind.COUNTERPARTY,
                key=f"{county}:{key}",
                title=_("Matters against %(name)s") % {"name": name},
                reason=_("%(count)d matters in %(days)d days against the same counterparty, %(name)s.")
                % {"count": len(ids), "days": GROUP_WINDOW.days, "name": name},
                members=sorted(ids),
            )
    if matter.category_id is None or len(matter.region_id) < 9:
        return None
    township = matter.region_id[:9]
    nearby = list(
        Matter.objects.filter(
            category_id=matter.category_id,
            created_at__gte=matter.created_at - TOPIC_WINDOW,
            created_at__lte=matter.created_at,
            **_within(township),
        )
        .exclude(pk=matter.pk)
        .exclude(status__in=[*FINAL_STATUSES])
        .order_by("-created_at")
        .values_list("pk", "title", "description", "desired_outcome", "fingerprint__signature", "created_at")[
            :TOPIC_MAX_SCAN
        ]
    )
    if len(nearby) + 1 < GROUP_MIN_SIZE:
        return None
    # The stored fingerprints spare computing the neighbours' signatures again (most of the time here).
    records = [
        clustering.Record(
            id=str(pk),
            text="\n".join(p for p in (title, description, desired) if p),
            time=created_at,
            signature=minhash.signature_from_bytes(bytes(stored)) if stored is not None else None,
        )
        for pk, title, description, desired, stored, created_at in nearby
    ]
    records.append(
        clustering.Record(
            id=str(matter.pk), text=matter_text(matter), time=matter.created_at, signature=signature
        )
    )
    found = clustering.groups(
        records,
        min_size=GROUP_MIN_SIZE,
        window_days=TOPIC_WINDOW.days,
        keyword_count=0,  # words are needed only for a new group, below
        containing=str(matter.pk),
    )
    if not found:
        return None
    mine = found[0]
    ids = {int(i) for i in mine.members}
    existing = (
        GroupMember.objects.filter(matter_id__in=sorted(ids - {matter.pk})).select_related("group").first()
    )
    if existing is not None:
        group = existing.group
        GroupMember.objects.get_or_create(matter_id=matter.pk, defaults={"group": group})
        return group
    texts = {record.id: record.text for record in records}
    words = ",".join(clustering.keywords([texts[i] for i in mine.members]))
    category = matter.category.name if matter.category else ""
    return _join_group(
        matter,
        kind=GroupKind.PLACE_TOPIC,
        key=f"{township}:{matter.category_id}:{min(ids)}",
        title=_("%(category)s in %(place)s") % {"category": category, "place": matter.region.name},
        reason=_(
            "%(count)d matters about %(category)s in the same township within %(days)d days, on one topic "
            "(%(words)s)."
        )
        % {
            "count": len(ids),
            "category": category,
            "days": TOPIC_WINDOW.days,
            "words": words.replace(",", "、"),
        },
        members=sorted(ids),
    )


def _index(matter: Matter, signature: Any | None) -> None:
    """Add the matter's fingerprint and band keys to the duplicate index (two statements).

    Only the first pass writes them, in the transaction that writes the ``triaged`` event and under the
    matter's lock, so a matter without that event has no index rows yet.
    """
    if signature is None:
        return
    Fingerprint.objects.bulk_create(
        [Fingerprint(matter=matter, signature=minhash.signature_bytes(signature))], ignore_conflicts=True
    )
    BandKey.objects.bulk_create([BandKey(key=key, matter=matter) for key in minhash.band_keys(signature)])


def _triaged() -> Exists:
    """Annotation: the matter already has its ``triaged`` event."""
    return Exists(MatterEvent.objects.filter(matter=OuterRef("pk"), kind=EventKind.TRIAGED))


SWEEP_AFTER = dt.timedelta(minutes=5)
SWEEP_WINDOW = dt.timedelta(days=7)


def untriaged_matter_ids(*, now: dt.datetime | None = None, limit: int = 1000) -> list[int]:
    """Recent matters without a ``triaged`` event, older than a few minutes (their task was lost)."""
    now = now or timezone.now()
    return list(
        Matter.objects.filter(created_at__gte=now - SWEEP_WINDOW, created_at__lt=now - SWEEP_AFTER)
        .filter(~_triaged())
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def matter_triage(*, matter_id: int, today: dt.date | None = None) -> Matter | None:
    """The first pass on a new matter (the intake task): proposals, flags, duplicates, groups, one event.

    Safe to run twice: a matter that already has its ``triaged`` event is left alone. The reading (models,
    rules, the signature, the duplicate search) happens before the transaction; inside it, the matter is
    locked once, the group search runs (it may create or join a group) and the writes are a handful of
    statements (proposals in one, flags in one, candidates in one, index rows in two, the event).
    """
    matter = (
        Matter.objects.select_related("region", "category")
        .annotate(triaged=_triaged(), grouped=Exists(GroupMember.objects.filter(matter=OuterRef("pk"))))
        .filter(pk=matter_id)
        .first()
    )
    if matter is None or matter.triaged:
        return None
    ensure_place_names()
    parties = list(Party.objects.filter(matter=matter).order_by("id"))
    text = matter_text(matter)
    today = today or timezone.localdate()

    versions = active_versions(MODELS)
    proposals = {name: _predict(name, versions.get(name), text) for name in MODELS}
    links = party_links(matter, parties)
    hits = flags.detect(text, _facts(matter, parties, links), today=today)
    try:
        signature = minhash.signature(text)
    except minhash.EmptyTextError:
        signature = None  # nothing to compare (punctuation only): no text duplicates, no topic group
    candidates = find_duplicates(matter, parties, signature, links)

    with transaction.atomic():
        locked = (
            Matter.objects.select_for_update()
            .annotate(triaged=_triaged())
            .order_by()
            .filter(pk=matter_id)
            .first()
        )
        if locked is None or locked.triaged:
            return None
        category: Category | None = None
        organization: Organization | None = None
        summary: dict[str, Any] = {}
        # What a human (or the citizen) already set is kept: only an empty category is filled, and only a
        # matter still waiting for acceptance is routed.
        waiting = locked.status == MatterStatus.SUBMITTED
        open_to: dict[str, bool] = {
            ModelTarget.CATEGORY: waiting and locked.category_id is None,
            ModelTarget.ORGANIZATION: waiting and locked.accepted_at is None,
        }
        rows: list[Proposal] = []
        for version, prediction in proposals.values():
            if version is None or prediction is None:
                continue
            model = version.model
            value = prediction.label or ""
            apply = (
                prediction.label is not None
                and prediction.confidence >= model.threshold
                and open_to.get(model.target, False)
            )
            if model.target == ModelTarget.CATEGORY and apply:
                category = matter_selectors.category_by_code(value)
                apply = category is not None
            elif model.target == ModelTarget.ORGANIZATION and apply:
                organization = Organization.objects.filter(pk=int(value)).first() if value.isdigit() else None
                if organization is None or not _organization_fits(organization, matter):
                    organization, apply = None, False
            rows.append(
                Proposal(
                    matter_id=matter_id,
                    target=model.target,
                    version=version,
                    value=value,
                    confidence=round(prediction.confidence, 4),
                    top=[[label, round(p, 4)] for label, p in prediction.top],
                    applied=apply,
                )
            )
            summary[model.target] = {
                "value": value,
                "confidence": round(prediction.confidence, 4),
                "applied": apply,
                "version": version.number,
            }
        # Proposals, flags and index rows are written only here, under the lock and with the event: a
        # matter without its event has none yet. Flags still skip a kind already open, to be safe.
        Proposal.objects.bulk_create(rows)
        RiskFlag.objects.bulk_create(
            [
                RiskFlag(
                    matter_id=matter_id,
                    kind=hit.kind,
                    evidence=[{"text": e.text, "start": e.start, "end": e.end} for e in hit.evidence],
                    detail=hit.detail,
                )
                for hit in hits
            ],
            ignore_conflicts=True,
        )
        DuplicateCandidate.objects.bulk_create(
            [
                DuplicateCandidate(
                    matter_id=matter_id,
                    candidate_id=c.matter_id,
                    similarity=round(c.similarity, 4),
                    evidence=c.evidence,
                )
                for c in candidates
            ],
            ignore_conflicts=True,
        )
        _index(matter, signature)
        if category is not None and matter.category_id is None:
            matter.category = category  # the topic search of groups compares categories
        group = find_group(matter, parties, signature, grouped=matter.grouped)
        applied = matter_services.matter_triage_apply(
            matter=locked,
            category=category,
            organization=organization,
            priority=_priority_for(hit.kind for hit in hits),
            data={
                "proposals": summary,
                "flags": [hit.kind for hit in hits],
                "duplicates": [c.matter_id for c in candidates],
                "group": group.pk if group is not None else None,
            },
        )
        if group is not None:
            matter_services.matter_event_record(
                matter=applied,
                kind=EventKind.GROUPED,
                actor=None,
                data={"group": group.pk, "title": group.title, "reason": group.reason},
                visibility=Visibility.INTERNAL,
            )
    return applied


# --- Human decisions --------------------------------------------------------------------------------------


@transaction.atomic
def category_decide(
    *,
    matter: Matter,
    actor: User,
    category: Category,
    expected_version: int | None = None,
    note: str = "",
) -> Matter:
    """A dispatcher confirms or corrects the category (and so labels the matter for the next training)."""
    matter = matter_services.matter_categorize(
        matter=matter, actor=actor, category=category, expected_version=expected_version, note=note
    )
    proposal = Proposal.objects.select_for_update().filter(matter=matter, target=ModelTarget.CATEGORY).first()
    if proposal is None or not proposal.value:
        source = LabelSource.DECIDED
    else:
        source = LabelSource.CONFIRMED if proposal.value == category.code else LabelSource.CORRECTED
    if proposal is not None:
        proposal.decided_value = category.code
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["decided_value", "decided_at"])
    Label.objects.create(
        matter=matter, target=ModelTarget.CATEGORY, value=category.code, source=source, actor=actor
    )
    return matter


@transaction.atomic
def flag_clear(*, flag: RiskFlag, actor: User, reason: str) -> RiskFlag:
    """Clear a risk flag with a reason; the matter's priority falls to what its open flags still justify."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the flag is cleared.")})
    matter = matter_services.matter_lock(actor=actor, matter=Matter(pk=flag.matter_id))
    if not matter_access.may_act(actor, matter, matter_access.INTAKE_ROLES):
        raise Forbidden
    flag = RiskFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.cleared_at is not None:
        raise ValidationError({"flag": _("This flag was already cleared.")})
    flag.cleared_at = timezone.now()
    flag.cleared_by = actor
    flag.clear_reason = reason[:1000]
    flag.save(update_fields=["cleared_at", "cleared_by", "clear_reason"])
    matter_services.matter_event_record(
        matter=matter,
        kind=EventKind.FLAG_CLEARED,
        actor=actor,
        data={"flag": flag.kind, "label": str(RiskKind(flag.kind).label)},
        text=flag.clear_reason,
        visibility=Visibility.INTERNAL,
    )
    remaining = RiskFlag.objects.filter(matter_id=matter.pk, cleared_at__isnull=True).values_list(
        "kind", flat=True
    )
    justified = _priority_for(remaining)
    if justified < matter.priority:
        matter_services.matter_set_priority(
            matter=matter,
            actor=actor,
            priority=justified,
            reason=_("Flag “%(flag)s” cleared: %(reason)s")
            % {"flag": RiskKind(flag.kind).label, "reason": reason},
        )
    return flag


@transaction.atomic
def candidate_merge(*, candidate: DuplicateCandidate, actor: User, reason: str = "") -> Matter:
    """Merge the newer matter into the earlier one it repeats (events on both; its citizen is told)."""
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != CandidateStatus.OPEN:
        raise ValidationError({"candidate": _("This candidate was already decided.")})
    newer = Matter(pk=candidate.matter_id)
    earlier = Matter(pk=candidate.candidate_id)
    merged = matter_services.matter_merge(
        matter=newer,
        into=earlier,
        actor=actor,
        reason=reason
        or _("Same dispute (text similarity %(similarity).0f%%).")
        % {"similarity": candidate.similarity * 100},
    )
    candidate.status = CandidateStatus.MERGED
    candidate.decided_by = actor
    candidate.decided_at = timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at"])
    DuplicateCandidate.objects.filter(matter_id=candidate.matter_id, status=CandidateStatus.OPEN).exclude(
        pk=candidate.pk
    ).update(status=CandidateStatus.DISMISSED, decided_by=actor, decided_at=timezone.now())
    return merged


@transaction.atomic
def candidate_dismiss(*, candidate: DuplicateCandidate, actor: User) -> DuplicateCandidate:
    """Say that a candidate is not the same dispute (it is not shown as a candidate again)."""
    matter = matter_services.matter_lock(actor=actor, matter=Matter(pk=candidate.matter_id))
    if not matter_access.may_act(actor, matter, matter_access.INTAKE_ROLES):
        raise Forbidden
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != CandidateStatus.OPEN:
        raise ValidationError({"candidate": _("This candidate was already decided.")})
    candidate.status = CandidateStatus.DISMISSED
    candidate.decided_by = actor
    candidate.decided_at = timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at"])
    return candidate
