from django.db import models
from django.utils.translation import gettext_lazy as _


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
