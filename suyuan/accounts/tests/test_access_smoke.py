import pytest

from suyuan.accounts import access
from suyuan.accounts.choices import OrganizationType, Role
from suyuan.accounts.tests.factories import OrganizationFactory, UserFactory, staff
from suyuan.core.exceptions import NotFound
from suyuan.regions.tests.factories import make_real_regions

pytestmark = pytest.mark.django_db


def test_staff_of_another_county_cannot_see_an_organisation():
    regions = make_real_regions()
    jiangshan = OrganizationFactory(region=regions["330881"], type=OrganizationType.COUNTY_CENTRE)
    village = OrganizationFactory(region=regions["330881001001"], type=OrganizationType.VILLAGE_COMMITTEE, parent=jiangshan)
    kecheng = OrganizationFactory(region=regions["330802"])
    dispatcher = staff(Role.DISPATCHER, jiangshan)
    outsider = staff(Role.DISPATCHER, kecheng)

    assert access.access_organization(dispatcher, village.pk) == village
    with pytest.raises(NotFound):
        access.access_organization(outsider, village.pk)
    with pytest.raises(NotFound):
        access.access_organization(UserFactory(), village.pk)
