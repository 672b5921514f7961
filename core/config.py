"""Configuration from environment variables, validated once at start-up.

Every setting has a default that lets a fresh clone run on SQLite; production overrides them with
environment variables (``DATABASE_URL``, ``SECRET_KEY``, ``UPLOAD_DIR``, ``TIMEZONE``...).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(RuntimeError):
    """Raised for a setting that cannot work; the message names the variable and the fix."""


def _int(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be greater than zero")
    return value


def _bool(env: dict, name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise ConfigError(f"{name}={env[name]!r} is not a yes/no value (use true or false)")
    return raw in ("1", "true", "yes", "on")


def database_url(raw: str) -> str:
    """Normalise a database URL to the drivers this project installs (psycopg 3 for PostgreSQL)."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    if raw.startswith(("sqlite://", "postgresql+psycopg://")):
        return raw
    raise ConfigError(
        f"DATABASE_URL={raw!r} is not supported: use sqlite:///path/to/file.db or postgresql://user@host/db"
    )


def _secret_key(instance: Path) -> str:
    """Keep a generated key in the instance folder so sessions survive restarts without a constant in code."""
    path = instance / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def _writable_dir(name: str, raw: str) -> Path:
    path = Path(raw).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{name}={raw!r} cannot be created: {exc.strerror}") from None
    if not os.access(path, os.W_OK):
        raise ConfigError(f"{name}={raw!r} is not writable")
    return path


def load(instance_path: str, root_path: str, env: dict | None = None) -> dict:
    """Build the Flask config mapping from ``env`` (default ``os.environ``)."""
    env = dict(os.environ if env is None else env)
    instance = _writable_dir("instance folder", instance_path)
    tz_name = env.get("TIMEZONE") or "Asia/Shanghai"
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE={tz_name!r} is not a known IANA time zone (e.g. Asia/Shanghai)") from None
    default_db = f"sqlite:///{instance / 'inspection.db'}"
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL") or default_db),
        "SECRET_KEY": env.get("SECRET_KEY") or _secret_key(instance),
        "UPLOAD_DIR": str(_writable_dir("UPLOAD_DIR", env.get("UPLOAD_DIR") or str(Path(root_path) / "uploads"))),
        "TIMEZONE": tz_name,
        "TOKEN_TTL_HOURS": _int(env, "TOKEN_TTL_HOURS", 12),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_UPLOAD_MB", 25) * 1024 * 1024,
        "DEADLINE_DAYS_GENERAL": _int(env, "DEADLINE_DAYS_GENERAL", 15),
        "DEADLINE_DAYS_MAJOR": _int(env, "DEADLINE_DAYS_MAJOR", 90),
        "MAX_PHOTO_PIXELS": _int(env, "MAX_PHOTO_PIXELS", 50_000_000),
        "MAX_PHOTOS_PER_FINDING": _int(env, "MAX_PHOTOS_PER_FINDING", 10),
        "PHOTO_KEEP_ORIGINALS": _bool(env, "PHOTO_KEEP_ORIGINALS", False),
        "CARD_RULESET": env.get("CARD_RULESET") or None,
    }
