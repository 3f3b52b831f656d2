"""Read configuration from the environment, with generated local secrets for development.

Production sets every secret in the environment. On a developer's machine the secrets that are missing
are generated once into ``var/secrets.env`` (git-ignored) so that ``make run`` needs nothing else; the
deploy check (``manage.py check --deploy``) warns when a non-debug process relies on that file.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("SUYUAN_VAR_DIR", BASE_DIR / "var"))
LOCAL_SECRETS_FILE = VAR_DIR / "secrets.env"

# name -> generator of a fresh value
_GENERATED_SECRETS = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_KEYS": lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    "PII_HASH_KEY": lambda: secrets.token_urlsafe(32),
}

secrets_from_local_file: set[str] = set()


def _read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip()
    return values


def _local_secrets() -> dict[str, str]:
    values = _read_env_file(LOCAL_SECRETS_FILE)
    missing = [name for name in _GENERATED_SECRETS if name not in values and name not in os.environ]
    if missing:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        for name in missing:
            values[name] = _GENERATED_SECRETS[name]()
        body = "# Generated once for local development. Never commit; production sets these in the environment.\n"
        body += "".join(f"{k}={v}\n" for k, v in sorted(values.items()))
        # Write atomically with owner-only permissions; two processes racing here both write valid keys
        # and the rename makes one of them win before either reads the file back.
        tmp = LOCAL_SECRETS_FILE.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
        if not LOCAL_SECRETS_FILE.exists():
            os.replace(tmp, LOCAL_SECRETS_FILE)
        else:
            tmp.unlink()
        values = _read_env_file(LOCAL_SECRETS_FILE)
    return values


def secret(name: str) -> str:
    """Return a secret from the environment, or from the generated local file."""
    if name in os.environ:
        return os.environ[name]
    secrets_from_local_file.add(name)
    return _local_secrets()[name]


def get(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def listing(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def integer(name: str, default: int) -> int:
    return int(os.environ.get(name, default))
