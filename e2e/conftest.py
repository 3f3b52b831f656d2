"""Browser tests: a real server on a fresh SQLite database with the demo data, driven in Chromium.

The server runs as its own process exactly as `make run` starts it (runserver, DEBUG on so the
development SMS outbox page exists), so these tests meet the platform the way a user does.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it.")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server_env() -> Iterator[dict[str, str]]:
    """The environment of the server's processes: its own directory and database."""
    var_dir = Path(tempfile.mkdtemp(prefix="suyuan-e2e-"))
    env = {
        **os.environ,
        "SUYUAN_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'db.sqlite3'}",
        "DEBUG": "1",
        "SMS_BACKEND": "suyuan.notifications.sms.LogSmsBackend",
    }
    env.pop("REDIS_URL", None)
    yield env
    shutil.rmtree(var_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def server(server_env: dict[str, str]) -> Iterator[str]:
    env = server_env
    var_dir = Path(env["SUYUAN_VAR_DIR"])
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (
        ["migrate", "--noinput", "-v", "0"],
        ["createcachetable"],
        ["load_regions", "--province", "33", "--villages"],
        ["seed_demo"],
    ):
        subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    port = _free_port()
    log = (var_dir / "server.log").open("w")
    # The task worker delivers text messages (sign-in codes), as in `make run`.
    worker = subprocess.Popen(
        [*manage, "db_worker", "--interval", "0.2", "--no-reload", "--no-startup-delay"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    proc = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            worker.kill()
            pytest.fail(f"the server did not start; see {var_dir / 'server.log'}")
        time.sleep(0.3)
    yield base
    for process in (proc, worker):
        process.terminate()
        process.wait(timeout=10)
    log.close()


@pytest.fixture
def manage(server: str, server_env: dict[str, str]) -> Callable[..., str]:
    """Run a ``manage.py`` command against the running server's database and return what it printed.

    For what the clock or an operator would do on the server (a periodic sweep), not for what users do.
    """

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=server_env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    return run


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def texted(browser: Browser, server: str, phone: str, pattern: str, *, seconds: float = 30) -> re.Match[str]:
    """Wait for a text message to ``phone`` matching ``pattern`` on the DEBUG-only development SMS page.

    The worker delivers messages through the development gateway; on a busy machine that takes a few
    seconds, so the page is read again until ``seconds`` have passed. Returns the newest match.
    """
    outbox = browser.new_context(base_url=server).new_page()
    body = outbox.locator(f'[data-testid="dev-sms"][data-phone="{phone}"] [data-testid="dev-sms-body"]')
    deadline = time.monotonic() + seconds
    try:
        while True:
            outbox.goto("/dev/sms/")
            found = [m for m in (re.search(pattern, text) for text in body.all_inner_texts()) if m]
            if found:
                return found[0]
            assert time.monotonic() < deadline, f"no text message to {phone} matching {pattern!r}"
            outbox.wait_for_timeout(250)
    finally:
        outbox.context.close()
