from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationType(models.TextChoices):
    # 市级社会矛盾纠纷调处化解中心: oversees a city's counties (figures, alerts); supervision's top is the county
    CITY_CENTRE = "city_centre", _("city centre")
    COUNTY_CENTRE = "county_centre", _("county centre")  # 县级矛调中心 / 综合指挥中心
    TOWNSHIP_CENTRE = "township_centre", _("township centre")  # 乡镇(街道)矛调中心
    VILLAGE_COMMITTEE = "village_committee", _("village mediation committee")  # 村(居)人民调解委员会
    SPECIALIST_COMMITTEE = "specialist_committee", _("specialist mediation committee")  # 行业性专业性调委会
    COURT = "court", _("people's court")  # 人民法院 (or its tribunal 人民法庭)
    PROCURATORATE = "procuratorate", _("procuratorate")  # 人民检察院
    POLICE_BUREAU = "police_bureau", _("public security bureau")  # 公安局
    POLICE_STATION = "police_station", _("police station")  # 派出所
    JUSTICE_BUREAU = "justice_bureau", _("justice bureau")  # 司法局 / 司法所
    ARBITRATION_COMMISSION = "arbitration_commission", _("arbitration commission")  # 仲裁委员会
    PETITION_OFFICE = "petition_office", _("petition office")  # 信访局


class Specialty(models.TextChoices):
    """The field of a specialist mediation committee (or of a mediator)."""

    NONE = "", _("general")
    TRAFFIC = "traffic", _("road traffic accidents")  # 道路交通事故
    MEDICAL = "medical", _("medical disputes")  # 医疗纠纷
    LABOUR = "labour", _("labour disputes")  # 劳动争议
    FINANCIAL = "financial", _("financial disputes")  # 金融纠纷 (lawyers' team)
    PROPERTY = "property", _("property management")  # 物业纠纷
    FAMILY = "family", _("marriage and family")  # 婚姻家庭
    CONSTRUCTION = "construction", _("construction")  # 建设工程
    CONSUMER = "consumer", _("consumer rights")  # 消费维权


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("grid worker")  # 网格员: enters matters in the field
    MEDIATOR = "mediator", _("mediator")  # 调解员, incl. village notables (乡贤), see Membership.is_notable
    DISPATCHER = "dispatcher", _("dispatcher")  # 受理/分流: accepts and routes matters
    SUPERVISOR = "supervisor", _("supervisor")  # 督办: oversees the centre and the levels below
    COURT_CLERK = "court_clerk", _("court clerk")  # 书记员 / 立案庭
    JUDGE = "judge", _("judge")  # 法官
    AGENCY_OFFICER = "agency_officer", _("agency officer")  # officer of police, procuratorate, bureaus
    ANALYST = "analyst", _("analyst")  # reads aggregate figures, no personal data
    ADMINISTRATOR = "administrator", _("administrator")  # manages people and organisations in scope


# Roles whose holders must sign in with a second factor (TOTP) besides their password.
SECOND_FACTOR_ROLES = frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR})


class AuditKind(models.TextChoices):
    SIGN_IN = "sign_in", _("signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("sign-in failed")
    LOCKED_OUT = "locked_out", _("locked out")
    SIGN_OUT = "sign_out", _("signed out")
    SECOND_FACTOR_FAILED = "second_factor_failed", _("second factor failed")
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", _("second factor enrolled")
    CODE_SENT = "code_sent", _("sign-in code sent")
    CODE_FAILED = "code_failed", _("sign-in code wrong")
    RATE_LIMITED = "rate_limited", _("rate limited")
    PERMISSION_DENIED = "permission_denied", _("permission denied")
    REVEAL = "reveal", _("personal data revealed")
    ORGANIZATION_CREATED = "organization_created", _("organisation created")
    IDENTIFIERS_CHANGED = "identifiers_changed", _("identifiers changed")
    MEMBERSHIP_GRANTED = "membership_granted", _("membership granted")
    MEMBERSHIP_ENDED = "membership_ended", _("membership ended")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    ACCESS_GRANTED = "access_granted", _("access shared")  # one object shared outside its normal scope
