import pytest

from suyuan.accounts.audit import audit_record
from suyuan.accounts.choices import AuditKind
from suyuan.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_audit_event_can_be_written_but_never_changed_or_removed():
    event = audit_record(AuditKind.SIGN_IN_FAILED, attempted_username="someone")
    event.reason = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""
