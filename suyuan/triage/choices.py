from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskKind(models.TextChoices):
    """What a risk flag says about a matter (never about a person's worth): each one shows its evidence."""

    VIOLENCE = "violence", _("threat of violence")  # words threatening harm to others (砍, 同归于尽, 放火 …)
    SELF_HARM = "self_harm", _("risk of self-harm")  # 跳楼, 喝农药, 不想活了 …
    EXTREME_ACT = "extreme_act", _("extreme act announced")  # blocking roads, gathering crowds, 围堵 …
    VULNERABLE = "vulnerable", _("vulnerable party")  # elderly, minors, disabled, pregnant, seriously ill
    MANY_CLAIMANTS = "many_claimants", _("many claimants")  # e.g. 30 workers owed wages
    LARGE_SUM = "large_sum", _("large sum at stake")  # at or above the deployment's threshold
    REPEAT_VISITS = "repeat_visits", _("repeated visits about the same matter")  # 多次反映, earlier matters


class ModelTarget(models.TextChoices):
    """What a triage model proposes: the values of its labels."""

    CATEGORY = "category", _("category")  # labels are Category codes
    ORGANIZATION = "organization", _("handling organisation")  # labels are Organization ids
    OTHER = "other", _("other taxonomy")  # trained from a file (triage_train), e.g. to evaluate on new data


class VersionStatus(models.TextChoices):
    CANDIDATE = "candidate", _("candidate")  # trained and evaluated, not (yet) in use
    ACTIVE = "active", _("active")  # the one version in use
    RETIRED = "retired", _("retired")  # was active; a rollback may bring it back
    REJECTED = "rejected", _("rejected")  # worse than the active version on the held-back split


class VersionSource(models.TextChoices):
    LABELS = "labels", _("labelled matters")  # staff's confirmations and corrections, imported history
    FILE = "file", _("file")  # a CSV or XLSX file (triage_train)
    KEYWORDS = "keywords", _("taxonomy keywords")  # a new deployment's start, before any label


class LabelSource(models.TextChoices):
    CONFIRMED = "confirmed", _("proposal confirmed")
    CORRECTED = "corrected", _("proposal corrected")
    DECIDED = "decided", _("decided without a proposal")
    IMPORTED = "imported", _("imported history")


class CandidateStatus(models.TextChoices):
    OPEN = "open", _("to check")
    MERGED = "merged", _("merged")
    DISMISSED = "dismissed", _("not the same")


class GroupKind(models.TextChoices):
    COUNTERPARTY = "counterparty", _("same counterparty")  # many matters against one employer, developer …
    PLACE_TOPIC = "place_topic", _("same place and topic")  # wage arrears at one site, one estate's defects
