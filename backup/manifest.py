"""What a backup's ``manifest.json`` may say (no Flask).

The manifest is data from outside: an archive may have been crafted or altered. Every name in it is
checked against the only names a backup has (``database.sqlite3`` or ``database.pgdump``, and
``photos/ab/cd/<sha256>-<variant>``), every value against its type, and unknown fields are refused,
all before anything is read or written by those names.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from marshmallow import RAISE, Schema, ValidationError, fields, validates_schema
from marshmallow.validate import Length, OneOf, Range, Regexp

FORMAT = 1
MANIFEST = "manifest.json"
PHOTO_PREFIX = "photos/"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# The manifest is parsed in memory: about 1.4 million photo files fit in this.
MAX_MANIFEST_BYTES = 256 * 1024 * 1024
# Photo files are restored through memory; ten times the default upload limit (MAX_UPLOAD_MB).
MAX_PHOTO_FILE_BYTES = 256 * 1024 * 1024
_PHOTO_KEY = re.compile(r"([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})-(display\.jpg|thumb\.jpg|original)")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_SHA256 = Regexp(_HEX64.pattern + r"\Z", error="is not a SHA-256 in lowercase hex")
_COUNT = Range(min=0, error="must be a whole number of at least 0")


class ManifestError(ValueError):
    """The manifest is not one ``flask backup create`` writes; the message names the field and what is wrong."""


def is_photo_key(key) -> bool:
    """A photo store key as ``photos.models.storage_key`` makes them (``ab/cd/<sha256>-display.jpg``)."""
    match = _PHOTO_KEY.fullmatch(key) if isinstance(key, str) else None
    return bool(match) and match[3][:2] == match[1] and match[3][2:4] == match[2]


def _photo_key(key) -> None:
    if not is_photo_key(key):
        raise ValidationError(f"{key!r} is not a photo file name (ab/cd/<sha256>-display.jpg, -thumb.jpg or "
                              "-original)")


def _printable(text: str) -> None:
    if not text.isprintable():  # printed on the operator's terminal: no control or escape characters
        raise ValidationError(f"{text!r} contains control characters")


def _timestamp(text: str) -> None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ValidationError(f"{text!r} has no UTC offset")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _Database(_Strict):
    kind = fields.String(required=True, validate=OneOf(sorted(DATABASE_MEMBERS)))
    file = fields.String(required=True)
    size = fields.Integer(required=True, strict=True, validate=_COUNT)
    sha256 = fields.String(required=True, validate=_SHA256)
    alembic_revision = fields.String(required=True, allow_none=True,
                                     validate=Regexp(r"[0-9A-Za-z_-]+(,[0-9A-Za-z_-]+)*\Z",
                                                     error="is not a list of Alembic revisions"))
    row_counts = fields.Dict(required=True, keys=fields.String(validate=Regexp(r"[A-Za-z_][A-Za-z0-9_]*\Z",
                                                                              error="is not a table name")),
                             values=fields.Integer(strict=True, validate=_COUNT))
    sqlite_version = fields.String(validate=Regexp(r"[0-9.]+\Z", error="is not a version number"))
    server_major = fields.Integer(strict=True, validate=_COUNT)
    pg_dump_major = fields.Integer(strict=True, validate=_COUNT)

    @validates_schema
    def _file_of_kind(self, data, **kwargs):
        expected = DATABASE_MEMBERS.get(data.get("kind"))
        if expected and data.get("file") != expected:
            raise ValidationError(f"{data.get('file')!r} is not the database file of a {data['kind']} backup "
                                  f"(which is {expected!r})", "file")


def _photo_file_problems(entry) -> dict | list | None:
    """What is wrong with one ``photos.files`` entry, as marshmallow would say it."""
    if not isinstance(entry, dict):
        return ["Not a valid mapping type."]
    problems = {name: ["Unknown field."] for name in entry if name not in ("key", "size", "sha256")}
    problems |= {name: ["Missing data for required field."] for name in ("key", "size", "sha256")
                 if name not in entry}
    if "key" in entry and not is_photo_key(entry["key"]):
        problems["key"] = [f"{entry['key']!r} is not a photo file name"]
    size = entry.get("size", 0)
    if type(size) is not int or not 0 <= size <= MAX_PHOTO_FILE_BYTES:  # bool is not a size
        problems["size"] = [f"must be a whole number from 0 to {MAX_PHOTO_FILE_BYTES}"]
    digest = entry.get("sha256", "0" * 64)
    if not (isinstance(digest, str) and _HEX64.fullmatch(digest)):
        problems["sha256"] = ["is not a SHA-256 in lowercase hex"]
    return problems or None


def _photo_files(entries) -> None:
    """Every entry of ``photos.files``, each key once. Checked by hand: marshmallow takes about 50 µs an entry,
    most of a minute for a large photo store."""
    if not isinstance(entries, list):
        raise ValidationError("Not a valid list.")
    errors, seen = {}, set()
    for index, entry in enumerate(entries):
        if problems := _photo_file_problems(entry):
            errors[index] = problems
        elif entry["key"] in seen:
            errors[index] = {"key": [f"{entry['key']!r} is listed more than once"]}
        else:
            seen.add(entry["key"])
        if len(errors) == 10:  # enough to show what is wrong
            break
    if errors:
        raise ValidationError(errors)


class _Problem(_Strict):
    key = fields.String(required=True, validate=_photo_key)
    problem = fields.String(required=True, validate=[Length(max=1000), _printable])


class _Photos(_Strict):
    rows = fields.Integer(required=True, strict=True, validate=_COUNT)
    files = fields.Raw(required=True, validate=_photo_files)
    problems = fields.List(fields.Nested(_Problem), required=True)


class _Application(_Strict):
    commit = fields.String(required=True, allow_none=True,
                           validate=Regexp(r"[0-9a-f]{40}([0-9a-f]{24})?\Z", error="is not a git commit"))
    alembic_heads = fields.List(fields.String(validate=Regexp(r"[0-9A-Za-z_-]+\Z", error="is not a revision")),
                                required=True)


class _AuditHead(_Strict):
    """The audit chain's head in the database snapshot, signed like an anchor (``audit.anchor``)."""

    anchored_dt = fields.String(required=True, validate=_timestamp)
    seq = fields.Integer(required=True, strict=True, validate=_COUNT)
    hash = fields.String(required=True, validate=_SHA256)
    mac = fields.String(required=True, validate=_SHA256)


class _Manifest(_Strict):
    format = fields.Integer(required=True, strict=True)
    created_dt = fields.String(required=True, validate=_timestamp)
    application = fields.Nested(_Application, required=True)
    database = fields.Nested(_Database, required=True)
    photos = fields.Nested(_Photos, required=True)
    audit = fields.Nested(_AuditHead)  # absent in backups made before the chain was anchored


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:  # json.loads would keep the last silently
            raise ManifestError(f"the field {key!r} appears twice in one object")
        result[key] = value
    return result


def _flatten(messages, path: str = "") -> list[str]:
    """marshmallow's nested messages as ``photos.files.3.size: message`` lines."""
    if isinstance(messages, dict):
        return [line for key, value in messages.items() for line in _flatten(value, f"{path}.{key}".lstrip("."))]
    if isinstance(messages, list):
        return [line for message in messages for line in _flatten(message, path)]
    return [f"{path}: {messages}"]


def parse(raw: bytes) -> dict:
    """The manifest in ``raw`` as a dict, checked completely; ManifestError says where it is wrong."""
    try:
        manifest = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys,
                              parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise ManifestError(f"it is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except RecursionError:
        raise ManifestError("it is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ManifestError(f"it is not JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ManifestError(f"it is not format {FORMAT}; it was made by another version of the application")
    errors = _Manifest().validate(manifest)
    if errors:
        raise ManifestError("; ".join(_flatten(errors)))
    return manifest


def _refuse_constant(name: str):
    raise ManifestError(f"it holds {name}, which is not a JSON number")


def member_names(manifest: dict) -> list[str]:
    """Every tar member a checked manifest names: itself, the database file, the photo files."""
    return [MANIFEST, manifest["database"]["file"], *(PHOTO_PREFIX + entry["key"] for entry in
                                                      manifest["photos"]["files"])]
