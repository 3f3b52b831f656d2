"""Time `make run` from a fresh clone to the first page served, cold (new venv) and warm (second run).

Usage: python bench/bench_make_run.py   (set BENCH_SKIP_MAKE_RUN=1 to skip it inside `make bench`)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def time_to_first_page(workdir: Path, port: int, timeout: float = 900) -> float:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV"}}
    start = time.monotonic()
    proc = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.monotonic() - start < timeout:
            if proc.poll() is not None:
                raise RuntimeError(f"make run exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    if response.status == 200:
                        return time.monotonic() - start
            except OSError:
                pass
            time.sleep(0.25)
        raise TimeoutError("no page within the timeout")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> int:
    if os.environ.get("BENCH_SKIP_MAKE_RUN"):
        print("make run: skipped (BENCH_SKIP_MAKE_RUN set)")
        return 0
    with tempfile.TemporaryDirectory(prefix="suyuan-bench-") as tmp:
        clone = Path(tmp) / "suyuan"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        cold = time_to_first_page(clone, free_port())
        warm = time_to_first_page(clone, free_port())
    print(f"make run, fresh clone to first page: cold {cold:.1f} s (new .venv, migrate, regions, demo)")
    print(f"make run, second run to first page:  warm {warm:.1f} s (everything already set up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
