from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseType(models.TextChoices):
    """Kinds of court case this platform numbers, each with its type mark (案件类型代字) in the case number."""

    PRE_FILING_MEDIATION = "pre_filing_mediation", _("pre-filing mediation")  # 民诉前调: 诉前调解
    JUDICIAL_CONFIRMATION = "judicial_confirmation", _("judicial confirmation")  # 民特: 司法确认 (特别程序)
    CIVIL_FIRST_INSTANCE = "civil_first_instance", _("civil case, first instance")  # 民初: 民事一审


# The type marks of the case numbers, as the courts write them.
CASE_TYPE_MARKS = {
    CaseType.PRE_FILING_MEDIATION: "民诉前调",
    CaseType.JUDICIAL_CONFIRMATION: "民特",
    CaseType.CIVIL_FIRST_INSTANCE: "民初",
}


class CourtLevel(models.TextChoices):
    HIGH = "high", _("high court")  # 高级人民法院 (浙)
    INTERMEDIATE = "intermediate", _("intermediate court")  # 中级人民法院 (浙08)
    BASIC = "basic", _("basic court")  # 基层人民法院 (浙0881)


class CaseTrack(models.TextChoices):
    """What the parties ask the court for."""

    LITIGATION = "litigation", _("lawsuit")  # 诉讼: referral or filing, may be mediated before filing
    CONFIRMATION = "confirmation", _("judicial confirmation")  # 司法确认 of a mediation agreement


class CaseOrigin(models.TextChoices):
    REFERRAL = "referral", _("referred after mediation failed")  # 调解不成，引导诉讼
    BREACH = "breach", _("agreement not performed")  # 调解协议未履行
    DIRECT = "direct", _("filed directly")  # 直接网上立案 / 诉讼服务中心
    AGREEMENT = "agreement", _("agreement to confirm")  # 调解协议 → 司法确认


class CaseStatus(models.TextChoices):
    DOCKED = "docked", _("at the docking window")  # 诉调对接窗口: arrived, not yet taken further
    PRE_FILING_MEDIATION = "pre_filing_mediation", _("pre-filing mediation")  # 诉前调解
    CONFIRMATION_REVIEW = "confirmation_review", _("judicial confirmation under review")  # 司法确认审查
    FILING_REVIEW = "filing_review", _("filing under review")  # 立案审查
    CORRECTION = "correction", _("returned for correction")  # 退回补正
    FILED = "filed", pgettext_lazy("court case", "filed")  # 已立案: notices served, answer period running
    HEARING = "hearing", _("hearing")  # 审理: hearing scheduled or held, or written rounds
    JUDGMENT = "judgment", _("decided; appeal period running")  # 已裁判，上诉期内
    CLOSED = "closed", _("closed")  # 结案 (final)


OPEN_CASE_STATUSES = frozenset(set(CaseStatus.values) - {CaseStatus.CLOSED})


class CaseOutcome(models.TextChoices):
    """How a court case ended."""

    SETTLED = "settled", _("settled in pre-filing mediation")  # 诉前调解成功
    CONFIRMED = "confirmed", _("agreement confirmed")  # 裁定确认调解协议有效
    NOT_CONFIRMED = "not_confirmed", _("confirmation refused")  # 裁定驳回司法确认申请
    REFUSED = "refused", _("filing refused")  # 裁定不予受理
    JUDGED = "judged", _("judgment in effect")  # 判决/裁定生效
    APPEALED = "appealed", _("appealed")  # 上诉, goes to the intermediate court
    WITHDRAWN = "withdrawn", _("withdrawn")  # 撤回起诉 / 撤回申请


class DecisionKind(models.TextChoices):
    JUDGMENT = "judgment", _("judgment")  # 判决书: appeal within 15 days
    RULING = "ruling", _("ruling")  # 裁定书: appeal within 10 days (where appealable)


class ServiceMethod(models.TextChoices):
    ELECTRONIC = "electronic", _("electronic service")  # 电子送达: to the party's portal, with SMS notice
    IN_PERSON = "in_person", _("in person")  # 直接送达 by a grid worker, photo of the receipt as proof


class ServiceStatus(models.TextChoices):
    PENDING = "pending", _("being delivered")  # a grid worker is to deliver it
    SERVED = "served", _("served")  # reached the party: in effect
    FAILED = "failed", _("could not be delivered")  # the grid worker could not deliver it


class HearingMode(models.TextChoices):
    ROOM = "room", _("in the court room")  # 法庭
    ONLINE = "online", _("online")  # 在线庭审 by video link
    ASYNC = "async", _("in writing, in rounds")  # 异步审理


class HearingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    HELD = "held", _("held")
    CANCELLED = "cancelled", _("cancelled")


class RoundKind(models.TextChoices):
    STATEMENT = "statement", _("statements")  # 陈述与答辩
    EVIDENCE = "evidence", _("evidence")  # 举证
    CROSS_EXAMINATION = "cross_examination", _("cross-examination")  # 质证
    FINAL_STATEMENT = "final_statement", _("final statements")  # 最后陈述


class PerformanceStatus(models.TextChoices):
    """Whether what the court confirmed or decided was done."""

    NONE = "", _("not followed")  # nothing to perform (refused, withdrawn, settled elsewhere)
    PENDING = "pending", _("to be performed")
    PERFORMED = "performed", _("performed")
    BREACHED = "breached", _("not performed")
    ENFORCEMENT = "enforcement", _("marked for enforcement")  # 申请强制执行


class TimeLimitKind(models.TextChoices):
    """The statutory periods the court side counts (each a configurable rule)."""

    FILING_DECISION = "filing_decision", _("decide on a filing")  # 民诉法第126条: 七日内立案或裁定不予受理
    CONFIRMATION_APPLICATION = (
        "confirmation_application",
        _("apply for judicial confirmation"),
    )  # 人民调解法第33条: 协议生效之日起三十日内
    CONFIRMATION_DECISION = (
        "confirmation_decision",
        _("decide on judicial confirmation"),
    )  # 受理之日起十五日内
    PRE_FILING_MEDIATION = "pre_filing_mediation", _("pre-filing mediation")  # 诉前调解 30 日
    CORRECTION = "correction", _("correct a filing")  # 补正期限, set by the court
    ANSWER = "answer", _("file an answer")  # 民诉法第128条: 答辩期 15 日
    EVIDENCE = "evidence", _("produce evidence")  # 举证期限 (民诉法解释第99条: 一审普通程序不少于15日)
    HEARING_NOTICE = "hearing_notice", _("notice before a hearing")  # 民诉法第139条: 开庭三日前通知
    APPEAL_JUDGMENT = "appeal_judgment", _("appeal a judgment")  # 民诉法第171条: 15 日
    APPEAL_RULING = "appeal_ruling", _("appeal a ruling")  # 民诉法第171条: 10 日
    FEE_PAYMENT = "fee_payment", _("pay the court fee")  # 诉讼费用交纳办法第22条: 7 日
