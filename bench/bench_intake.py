"""Benchmark filing matters through the JSON API on a production-style server, on SQLite and PostgreSQL.

Run from the project root: ``.venv/bin/python bench/bench_intake.py``. For each database it prepares a
throwaway one (a temporary SQLite file; a PostgreSQL database created on 127.0.0.1:5432 as ``postgres`` and
dropped afterwards, skipped with a message when the server is unreachable), migrates it, loads Zhejiang's
regions and creates a dispatcher with an API token. Then it starts gunicorn (gthread workers) on a free
loopback port and drives ``POST /api/matters`` with unique Idempotency-Keys from 1, 8 and 32 client
threads, next to the same server's bare ``/healthz`` under the same concurrency as the ceiling.

The figures are printed as they are; nothing is asserted about speed. Client threads share the machine
(and Python's GIL) with the server, so the ceiling is a ceiling of this setup, not of the server alone.
"""

from __future__ import annotations

import base64
import http.client
import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"

WORKERS = 3
THREADS_PER_WORKER = 4
CONCURRENCY = (1, 8, 32)
MAX_REQUESTS = 300  # per run; a run also stops after MAX_SECONDS
MAX_SECONDS = 8.0
WARMUP_REQUESTS = 12
USERNAME = "bench.dispatcher"
REGION = "330881001001"  # a village of Jiangshan


# --- preparing a database (runs in a child process configured for that database) -------------------------


def prepare() -> None:
    """Migrate, load regions, create a dispatcher in Jiangshan with an API token; print the token."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suyuan.config.settings")
    import django

    django.setup()
    from io import StringIO

    from django.core.management import call_command

    from suyuan.accounts.choices import OrganizationType, Role
    from suyuan.accounts.models import Membership, Organization, User
    from suyuan.regions.models import Region
    from suyuan.regions.services import regions_load

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    regions_load(province="33", villages=True)
    centre = Organization.objects.create(
        code="BENCH-330881-CC",
        name="江山市社会矛盾纠纷调处化解中心",
        region=Region.objects.get(code="330881"),
        type=OrganizationType.COUNTY_CENTRE,
    )
    user = User.objects.create_user(username=USERNAME, full_name="压测调度员")
    Membership.objects.create(user=user, organization=centre, role=Role.DISPATCHER)
    out = StringIO()
    call_command("create_api_token", username=USERNAME, name="bench", stdout=out)
    print(out.getvalue().strip())


# --- the server --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="suyuan.config.settings",
        DATABASE_URL=database_url,
        SUYUAN_VAR_DIR=str(var_dir),
        DEBUG="0",
        ALLOWED_HOSTS=HOST,
        LOG_LEVEL="ERROR",
        DB_CONN_MAX_AGE="60",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        PII_HASH_KEY=secrets.token_urlsafe(32),
    )
    return env


@contextmanager
def gunicorn(env: dict[str, str], port: int) -> Iterator[None]:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "suyuan.config.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={WORKERS}",
        "--worker-class=gthread",
        f"--threads={THREADS_PER_WORKER}",
        "--backlog=512",
        "--keep-alive=5",
        "--log-level=warning",
    ]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {proc.returncode}")
            try:
                connection = http.client.HTTPConnection(HOST, port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("gunicorn did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- the clients -------------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


Request = Callable[[int], tuple[str, str, bytes | None, dict[str, str], int]]


def drive(port: int, threads: int, make_request: Request, *, requests: int, seconds: float) -> Run:
    """Send up to ``requests`` requests from ``threads`` threads (keep-alive), for at most ``seconds``."""
    run = Run()
    numbers = itertools.count()
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        while time.perf_counter() < stop_at:
            n = next(numbers)
            if n >= requests:
                break
            method, path, body, headers, expected = make_request(n)
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                ok = response.status == expected
                problem = "" if ok else f"HTTP {response.status}: {payload[:200]!r}"
            except (OSError, http.client.HTTPException) as exc:
                ok, problem = False, f"{type(exc).__name__}: {exc}"
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    run.latencies.append(elapsed)
                else:
                    run.errors += 1
                    run.first_error = run.first_error or problem
        connection.close()

    workers = [threading.Thread(target=client) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    run.seconds = time.perf_counter() - started
    return run


def intake_request(token: str, prefix: str) -> Request:
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def make(n: int) -> tuple[str, str, bytes | None, dict[str, str], int]:
        body = {
            "kind": "dispute",
            "channel": "hotline",
            "title": f"邻居装修噪音扰民（压测 {n}）",
            "description": "楼上邻居连续两周在晚上十点后装修，多次沟通无果。",
            "desired_outcome": "晚上八点后停止施工",
            "region_code": REGION,
            "address_text": "江山市双塔街道城北社区某小区3幢",
            "category_code": "neighbours",
            "parties": [
                {"role": "applicant", "name": "市民甲", "phone": f"139{n % 100_000_000:08d}"},
                {"role": "respondent", "name": "楼上住户", "phone": f"138{n % 100_000_000:08d}"},
            ],
            "privacy_consent": True,
            "agent_consent": "12345 热线电话录音",
        }
        headers = {**auth, "Idempotency-Key": f"{prefix}-{n}"}
        return "POST", "/api/matters", json.dumps(body).encode(), headers, 201

    return make


def healthz_request(n: int) -> tuple[str, str, bytes | None, dict[str, str], int]:
    return "GET", "/healthz", None, {}, 200


def line(label: str, run: Run) -> str:
    error = f"  (first: {run.first_error})" if run.first_error else ""
    return (
        f"{label} {run.rate:8.1f}/s   p50 {run.percentile(50):7.1f} ms   p99 {run.percentile(99):7.1f} ms   "
        f"{len(run.latencies):4d} ok in {run.seconds:4.1f} s   errors {run.errors}{error}"
    )


def bench_database(name: str, database_url: str) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="suyuan-bench-intake-"))
    (workdir / "static").mkdir()  # STATIC_ROOT: nothing collected, but whitenoise wants the directory
    try:
        env = server_env(database_url, workdir)
        started = time.perf_counter()
        prepared = subprocess.run(
            [sys.executable, __file__, "--prepare"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if prepared.returncode:
            raise RuntimeError(f"preparing the {name} database failed:\n{prepared.stderr[-2000:]}")
        token = prepared.stdout.strip().splitlines()[-1]
        print(
            f"{name}: migrated, Zhejiang's regions loaded, dispatcher and token in {time.perf_counter() - started:.1f} s"
        )
        port = free_port()
        with gunicorn(env, port):
            print(
                f"{name}: gunicorn on {HOST}:{port}, {WORKERS} gthread workers × {THREADS_PER_WORKER} threads, "
                f"persistent database connections; each run ≤ {MAX_REQUESTS} requests or {MAX_SECONDS:.0f} s"
            )
            drive(port, 4, intake_request(token, "warmup"), requests=WARMUP_REQUESTS, seconds=30)
            drive(port, 4, healthz_request, requests=WARMUP_REQUESTS, seconds=30)
            for threads in CONCURRENCY:
                intake = drive(
                    port,
                    threads,
                    intake_request(token, f"c{threads}"),
                    requests=MAX_REQUESTS,
                    seconds=MAX_SECONDS,
                )
                ceiling = drive(port, threads, healthz_request, requests=MAX_REQUESTS, seconds=MAX_SECONDS)
                ratio = intake.rate / ceiling.rate if ceiling.rate else float("nan")
                print(f"  {threads:2d} client threads:")
                print("    " + line("POST /api/matters", intake))
                print("    " + line("GET /healthz     ", ceiling))
                print(f"    matters/s ÷ healthz/s = {ratio:.2f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --- PostgreSQL: a throwaway database -------------------------------------------------------------------


@contextmanager
def throwaway_postgres() -> Iterator[str | None]:
    """Yield the URL of a new, empty PostgreSQL database (None if the server is unreachable); drop it after."""
    try:
        import psycopg
    except ImportError:
        yield None
        return
    name = f"suyuan_bench_intake_{os.getpid()}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        print(f"PostgreSQL: skipped, 127.0.0.1:5432 is unreachable ({str(exc).strip().splitlines()[0]})")
        yield None
        return
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgres://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    if "--prepare" in sys.argv:
        prepare()
        return 0
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="suyuan-bench-sqlite-"))
    try:
        bench_database("SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    with throwaway_postgres() as url:
        if url is not None:
            bench_database("PostgreSQL", url)
    print(f"bench_intake: {time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
