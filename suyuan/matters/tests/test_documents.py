"""Documents of a matter: who may add and read them, their events, what a failure leaves behind, and
the pages that file, list, upload and download them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suyuan.accounts.choices import Role
from suyuan.accounts.tests.world import World, new_user, sign_in
from suyuan.core.exceptions import NotFound
from suyuan.matters import documents, services
from suyuan.matters.choices import DocumentKind, DocumentSource, EventKind, MatterStatus, Visibility
from suyuan.matters.models import Document, Matter, MatterEvent
from suyuan.matters.tests import files
from suyuan.matters.tests.test_portal_pages import filing
from suyuan.matters.tests.test_staff_pages import intake_data

pytestmark = pytest.mark.django_db

VISIBLE = [Role.GRID_WORKER, Role.MEDIATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR]
HIDDEN = [Role.ANALYST, Role.COURT_CLERK, Role.JUDGE, Role.AGENCY_OFFICER]


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    return root


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def actor(world: World, name: str) -> Any:
    if name == "other_citizen":
        return new_user(username="citizen2", full_name="市民乙")
    return world.actor(name)


def client_for(user: Any) -> Client:
    return sign_in(Client(), user)


def photo(name: str = "damage.jpg", **kwargs: Any) -> Any:
    return files.upload(files.jpeg(**kwargs), name, "image/jpeg")


def add(matter: Matter, who: Any, **kwargs: Any) -> Document:
    values: dict[str, Any] = {"upload": photo(), "kind": DocumentKind.EVIDENCE}
    values.update(kwargs)
    return documents.document_add(matter=matter, actor=who, **values)


def portal_url(matter: Matter, name: str = "matters:matter", **kwargs: Any) -> str:
    return reverse(name, kwargs={"code": matter.display_code, **kwargs})


# --- Services ---------------------------------------------------------------------------------------------


class TestDocumentAdd:
    def test_the_applicant_adds_a_photo_which_is_stored_under_a_random_name(self, world, dispute, media):
        document = add(dispute, world.citizen, upload=photo("我家墙上的裂缝.jpg", gps=True))
        assert document.original_name == "我家墙上的裂缝.jpg"
        assert document.source == DocumentSource.PARTY_UPLOAD
        assert document.content_type == "image/jpeg"
        assert document.pages == 1
        assert document.uploaded_by == world.citizen
        stored_name = str(document.file.name)
        assert "裂缝" not in stored_name
        assert stored_name.startswith("documents/")
        stored = (media / document.file.name).read_bytes()
        assert len(stored) == document.size
        assert b"TestCam" not in stored  # the metadata is gone from what is kept

    def test_the_event_names_the_file_on_the_public_timeline(self, world, dispute):
        document = add(dispute, world.citizen)
        event = MatterEvent.objects.filter(matter=dispute).order_by("-seq")[0]
        assert event.kind == EventKind.DOCUMENT_ADDED
        assert event.visibility == Visibility.PUBLIC
        assert event.text == "damage.jpg"
        assert event.data["document_id"] == document.pk

    def test_a_staff_only_document_gets_an_internal_event(self, world, dispute):
        add(dispute, world.staff[Role.DISPATCHER], visibility=Visibility.INTERNAL, kind=DocumentKind.OTHER)
        event = MatterEvent.objects.filter(matter=dispute).order_by("-seq")[0]
        assert event.kind == EventKind.DOCUMENT_ADDED
        assert event.visibility == Visibility.INTERNAL

    @pytest.mark.parametrize("role", VISIBLE)
    def test_staff_who_see_the_matter_add_documents(self, world, dispute, role):
        document = add(dispute, world.staff[role])
        assert document.source == DocumentSource.STAFF_UPLOAD

    @pytest.mark.parametrize("name", [*HIDDEN, "other_citizen", "kecheng", "anonymous"])
    def test_people_who_cannot_see_the_matter_get_not_found(self, world, dispute, name, media):
        with pytest.raises(NotFound):
            add(dispute, actor(world, name))
        assert not Document.objects.exists()
        assert stored_files(media) == []

    def test_the_other_side_signed_in_with_its_phone_adds_documents(self, world, dispute):
        from suyuan.core.identifiers import PHONE, hash_identifier
        from suyuan.matters.tests.conftest import RESPONDENT_PHONE

        respondent = new_user(username="respondent", phone=RESPONDENT_PHONE)
        respondent.phone_hash = hash_identifier(PHONE, RESPONDENT_PHONE)
        respondent.save()
        document = add(dispute, respondent)
        assert document.source == DocumentSource.PARTY_UPLOAD
        stranger = new_user(username="stranger", phone="13912345678")
        stranger.phone_hash = hash_identifier(PHONE, "13912345678")
        stranger.save()
        with pytest.raises(NotFound):
            add(dispute, stranger)

    def test_a_citizen_may_not_add_a_staff_only_document(self, world, dispute, english):
        with pytest.raises(ValidationError) as caught:
            add(dispute, world.citizen, visibility=Visibility.INTERNAL)
        assert "visibility" in caught.value.message_dict

    def test_a_party_adds_nothing_to_a_finished_matter_but_staff_still_do(self, world, dispute):
        services.matter_decline(matter=dispute, actor=world.staff[Role.DISPATCHER], reason="不属于调解范围")
        with pytest.raises(ValidationError):
            add(dispute, world.citizen)
        add(dispute, world.staff[Role.DISPATCHER])

    def test_a_bad_file_changes_nothing(self, world, dispute, media, english):
        events = MatterEvent.objects.count()
        with pytest.raises(ValidationError) as caught:
            add(dispute, world.citizen, upload=files.upload(files.EXE, "photo.jpg", "image/jpeg"))
        assert "photo.jpg" in caught.value.message_dict["file"][0]
        assert not Document.objects.exists()
        assert MatterEvent.objects.count() == events
        assert stored_files(media) == []

    def test_the_count_cap_per_matter_is_kept(self, world, dispute, settings, english):
        settings.DOCUMENT_MAX_PER_MATTER = 1
        add(dispute, world.citizen)
        with pytest.raises(ValidationError) as caught:
            add(dispute, world.citizen)
        assert "file" in caught.value.message_dict

    def test_a_failed_batch_leaves_no_document_and_no_file(self, world, dispute, settings, media):
        settings.DOCUMENT_MAX_PER_MATTER = 1
        with pytest.raises(ValidationError):
            documents.documents_add(
                matter=dispute, actor=world.citizen, uploads=[photo("a.jpg"), photo("b.jpg")], kind="evidence"
            )
        assert not Document.objects.exists()
        assert stored_files(media) == []

    def test_a_new_version_replaces_the_old_one_which_stays(self, world, dispute):
        first = add(dispute, world.citizen)
        second = add(dispute, world.citizen, replaces=first)
        visible = documents.documents_visible_to(world.citizen, dispute)
        listed = {d.pk: d.is_replaced for d in visible}  # type: ignore[attr-defined]  # annotated
        assert listed == {first.pk: True, second.pk: False}

    def test_orphan_files_left_by_a_crash_are_swept_and_documents_kept(self, world, dispute, media):
        import datetime as dt

        kept = add(dispute, world.citizen)
        orphan = media / "documents" / "2020" / "01" / "orphan.jpg"
        orphan.parent.mkdir(parents=True)
        orphan.write_bytes(b"x")
        removed = documents.documents_sweep_orphans(older_than=dt.timedelta(0))
        assert removed == ["documents/2020/01/orphan.jpg"]
        assert (media / kept.file.name).exists()


class TestReading:
    def test_parties_see_public_documents_and_staff_see_all(self, world, dispute):
        public = add(dispute, world.citizen)
        internal = add(dispute, world.staff[Role.DISPATCHER], visibility=Visibility.INTERNAL)
        assert list(documents.documents_visible_to(world.citizen, dispute)) == [public]
        assert list(documents.documents_visible_to(world.staff[Role.MEDIATOR], dispute)) == [public, internal]
        with pytest.raises(NotFound):
            documents.document_for_download(world.citizen, dispute, internal.pk)
        with pytest.raises(NotFound):
            documents.document_for_download(world.citizen, dispute, "not-a-number")


# --- Pages ------------------------------------------------------------------------------------------------


class TestFilingWithAttachments:
    def test_a_citizen_files_with_a_photo_and_a_pdf(self, world):
        data = filing()
        data["attachments"] = [
            photo("crack.jpg"),
            files.upload(files.pdf(2), "contract.pdf", "application/pdf"),
        ]
        response = client_for(world.citizen).post(reverse("matters:file"), data)
        assert response.status_code == 302
        matter = Matter.objects.get()
        names = sorted(d.original_name for d in matter.documents.all())
        assert names == ["contract.pdf", "crack.jpg"]
        assert {d.kind for d in matter.documents.all()} == {DocumentKind.EVIDENCE}

    def test_the_form_is_multipart_and_accepts_photos_and_pdfs_from_a_phone(self, world):
        html = client_for(world.citizen).get(reverse("matters:file")).content.decode()
        assert 'enctype="multipart/form-data"' in html
        assert 'accept="image/*,application/pdf"' in html
        assert "multiple" in html

    @pytest.mark.parametrize(
        ("content", "name"),
        [(files.EXE, "photo.jpg"), (files.HTML, "x.png"), (files.encrypted_pdf(), "locked.pdf")],
    )
    def test_a_bad_file_is_an_error_on_the_form_and_nothing_is_filed(
        self, world, media, english, content, name
    ):
        data = filing()
        data["attachments"] = [photo("good.jpg"), files.upload(content, name)]
        response = client_for(world.citizen).post(reverse("matters:file"), data)
        assert response.status_code == 200
        html = response.content.decode()
        assert name in html
        assert not Matter.objects.exists()
        assert not Document.objects.exists()
        assert stored_files(media) == []

    def test_a_failure_after_the_files_were_stored_removes_them_with_the_matter(
        self, world, media, settings, english
    ):
        settings.DOCUMENT_MAX_PER_MATTER = 1
        data = filing()
        data["attachments"] = [photo("a.jpg"), photo("b.jpg")]
        response = client_for(world.citizen).post(reverse("matters:file"), data)
        assert response.status_code == 200
        assert "most it can hold" in response.content.decode()
        assert not Matter.objects.exists()
        assert stored_files(media) == []

    def test_too_many_files_are_refused(self, world, settings, english):
        settings.DOCUMENT_MAX_PER_FILING = 2
        data = filing()
        data["attachments"] = [photo("a.jpg"), photo("b.jpg"), photo("c.jpg")]
        response = client_for(world.citizen).post(reverse("matters:file"), data)
        assert "at most 2 files" in response.content.decode()
        assert not Matter.objects.exists()

    def test_sending_twice_files_the_attachments_once(self, world):
        client = client_for(world.citizen)
        for _ in range(2):
            data = filing()
            data["attachments"] = [photo()]
            client.post(reverse("matters:file"), data)
        assert Matter.objects.count() == 1
        assert Document.objects.count() == 1

    def test_staff_enter_a_walk_in_matter_with_a_scan(self, world, media):
        data = intake_data()
        data["attachments"] = [files.upload(files.pdf(), "申请书.pdf", "application/pdf")]
        response = client_for(world.staff[Role.DISPATCHER]).post(reverse("matters:staff_new"), data)
        assert response.status_code == 302
        document = Document.objects.get()
        assert document.source == DocumentSource.STAFF_UPLOAD
        assert document.original_name == "申请书.pdf"

    def test_staff_entry_with_a_bad_file_enters_nothing(self, world, media, english):
        data = intake_data()
        data["attachments"] = [files.upload(files.pdf_with_javascript(), "scan.pdf", "application/pdf")]
        response = client_for(world.staff[Role.DISPATCHER]).post(reverse("matters:staff_new"), data)
        assert response.status_code == 422
        assert "scan.pdf" in response.content.decode()
        assert not Matter.objects.exists()
        assert stored_files(media) == []


class TestMatterPages:
    def test_the_portal_page_lists_documents_with_download_links_and_an_upload_form(
        self, world, dispute, english
    ):
        document = add(dispute, world.citizen)
        html = client_for(world.citizen).get(portal_url(dispute)).content.decode()
        assert 'data-testid="documents"' in html
        assert "damage.jpg" in html
        assert portal_url(dispute, "matters:document", document_id=document.pk) in html
        assert 'enctype="multipart/form-data"' in html
        assert "/media/" not in html

    def test_the_staff_page_lists_staff_only_documents_too(self, world, dispute, english):
        add(
            dispute,
            world.staff[Role.DISPATCHER],
            visibility=Visibility.INTERNAL,
            upload=photo("internal.jpg"),
        )
        staff_html = client_for(world.staff[Role.MEDIATOR]).get(portal_url(dispute, "matters:staff_detail"))
        assert "internal.jpg" in staff_html.content.decode()
        assert "staff only" in staff_html.content.decode()
        citizen_html = client_for(world.citizen).get(portal_url(dispute)).content.decode()
        assert "internal.jpg" not in citizen_html

    def test_a_citizen_uploads_on_the_matter_page(self, world, dispute):
        response = client_for(world.citizen).post(
            portal_url(dispute, "matters:document_add"), {"kind": "evidence", "attachments": [photo()]}
        )
        assert response.status_code == 302
        assert response["Location"].endswith("#documents")
        assert dispute.documents.count() == 1

    def test_a_bad_upload_on_the_page_shows_the_error_and_changes_nothing(
        self, world, dispute, media, english
    ):
        response = client_for(world.citizen).post(
            portal_url(dispute, "matters:document_add"),
            {"kind": "evidence", "attachments": [files.upload(files.HTML, "page.png")]},
        )
        assert response.status_code == 422
        assert "page.png" in response.content.decode()
        assert not Document.objects.exists()
        assert stored_files(media) == []

    def test_staff_upload_a_staff_only_document(self, world, dispute):
        response = client_for(world.staff[Role.DISPATCHER]).post(
            portal_url(dispute, "matters:staff_document_add"),
            {"kind": "session_record", "visibility": "internal", "attachments": [photo()]},
        )
        assert response.status_code == 302
        assert dispute.documents.get().visibility == Visibility.INTERNAL

    def test_the_download_is_an_attachment_with_its_stored_type_and_nosniff(self, world, dispute):
        document = add(dispute, world.citizen, upload=files.upload(files.pdf(), "合同.pdf", "text/html"))
        response = client_for(world.citizen).get(
            portal_url(dispute, "matters:document", document_id=document.pk)
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "filename*=utf-8''%E5%90%88%E5%90%8C.pdf" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == files.pdf()  # type: ignore[attr-defined]

    def test_the_documents_list_takes_the_same_queries_for_one_or_many(self, world, dispute):
        client = client_for(world.citizen)
        add(dispute, world.citizen)
        client.get(portal_url(dispute))  # warm the session and caches
        with CaptureQueriesContext(connection) as one:
            client.get(portal_url(dispute))
        for _ in range(5):
            add(dispute, world.citizen)
        with CaptureQueriesContext(connection) as six:
            client.get(portal_url(dispute))
        assert len(six) == len(one)

        staff = client_for(world.staff[Role.DISPATCHER])
        staff.get(portal_url(dispute, "matters:staff_detail"))
        with CaptureQueriesContext(connection) as before:
            staff.get(portal_url(dispute, "matters:staff_detail"))
        add(dispute, world.staff[Role.DISPATCHER])
        with CaptureQueriesContext(connection) as after:
            staff.get(portal_url(dispute, "matters:staff_detail"))
        assert len(after) == len(before)


EVERYONE = sorted(
    [*VISIBLE, *HIDDEN, "citizen", "other_citizen", "kecheng", "kecheng_admin", "operator", "anonymous"]
)


class TestEveryRole:
    """Every role against every new page: download and upload, on the portal and in the workbench."""

    PORTAL: dict[str, int] = {"citizen": 200, "operator": 200, **dict.fromkeys(VISIBLE, 200)}
    STAFF: dict[str, int] = {
        "operator": 200,
        **dict.fromkeys(VISIBLE, 200),
        "citizen": 403,
        "other_citizen": 403,
        "analyst": 403,
    }

    @pytest.mark.parametrize("name", EVERYONE)
    def test_portal_download(self, world, dispute, name):
        document = add(dispute, world.citizen)
        response = client_for(actor(world, name)).get(
            portal_url(dispute, "matters:document", document_id=document.pk)
        )
        expected = 302 if name == "anonymous" else self.PORTAL.get(name, 404)
        assert response.status_code == expected

    @pytest.mark.parametrize("name", EVERYONE)
    def test_staff_download(self, world, dispute, name):
        document = add(dispute, world.citizen)
        url = portal_url(dispute, "matters:staff_document", document_id=document.pk)
        response = client_for(actor(world, name)).get(url)
        expected = 302 if name == "anonymous" else self.STAFF.get(name, 404)
        assert response.status_code == expected

    @pytest.mark.parametrize("name", EVERYONE)
    def test_portal_upload(self, world, dispute, name):
        response = client_for(actor(world, name)).post(
            portal_url(dispute, "matters:document_add"), {"kind": "evidence", "attachments": [photo()]}
        )
        expected = 302 if name == "anonymous" or self.PORTAL.get(name) == 200 else 404
        assert response.status_code == expected
        assert Document.objects.count() == (0 if name == "anonymous" or expected == 404 else 1)

    @pytest.mark.parametrize("name", EVERYONE)
    def test_staff_upload(self, world, dispute, name):
        response = client_for(actor(world, name)).post(
            portal_url(dispute, "matters:staff_document_add"), {"kind": "evidence", "attachments": [photo()]}
        )
        if name == "anonymous":
            assert response.status_code == 302
        else:
            assert response.status_code == {200: 302}.get(
                self.STAFF.get(name, 404), self.STAFF.get(name, 404)
            )
        assert Document.objects.count() == (1 if self.STAFF.get(name) == 200 else 0)

    @pytest.mark.parametrize("name", ["citizen", Role.MEDIATOR])
    def test_a_staff_only_document_is_not_found_for_the_citizen(self, world, dispute, name):
        document = add(dispute, world.staff[Role.DISPATCHER], visibility=Visibility.INTERNAL)
        response = client_for(actor(world, name)).get(
            portal_url(dispute, "matters:document", document_id=document.pk)
        )
        assert response.status_code == (404 if name == "citizen" else 200)

    def test_a_document_of_another_matter_is_not_found(self, world, dispute):
        from suyuan.matters.tests.conftest import file_dispute

        other = file_dispute(world)
        document = add(other, world.citizen)
        response = client_for(world.citizen).get(
            portal_url(dispute, "matters:document", document_id=document.pk)
        )
        assert response.status_code == 404

    def test_downloads_need_get(self, world, dispute):
        document = add(dispute, world.citizen)
        response = client_for(world.citizen).post(
            portal_url(dispute, "matters:document", document_id=document.pk)
        )
        assert response.status_code == 405
        assert dispute.status == MatterStatus.SUBMITTED
