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
