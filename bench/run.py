"""Run every benchmark under bench/ (bench_*.py), one process each, and print what they print.

Usage, from the project root: ``.venv/bin/python bench/run.py [name ...]`` where a name such as
``regions`` picks ``bench_regions.py``; without names, all of them run. Exits non-zero if any failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


def main(names: list[str]) -> int:
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    if names:
        scripts = [script for script in scripts if script.stem.removeprefix("bench_") in names]
    failed = []
    for script in scripts:
        print(f"=== {script.name} ===", flush=True)
        started = time.perf_counter()
        # Each benchmark configures Django for itself, so each gets a fresh interpreter.
        result = subprocess.run([sys.executable, str(script)], cwd=ROOT, check=False)
        print(
            f"--- {script.name}: {'ok' if result.returncode == 0 else f'FAILED (exit {result.returncode})'}, "
            f"{time.perf_counter() - started:.1f} s wall ---\n",
            flush=True,
        )
        if result.returncode:
            failed.append(script.name)
    if not scripts:
        print("no benchmarks found")
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
