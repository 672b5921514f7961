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


def _int(env: dict, name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def _bounded(env: dict, name: str, default: int, maximum: int) -> int:
    value = _int(env, name, default)
    if value > maximum:
        raise ConfigError(f"{name}={env[name]!r} must be at most {maximum}")
    return value


def _bool(env: dict, name: str, default: bool | None) -> bool | None:
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


def _secret_key(instance: Path, name: str = "secret_key") -> str:
    """Keep a generated key in the instance folder so sessions survive restarts without a constant in code."""
    path = instance / name
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


def _days(env: dict, name: str, default: str, minimum: int) -> tuple[int, ...]:
    """A comma-separated list of whole days (``"3,1"``), distinct and at least ``minimum``, sorted ascending."""
    raw = env.get(name) or default
    try:
        days = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a comma-separated list of whole days (e.g. {default})") from None
    if not days or len(days) != len(set(days)) or min(days) < minimum:
        raise ConfigError(f"{name}={raw!r} needs distinct whole days of at least {minimum} (e.g. {default})")
    return tuple(sorted(days))


def _hour(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    if not raw.strip().isdigit() or not 0 <= int(raw) <= 23:
        raise ConfigError(f"{name}={raw!r} is not an hour of the day (0 to 23)")
    return int(raw)


def _choice(env: dict, name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = (env.get(name) or default).strip().lower()
    if raw not in choices:
        raise ConfigError(f"{name}={env[name]!r} must be one of: {', '.join(choices)}")
    return raw


def _urls(env: dict, name: str) -> tuple[str, ...]:
    urls = tuple(part.strip() for part in (env.get(name) or "").split(",") if part.strip())
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"{name}: {url!r} is not an http:// or https:// URL")
    return urls


def _mail_settings(env: dict) -> dict:
    """Outgoing e-mail for alerts; no ``SMTP_HOST`` means the e-mail channel is off."""
    port = _int(env, "SMTP_PORT", 25)
    if port > 65535:
        raise ConfigError(f"SMTP_PORT={env['SMTP_PORT']!r} is not a TCP port (1 to 65535)")
    sender = (env.get("MAIL_FROM") or "alerts@localhost").strip()
    if "@" not in sender:
        raise ConfigError(f"MAIL_FROM={sender!r} is not an e-mail address")
    if env.get("SMTP_USER") and not env.get("SMTP_PASSWORD"):
        raise ConfigError("SMTP_USER is set but SMTP_PASSWORD is empty: set both or neither")
    return {"SMTP_HOST": (env.get("SMTP_HOST") or "").strip(), "SMTP_PORT": port,
            "SMTP_USER": env.get("SMTP_USER") or "", "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or "",
            "SMTP_STARTTLS": _bool(env, "SMTP_STARTTLS", False), "MAIL_FROM": sender}


def _audit_anchor_settings(env: dict, instance: Path) -> dict:
    """The key and the file that anchor the audit chain's head outside the database (``audit.anchor``)."""
    key = env.get("AUDIT_ANCHOR_KEY") or _secret_key(instance, "audit_anchor_key")
    if len(key) < 32:
        raise ConfigError("AUDIT_ANCHOR_KEY is too short: use at least 32 random characters "
                          "(python -c 'import secrets; print(secrets.token_hex(32))')")
    raw = env.get("AUDIT_ANCHOR_FILE") or str(instance / "audit_anchors.jsonl")
    path = Path(raw).expanduser().resolve()
    if path.is_dir():
        raise ConfigError(f"AUDIT_ANCHOR_FILE={raw!r} is a directory; name a file")
    _writable_dir("the folder of AUDIT_ANCHOR_FILE", str(path.parent))
    return {"AUDIT_ANCHOR_KEY": key, "AUDIT_ANCHOR_FILE": str(path)}

def _login_settings(env: dict) -> dict:
    """Failed-login limits (``accounts.auth.limit_failed_logins``), where they are counted, and how many
    reverse proxies' ``X-Forwarded-For`` to trust for the client address they are counted by."""
    from limits import parse_many
    from limits.storage import SCHEMES

    settings = {"LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT") or "10 per minute",
                "LOGIN_ACCOUNT_RATE_LIMIT": env.get("LOGIN_ACCOUNT_RATE_LIMIT") or "50 per hour"}
    for name, value in settings.items():
        try:
            parse_many(value)
        except ValueError:
            raise ConfigError(f"{name}={value!r} is not a rate limit (e.g. '10 per minute')") from None
    storage = env.get("RATE_LIMIT_STORAGE_URI") or "memory://"
    if storage.partition("://")[0] not in SCHEMES:
        raise ConfigError(f"RATE_LIMIT_STORAGE_URI={storage!r} is not a storage the limiter knows "
                          "(memory:// for one process, redis://host:6379 for several workers)")
    return settings | {"RATE_LIMIT_STORAGE_URI": storage, "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0, 0)}


def _deadline_settings(env: dict) -> dict:
    """Default rectification deadlines and the latest deadline anyone may set, in days, per severity."""
    settings = {"DEADLINE_DAYS_GENERAL": _int(env, "DEADLINE_DAYS_GENERAL", 15),
                "DEADLINE_DAYS_MAJOR": _int(env, "DEADLINE_DAYS_MAJOR", 90),
                "DEADLINE_MAX_DAYS_GENERAL": _int(env, "DEADLINE_MAX_DAYS_GENERAL", 60),
                "DEADLINE_MAX_DAYS_MAJOR": _int(env, "DEADLINE_MAX_DAYS_MAJOR", 365)}
    for severity in ("GENERAL", "MAJOR"):
        usual, most = settings[f"DEADLINE_DAYS_{severity}"], settings[f"DEADLINE_MAX_DAYS_{severity}"]
        if usual > most:
            raise ConfigError(f"DEADLINE_DAYS_{severity}={usual} is more than DEADLINE_MAX_DAYS_{severity}={most}")
    return settings


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
        **_deadline_settings(env),
        "MAX_PHOTO_PIXELS": _int(env, "MAX_PHOTO_PIXELS", 50_000_000),
        "MAX_PHOTOS_PER_FINDING": _int(env, "MAX_PHOTOS_PER_FINDING", 10),
        "PHOTO_KEEP_ORIGINALS": _bool(env, "PHOTO_KEEP_ORIGINALS", False),
        # A tablet may stay offline for days between uploading a photo and sending its inspection (issue 12).
        "PHOTO_UNATTACHED_DAYS": _bounded(env, "PHOTO_UNATTACHED_DAYS", 30, maximum=3650),
        "CARD_RULESET": env.get("CARD_RULESET") or None,
        # Unset: secure cookies except in debug and tests; plain-HTTP LAN servers need false.
        "WEB_SECURE_COOKIES": _bool(env, "SESSION_COOKIE_SECURE", None),
        **_login_settings(env),
        # Alerts (issue 6): reminders before a deadline, escalations after it, channels, digest, scheduler.
        **_mail_settings(env),
        "ALERT_WEBHOOK_URLS": _urls(env, "ALERT_WEBHOOK_URLS"),
        "ALERT_WEBHOOK_FORMAT": _choice(env, "ALERT_WEBHOOK_FORMAT", "generic", ("generic", "robot")),
        "ALERT_SEND_TIMEOUT": _int(env, "ALERT_SEND_TIMEOUT", 10),
        "ALERT_REMINDER_DAYS": _days(env, "ALERT_REMINDER_DAYS", "3,1", minimum=1),
        "ALERT_ESCALATION_DAYS": _days(env, "ALERT_ESCALATION_DAYS", "7,30", minimum=2),
        "DIGEST_HOUR": _hour(env, "DIGEST_HOUR", 8),
        "RUN_SCHEDULER_IN_PROCESS": _bool(env, "RUN_SCHEDULER_IN_PROCESS", False),
        # Audit chain anchors (issue 12): a key and a file that are not in the database.
        **_audit_anchor_settings(env, instance),
    }
