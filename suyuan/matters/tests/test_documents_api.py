"""The documents API: list, multipart upload, download, for every role, in the one error shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from suyuan.accounts.choices import Role
from suyuan.accounts.tests.world import World, new_user, sign_in
from suyuan.matters import documents
from suyuan.matters.choices import DocumentKind, Visibility
from suyuan.matters.models import Document, Matter
from suyuan.matters.tests import files

pytestmark = pytest.mark.django_db

VISIBLE = [Role.GRID_WORKER, Role.MEDIATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR]
HIDDEN = [Role.ANALYST, Role.COURT_CLERK, Role.JUDGE, Role.AGENCY_OFFICER]
EVERYONE = sorted(
    [*VISIBLE, *HIDDEN, "citizen", "other_citizen", "kecheng", "kecheng_admin", "operator", "anonymous"]
)
# Who may read and add the documents of the world's dispute; everyone else signed in gets 404.
ALLOWED = {"citizen", "operator", *VISIBLE}


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    return root


def actor(world: World, name: str) -> Any:
    if name == "other_citizen":
        return new_user(username="citizen2", full_name="市民乙")
    return world.actor(name)


def client_for(user: Any) -> Client:
    return sign_in(Client(), user)


def url(matter: Matter, suffix: str = "") -> str:
    return f"/api/matters/{matter.display_code}/documents{suffix}"


def add(matter: Matter, who: Any, **kwargs: Any) -> Document:
    upload = files.upload(files.jpeg(), "photo.jpg", "image/jpeg")
    return documents.document_add(
        matter=matter, actor=who, upload=upload, kind=DocumentKind.EVIDENCE, **kwargs
    )


def expected(name: str, ok: int) -> int:
    return 401 if name == "anonymous" else ok if name in ALLOWED else 404


class TestEveryRole:
    @pytest.mark.parametrize("name", EVERYONE)
    def test_list(self, world, dispute, name):
        add(dispute, world.citizen)
        response = client_for(actor(world, name)).get(url(dispute))
        assert response.status_code == expected(name, 200)
        if response.status_code == 200:
            assert [d["original_name"] for d in response.json()] == ["photo.jpg"]

    @pytest.mark.parametrize("name", EVERYONE)
    def test_upload(self, world, dispute, name):
        upload = files.upload(files.png(), "plan.png", "image/png")
        response = client_for(actor(world, name)).post(url(dispute), {"file": upload, "kind": "evidence"})
        assert response.status_code == expected(name, 201)
        assert Document.objects.count() == (1 if response.status_code == 201 else 0)

    @pytest.mark.parametrize("name", EVERYONE)
    def test_download(self, world, dispute, name):
        document = add(dispute, world.citizen)
        response = client_for(actor(world, name)).get(url(dispute, f"/{document.pk}"))
        assert response.status_code == expected(name, 200)
        if response.status_code == 200:
            assert response["Content-Type"] == "image/jpeg"
            assert response["Content-Disposition"].startswith("attachment;")
            assert response["X-Content-Type-Options"] == "nosniff"


class TestRules:
    def test_an_upload_answers_with_the_document(self, world, dispute):
        upload = files.upload(files.pdf(2), "合同.pdf", "application/pdf")
        response = client_for(world.citizen).post(url(dispute), {"file": upload, "kind": "application"})
        assert response.status_code == 201
        body = response.json()
        assert body["original_name"] == "合同.pdf"
        assert (body["kind"], body["pages"], body["content_type"]) == ("application", 2, "application/pdf")
        assert body["visibility"] == "public"

    def test_a_disguised_file_answers_422_naming_it_and_changes_nothing(self, world, dispute, media, english):
        upload = files.upload(files.EXE, "photo.jpg", "image/jpeg")
        response = client_for(world.citizen).post(url(dispute), {"file": upload})
        assert response.status_code == 422
        error = response.json()["detail"][0]
        assert error["field"] == "file"
        assert "photo.jpg" in error["message"]
        assert not Document.objects.exists()
        assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))

    def test_a_missing_file_answers_422(self, world, dispute):
        response = client_for(world.citizen).post(url(dispute), {"kind": "evidence"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "file"

    def test_a_citizen_cannot_upload_for_staff_only(self, world, dispute):
        upload = files.upload(files.png(), "x.png")
        response = client_for(world.citizen).post(url(dispute), {"file": upload, "visibility": "internal"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "visibility"

    def test_staff_only_documents_are_hidden_from_the_citizen(self, world, dispute):
        internal = add(dispute, world.staff[Role.DISPATCHER], visibility=Visibility.INTERNAL)
        citizen = client_for(world.citizen)
        assert citizen.get(url(dispute)).json() == []
        assert citizen.get(url(dispute, f"/{internal.pk}")).status_code == 404
        staff = client_for(world.staff[Role.MEDIATOR]).get(url(dispute)).json()
        assert [d["visibility"] for d in staff] == ["internal"]

    def test_the_list_takes_the_same_queries_for_one_or_many(self, world, dispute):
        client = client_for(world.staff[Role.DISPATCHER])
        add(dispute, world.citizen)
        client.get(url(dispute))
        with CaptureQueriesContext(connection) as one:
            client.get(url(dispute))
        for _ in range(5):
            add(dispute, world.citizen)
        with CaptureQueriesContext(connection) as six:
            response = client.get(url(dispute))
        assert len(response.json()) == 6
        assert len(six) == len(one)
        # session, user, second factor, scope, the matter by code, its rights, the documents
        assert len(one) <= 16
