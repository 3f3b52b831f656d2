from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suyuan.accounts.choices import AuditKind, OrganizationType, Role, Specialty
from suyuan.core.fields import EncryptedTextField
from suyuan.core.identifiers import mask_mobile, mask_resident_id
from suyuan.core.models import AppendOnlyModel


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str | None = None, password: str | None = None, **extra: Any) -> User:
        user = self.model(username=username or User.generate_username(), **extra)
        user.set_password(password)  # None gives an unusable password: citizens sign in by code
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: staff (by username, password and maybe TOTP) or citizen (by phone and code).

    Whether someone is staff is decided by their active memberships, not by a flag; ``is_staff`` keeps
    Django's meaning (may open the Django admin site), given only to platform operators.
    """

    username = models.CharField(_("username"), max_length=64, unique=True)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    # Personal identifiers: encrypted at rest, searched by keyed hash, shown masked (see core.identifiers).
    phone = EncryptedTextField(_("mobile phone"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    id_number = EncryptedTextField(_("resident ID number"), blank=True, default="")
    id_number_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_language = models.CharField(_("language"), max_length=10, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("platform operator"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @staticmethod
    def generate_username() -> str:
        return "u" + secrets.token_hex(8)

    @property
    def phone_masked(self) -> str:
        return mask_mobile(self.phone)

    @property
    def id_number_masked(self) -> str:
        return mask_resident_id(self.id_number)


class Organization(models.Model):
    """A body that handles matters; organisations form a tree, and each one sits in a region."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    type = models.CharField(_("type"), max_length=32, choices=OrganizationType.choices, db_index=True)
    specialty = models.CharField(_("specialty"), max_length=32, choices=Specialty.choices, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="organizations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["region_id", "type", "name"]
        indexes = [models.Index(fields=["region", "type"])]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Give a user a role in an organisation; a person may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    # A mediator who is a respected local figure (乡贤) rather than a professional.
    is_notable = models.BooleanField(_("village notable"), default=False)
    specialty = models.CharField(_("specialty"), max_length=32, choices=Specialty.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"],
                condition=models.Q(is_active=True),
                name="membership_one_active_role_per_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class AccessGrant(models.Model):
    """Share one object with an organisation or a user outside its normal scope, with a reason."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    grantee_organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="grants"
    )
    grantee_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="grants"
    )
    reason = models.CharField(_("reason"), max_length=200)
    granted_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(grantee_organization__isnull=False, grantee_user__isnull=True)
                    | models.Q(grantee_organization__isnull=True, grantee_user__isnull=False)
                ),
                name="grant_has_exactly_one_grantee",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.content_type.model}:{self.object_id} → {self.grantee_organization or self.grantee_user}"
        )


class AuditEvent(AppendOnlyModel):
    """One line of the append-only audit log: sign-ins, failures, denials and reveals of personal data."""

    kind = models.CharField(_("kind"), max_length=32, choices=AuditKind.choices, db_index=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The account name tried at sign-in, kept as typed (a username, or a masked phone for citizens).
    attempted_username = models.CharField(max_length=64, blank=True)
    # What was touched: "accounts.user:42", with the field for reveals ("phone").
    target = models.CharField(_("target"), max_length=100, blank=True, db_index=True)
    field = models.CharField(_("field"), max_length=50, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["actor", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.target}"


class ApiToken(models.Model):
    """A bearer token for a machine client acting as a user; only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SignInCode(models.Model):
    """A one-time code sent by SMS for a citizen to sign in; only a hash of the code is stored."""

    phone_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["phone_hash", "-created_at"])]

    def __str__(self) -> str:
        # Never the phone or the code: neither is stored in clear.
        return f"sign-in code {self.pk} ({self.created_at:%Y-%m-%d %H:%M})"
