from django.db import models
from django.utils.translation import gettext_lazy as _


class MatterKind(models.TextChoices):
    DISPUTE = "dispute", _("dispute")  # 纠纷: two sides disagree; goes down the mediation funnel
    REQUEST = "request", _("request or complaint")  # 诉求 / 投诉: a citizen asks an authority to act
    PETITION = "petition", _("petition")  # 信访事项: under the 信访工作条例, with its statutory deadlines
    CONSULTATION = "consultation", _("consultation")  # 咨询: a question answered, often ends there


class Channel(models.TextChoices):
    PORTAL = "portal", _("citizen portal")  # filed by the citizen online
    WALK_IN = "walk_in", _("walk-in window")  # entered by staff at a centre's window
    HOTLINE = "hotline", _("hotline")  # 12345 or a centre's own line
    PETITION_LETTER = "petition_letter", _("petition letter")  # 来信
    FIELD_VISIT = "field_visit", _("grid worker's field visit")  # 网格员走访
    COURT_WINDOW = "court_window", _("court window")  # 法院诉讼服务中心
    API = "api", _("API")  # another system through the API
    IMPORT = "import", _("batch import")  # e.g. an export of a 12345 system


class MatterStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")  # received, waiting for a centre to accept or decline it
    ACCEPTED = "accepted", _("accepted")  # 受理: the organisation has taken it on, no mediator yet
    ASSIGNED = "assigned", _("assigned")  # a mediator (or handler) is named and will contact the parties
    IN_MEDIATION = "in_mediation", _("in mediation")  # the parties are talking with the mediator's help
    RESOLVED = "resolved", _("resolved")  # agreement reached (or request answered); follow-up may run
    UNRESOLVED = "unresolved", _("not resolved")  # mediation failed; the next route is named
    IN_COURT = "in_court", _("at court")  # docked at a court: its case runs its own course (court app)
    DECLINED = "declined", _("declined")  # 不予受理, with a reason shown to the citizen (final)
    MERGED = "merged", _("merged")  # a duplicate, merged into the matter it repeats (final)
    WITHDRAWN = "withdrawn", _("withdrawn")  # the applicant withdrew it (final)
    CLOSED = "closed", _("closed")  # all done, follow-up finished (final)


OPEN_STATUSES = frozenset(
    {
        MatterStatus.SUBMITTED,
        MatterStatus.ACCEPTED,
        MatterStatus.ASSIGNED,
        MatterStatus.IN_MEDIATION,
    }
)
FINAL_STATUSES = frozenset(
    {MatterStatus.DECLINED, MatterStatus.MERGED, MatterStatus.WITHDRAWN, MatterStatus.CLOSED}
)


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("applicant")  # 申请人
    RESPONDENT = "respondent", _("respondent")  # 被申请人
    THIRD_PARTY = "third_party", _("third party")  # 第三人


class PartyKind(models.TextChoices):
    PERSON = "person", _("person")  # 自然人
    ORGANIZATION = "organization", _("organisation")  # 法人或其他组织


class FailureRoute(models.TextChoices):
    """Where a matter goes when mediation does not settle it."""

    ARBITRATION = "arbitration", _("arbitration")  # 仲裁
    COURT = "court", _("court")  # 诉讼
    ADMINISTRATIVE = "administrative", _("administrative route")  # 行政途径 (复议, 裁决, 信访)
    GUIDANCE = "guidance", _("guidance only")  # 释法明理, nothing further


class EventKind(models.TextChoices):
    RECEIVED = "received", _("received")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    MERGED = "merged", _("merged into another matter")
    MERGED_IN = "merged_in", _("a duplicate was merged in")
    ASSIGNED = "assigned", _("assigned")
    ESCALATED = "escalated", _("escalated")
    MEDIATION_STARTED = "mediation_started", _("mediation started")
    AGREEMENT_RECORDED = "agreement_recorded", _("agreement recorded")
    FAILURE_RECORDED = "failure_recorded", _("mediation failed")
    WITHDRAWN = "withdrawn", _("withdrawn")
    CLOSED = "closed", _("closed")
    NOTE = "note", _("note")  # an internal remark by staff (never shown to parties)
    MESSAGE = "message", _("message")  # a message between a party and the handler
    # Written by the apps above matters (documents, respondents, mediation, supervision); the label is
    # the title a citizen reads on the timeline, the event's text and data say the rest.
    DOCUMENT_ADDED = "document_added", _("document added")
    RATED = "rated", _("handling rated")
    RESPONDENT_INVITED = "respondent_invited", _("other side invited")
    RESPONDENT_REMINDED = "respondent_reminded", _("other side reminded")
    RESPONDENT_ACCEPTED = "respondent_accepted", _("other side agreed to mediation")
    RESPONDENT_DECLINED = "respondent_declined", _("other side declined mediation")
    RESPONDENT_REPLIED = "respondent_replied", _("other side replied")
    FIELD_TASK_OPENED = "field_task_opened", _("grid worker asked to visit")
    FIELD_TASK_DONE = "field_task_done", _("grid worker visit reported")
    SESSION_SCHEDULED = "session_scheduled", _("mediation session scheduled")
    SESSION_CHANGED = "session_changed", _("mediation session changed")
    SESSION_CANCELLED = "session_cancelled", _("mediation session cancelled")
    SESSION_HELD = "session_held", _("mediation session held")
    MEDIATION_EXTENDED = "mediation_extended", _("mediation period extended")
    AGREEMENT_CONFIRMED = "agreement_confirmed", _("agreement confirmed by a party")
    AGREEMENT_EFFECTIVE = "agreement_effective", _("agreement confirmed by all parties")
    OBLIGATION_PERFORMED = "obligation_performed", _("obligation performed")
    OBLIGATION_BREACHED = "obligation_breached", _("obligation not performed")
    FOLLOW_UP_OPENED = "follow_up_opened", _("follow-up opened")
    SUPERVISION_ORDERED = "supervision_ordered", _("supervision order issued")
    SUPERVISION_ANSWERED = "supervision_answered", _("supervision order answered")
    SUPERVISION_CLEARED = "supervision_cleared", _("supervision order cleared")
    SUPERVISION_ESCALATED = "supervision_escalated", _("supervision order escalated")
    INCIDENT_TAGGED = "incident_tagged", _("tagged as arising from an emergency")  # internal
    # The court side (诉调对接 and the online court services), written by the court app.
    COURT_DOCKED = "court_docked", _("referred to the court")
    COURT_MEDIATION = "court_mediation", _("pre-filing mediation started")
    COURT_MEDIATION_EXTENDED = "court_mediation_extended", _("pre-filing mediation extended")
    COURT_MEDIATION_SETTLED = "court_mediation_settled", _("settled in pre-filing mediation")
    COURT_MEDIATION_FAILED = "court_mediation_failed", _("pre-filing mediation failed")
    CONFIRMATION_APPLIED = "confirmation_applied", _("judicial confirmation applied for")
    CONFIRMATION_JOINED = "confirmation_joined", _("application joined by a party")
    CONFIRMATION_ACCEPTED = "confirmation_accepted", _("confirmation application accepted")
    CONFIRMATION_RULED = "confirmation_ruled", _("judicial confirmation decided")
    COMPLAINT_FILED = "complaint_filed", _("complaint filed")
    CORRECTION_REQUESTED = "correction_requested", _("filing returned for correction")
    FILING_ACCEPTED = "filing_accepted", _("case filed")
    FILING_REFUSED = "filing_refused", _("filing refused")
    JUDGE_ASSIGNED = "judge_assigned", _("judge assigned")
    DOCUMENT_SERVED = "document_served", _("document served")
    SERVICE_PENDING = "service_pending", _("document to be delivered in person")
    SERVICE_FAILED = "service_failed", _("document could not be delivered")
    HEARING_SCHEDULED = "hearing_scheduled", _("hearing scheduled")
    HEARING_CANCELLED = "hearing_cancelled", _("hearing cancelled")
    HEARING_HELD = "hearing_held", _("hearing held")
    ROUND_OPENED = "round_opened", _("written round opened")
    ROUND_SUBMITTED = "round_submitted", _("written round: submission")
    ROUND_CLOSED = "round_closed", _("written round closed")
    DECISION_ISSUED = "decision_issued", _("judgment or ruling issued")
    APPEAL_RECORDED = "appeal_recorded", _("appeal lodged")
    CASE_CLOSED = "case_closed", _("court case closed")
    CASE_WITHDRAWN = "case_withdrawn", _("court case withdrawn")
    PERFORMANCE_REPORTED = "performance_reported", _("performance reported")
    # Triage (the first pass a dispatcher would make): written by the triage app, staff only.
    TRIAGED = "triaged", _("triage proposal")
    CATEGORIZED = "categorized", _("category set")
    PRIORITY_CHANGED = "priority_changed", _("priority changed")
    FLAG_CLEARED = "flag_cleared", _("risk flag cleared")
    GROUPED = "grouped", _("linked to a group dispute")


class Priority(models.IntegerChoices):
    """How urgently a matter needs a human: raised by triage's risk flags, lowered only by staff."""

    NORMAL = 0, _("normal")
    HIGH = 1, _("high")  # a vulnerable party, a large sum, many claimants, repeated visits
    URGENT = 2, _("urgent")  # threats of violence, self-harm or extreme acts


class Visibility(models.TextChoices):
    PUBLIC = "public", _("parties and staff")  # on the citizen's timeline
    INTERNAL = "internal", _("staff only")  # internal notes and routing details


class ImportStatus(models.TextChoices):
    """Where a batch import stands; a batch only moves forward (failed may resume to importing)."""

    UPLOADED = "uploaded", _("uploaded")  # file stored, the dry run has not finished yet
    CHECKED = "checked", _("checked")  # dry run done: every row's errors are in the report, nothing written
    IMPORTING = "importing", _("importing")  # the task is creating matters from the valid rows
    DONE = "done", _("done")  # every valid row became a matter (or was skipped with a reason)
    FAILED = "failed", _("failed")  # the file could not be read, or the import stopped; may be resumed


class ImportFormat(models.TextChoices):
    CSV = "csv", _("CSV")  # UTF-8 (with or without BOM) or GB18030/GBK text, comma, tab or semicolon
    XLSX = "xlsx", _("Excel workbook (.xlsx)")  # the first worksheet; no macros


class ImportIssueLevel(models.TextChoices):
    ERROR = "error", _("error")  # the row is not imported
    WARNING = "warning", _("warning")  # the row is imported, with what the warning says


class DocumentKind(models.TextChoices):
    """What a document of a matter is; the dossier's catalogue, which later issues extend."""

    APPLICATION = "application", _("application")  # 申请书: the applicant's written request
    IDENTITY = "identity", _("proof of identity")  # 身份证明: ID card, business licence, power of attorney
    EVIDENCE = "evidence", _("evidence")  # 证据: photos, contracts, receipts, chat records
    SESSION_RECORD = "session_record", _("mediation session record")  # 调解笔录
    AGREEMENT = "agreement", _("mediation agreement")  # 调解协议: signed or generated
    NOTICE = "notice", _("notice")  # 通知: a notice sent to or received from a party
    COMPLAINT = "complaint", _("complaint")  # 起诉状 (or 司法确认申请书)
    COURT_NOTICE = "court_notice", _("court notice")  # 受理/应诉/举证/交费/补正通知书
    SUMMONS = "summons", _("summons")  # 传票
    RULING = "ruling", _("ruling")  # 裁定书
    JUDGMENT = "judgment", _("judgment")  # 判决书
    SERVICE_RECEIPT = "service_receipt", _("proof of service")  # 送达回证 (signed, or photo of it)
    WRITTEN_STATEMENT = "written_statement", _("written statement")  # 答辩状, 陈述, 质证意见
    OTHER = "other", _("other")  # 其他: anything the catalogue does not name yet


class DocumentSource(models.TextChoices):
    PARTY_UPLOAD = "party_upload", _("uploaded by a party")  # a citizen on the portal or through the API
    STAFF_UPLOAD = "staff_upload", _("uploaded by staff")  # scanned at the window, photographed on a visit
    GENERATED = "generated", _("generated")  # made by the platform (e.g. the agreement PDF)


# When the applicant may rate the handling: the centre's work on the matter is over, whatever the outcome.
# A withdrawn or declined matter is rated too (how it was received and explained matters as much as an
# agreement); a merged one is not, because its handling goes on under the matter it was merged into.
RATING_STATUSES = frozenset(
    {
        MatterStatus.RESOLVED,
        MatterStatus.UNRESOLVED,
        MatterStatus.CLOSED,
        MatterStatus.WITHDRAWN,
        MatterStatus.DECLINED,
    }
)


class InvitationStatus(models.TextChoices):
    """Where an invitation to the other side stands (sent → accepted / declined / no reaction → closed)."""

    SENT = "sent", _("sent")  # the link went out; reminders run until the respondent answers
    ACCEPTED = "accepted", _("agreed to mediation")  # answered yes (online, or told a grid worker)
    DECLINED = "declined", _("declined mediation")  # answered no, with a reason
    NO_REACTION = "no_reaction", _("no reaction")  # reminders ran out; a grid worker is asked to visit
    CLOSED = "closed", _("closed")  # replaced by a newer invitation, or the matter ended unanswered


class DayPart(models.TextChoices):
    """A part of a day a respondent proposes for a mediation meeting."""

    MORNING = "morning", _("morning")  # 上午
    AFTERNOON = "afternoon", _("afternoon")  # 下午
    EVENING = "evening", _("evening")  # 晚上


class FieldTaskKind(models.TextChoices):
    REACH_RESPONDENT = "reach_respondent", _("reach the other side in person")  # 上门联系被申请人


class FieldTaskStatus(models.TextChoices):
    OPEN = "open", _("open")  # waiting for the grid worker
    DONE = "done", _("done")  # the grid worker reported the outcome
    CANCELLED = "cancelled", _("cancelled")  # no longer needed (e.g. the respondent answered online)


class FieldTaskOutcome(models.TextChoices):
    """What the grid worker found on the visit."""

    REACHED_AGREES = "reached_agrees", _("reached; agrees to mediation")  # acceptance is recorded for them
    REACHED_DECLINES = "reached_declines", _("reached; declines mediation")  # refusal is recorded for them
    REACHED_UNDECIDED = "reached_undecided", _("reached; has not decided")  # told about the matter only
    NOT_REACHED = "not_reached", _("not reached")  # nobody at home after trying
    REFUSED = "refused", _("refused to talk")  # met, but would not hear about it
    MOVED_AWAY = "moved_away", _("no longer lives there")  # the address is out of date
