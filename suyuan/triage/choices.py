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
