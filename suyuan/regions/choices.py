from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("province")  # 省级: 2-digit code
    CITY = 2, _("city")  # 地级: 4-digit code
    COUNTY = 3, _("county")  # 县级 (county, district, county-level city): 6-digit code
    TOWNSHIP = 4, _("township")  # 乡级 (township, town, sub-district): 9-digit code
    VILLAGE = 5, _("village")  # 村级 (village or residents' committee): 12-digit code


CODE_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}
LEVEL_BY_CODE_LENGTH = {length: level for level, length in CODE_LENGTH.items()}

# City-level rows that stand for "the counties directly under the province" rather than a place: they keep
# the code tree whole but are not part of anyone's address.
PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


class ResolutionStatus(models.TextChoices):
    RESOLVED = "resolved", _("resolved")  # one region, the deepest the text names
    AMBIGUOUS = "ambiguous", _("ambiguous")  # equally good readings name different regions
    UNKNOWN = "unknown", _("unknown")  # no region found in the text
