"""Views and APIs never read a protected model directly: they go through suyuan.accounts.access.

The test parses every ``views.py`` and ``api.py`` (and every module in a ``views/`` or ``api/`` package)
under ``suyuan/``, follows import aliases, and flags ``<Model>.objects`` (or any other manager such as
``_default_manager``), ``get_object_or_404(<Model>, ...)`` / ``get_list_or_404`` and
``get_user_model().objects`` for the models named in the ``PROTECTED_MODELS`` of every app's ``access.py``
(read from the source, so this test needs to import no app above accounts).
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
MANAGER_NAMES = {"objects", "_default_manager", "_base_manager"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404", "aget_object_or_404", "aget_list_or_404"}


def _protected_models() -> frozenset[str]:
    names: set[str] = set()
    for access_module in PACKAGE_ROOT.glob("*/access.py"):
        for node in ast.walk(ast.parse(access_module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "PROTECTED_MODELS" for t in node.targets
            ):
                names.update(ast.literal_eval(node.value))
    return frozenset(names)


PROTECTED = _protected_models()


def view_and_api_modules() -> list[Path]:
    """Return every module under suyuan/ that serves HTTP requests: views and API routers."""
    found = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        relative = path.relative_to(PACKAGE_ROOT)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        if path.name in ("views.py", "api.py") or {"views", "api"} & set(relative.parts[:-1]):
            found.append(path)
    return found


class _Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}  # local name -> protected model name
        self.module_aliases: set[str] = set()  # names bound to a models module (``from x import models``)
        self.user_model_names: set[str] = set()  # names bound to get_user_model()
        self.problems: list[tuple[int, str]] = []

    # --- what names mean --------------------------------------------------------------------------

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            local = alias.asname or alias.name
            if alias.name in PROTECTED:
                self.aliases[local] = alias.name
            elif alias.name == "models":
                self.module_aliases.add(local)
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.endswith(".models"):
                self.module_aliases.add(alias.asname or alias.name)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        # ``Person = User`` or ``UserModel = get_user_model()``
        for target in node.targets:
            if not isinstance(target, ast.Name):
                continue
            model = self._model_of(node.value)
            if model is not None:
                self.aliases[target.id] = model
            elif self._is_get_user_model(node.value):
                self.user_model_names.add(target.id)
        self.generic_visit(node)

    # --- what is forbidden ------------------------------------------------------------------------

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in MANAGER_NAMES:
            model = self._model_of(node.value)
            if model is None and (
                self._is_get_user_model(node.value)
                or (isinstance(node.value, ast.Name) and node.value.id in self.user_model_names)
            ):
                model = "User"
            if model is not None:
                self.problems.append((node.lineno, f"{model}.{node.attr}"))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name in SHORTCUTS and node.args:
            # A queryset argument (``User.objects.filter(...)``) is caught by visit_Attribute.
            model = self._model_of(node.args[0])
            if model is not None:
                self.problems.append((node.lineno, f"{name}({model})"))
        self.generic_visit(node)

    # --- helpers ----------------------------------------------------------------------------------

    def _model_of(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        # ``models.User`` or ``accounts.models.User``
        if isinstance(node, ast.Attribute) and node.attr in PROTECTED:
            return node.attr
        return None

    @staticmethod
    def _is_get_user_model(node: ast.expr) -> bool:
        return isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == (
            "get_user_model"
        )


def direct_reads(source: str) -> list[tuple[int, str]]:
    """Return ``(line, what)`` for each direct read of a protected model in ``source``."""
    finder = _Finder()
    finder.visit(ast.parse(source))
    return finder.problems


def test_the_scan_finds_the_modules_that_serve_requests():
    names = {str(p.relative_to(PACKAGE_ROOT)) for p in view_and_api_modules()}
    assert {"web/views.py", "accounts/api.py"} <= names


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from suyuan.accounts.models import User\nUser.objects.get(pk=1)", ["User.objects"]),
        ("from suyuan.accounts.models import Organization as O\nO._default_manager.all()", ["Organization._default_manager"]),
        ("from suyuan.accounts import models\nmodels.AuditEvent.objects.all()", ["AuditEvent.objects"]),
        ("from django.shortcuts import get_object_or_404\nfrom suyuan.accounts.models import Membership\n"
         "get_object_or_404(Membership, pk=1)", ["get_object_or_404(Membership)"]),
        ("from django.shortcuts import get_list_or_404\nfrom suyuan.accounts.models import User\n"
         "get_list_or_404(User.objects.filter(is_active=True))", ["User.objects"]),
        ("from django.contrib.auth import get_user_model\nget_user_model().objects.all()", ["User.objects"]),
        ("from django.contrib.auth import get_user_model\nU = get_user_model()\nU.objects.all()", ["User.objects"]),
        ("from suyuan.accounts.models import ApiToken\nT = ApiToken\nT.objects.all()", ["ApiToken.objects"]),
        # allowed: chokepoints, unprotected models, type hints
        ("from suyuan.accounts import access\naccess.access_user(actor, 1)", []),
        ("from suyuan.regions.models import Region\nRegion.objects.all()", []),
        ("from suyuan.accounts.models import User\ndef f(u: User) -> User: return u", []),
    ],
)  # fmt: skip
def test_the_scan_recognises_direct_reads(source, expected):
    assert [what for _line, what in direct_reads(textwrap.dedent(source))] == expected


def test_no_view_or_api_reads_a_protected_model_directly():
    problems = []
    for path in view_and_api_modules():
        for line, what in direct_reads(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(PACKAGE_ROOT.parent)}:{line}: {what}")
    assert not problems, (
        "Read these through suyuan.accounts.access (access_<thing> / <things>_visible_to) or a selector:\n"
        + "\n".join(problems)
    )


def test_the_protected_models_of_every_app_are_known():
    assert {"User", "Organization", "AuditEvent", "Matter", "Party", "MatterEvent"} <= PROTECTED
