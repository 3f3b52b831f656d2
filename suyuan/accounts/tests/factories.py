from __future__ import annotations

import factory

from suyuan.accounts.choices import OrganizationType, Role
from suyuan.accounts.models import Membership, Organization, User


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    code = factory.Sequence(lambda n: f"ORG{n:05d}")
    name = factory.Sequence(lambda n: f"测试组织{n}")
    type = OrganizationType.COUNTY_CENTRE


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.DISPATCHER


def staff(role: str, organization: Organization, **user_fields) -> User:
    """Return a new user holding ``role`` in ``organization``."""
    user = UserFactory.create(**user_fields)
    MembershipFactory(user=user, organization=organization, role=role)
    return user
