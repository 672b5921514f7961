"""Building data through the API, and comparing a restored instance with its source."""

from __future__ import annotations

import io
import json
import random
import tarfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

from core.db import db
from tests.conftest import inspection_payload


def jpeg(seed: int, size: tuple[int, int] = (320, 240)) -> bytes:
    """Real JPEG bytes, different for every seed."""
    rng = random.Random(seed)
    small = (size[0] // 16, size[1] // 16)
    image = Image.frombytes("RGB", small, rng.randbytes(small[0] * small[1] * 3))
    out = io.BytesIO()
    image.resize(size, Image.Resampling.BICUBIC).save(out, "JPEG", quality=85)
    return out.getvalue()


def upload(client, headers, data: bytes) -> int:
    response = client.post("/api/v1/photos", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), "photo.jpg", "image/jpeg")})
    assert response.status_code in (200, 201), response.json
    return response.json["id"]


def inspect(client, headers, enterprise_id: int, photo_ids: list[int], description="装卸区安全警示标志缺失") -> dict:
    """An inspection with one failed item whose finding carries ``photo_ids`` as evidence."""
    payload = inspection_payload(enterprise_id)
    payload["findings"][0] |= {"photo_ids": photo_ids, "description": description}
    response = client.post("/api/v1/inspections", headers=headers, json=payload)
    assert response.status_code == 201, response.json
    return response.json


def seal(app) -> None:
    from audit import chain

    with app.app_context():
        chain.seal()
        db.session.commit()


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def backup(app, directory: Path) -> Path:
    result = cli(app, "backup", "create", "--to", str(directory))
    assert result.exit_code == 0, result.output
    (path,) = directory.glob("backup-*.tar")
    return path


def table_counts(app) -> dict[str, int]:
    with app.app_context():
        tables = sa.inspect(db.engine).get_table_names()
        return {name: db.session.scalar(sa.text(f'SELECT count(*) FROM "{name}"')) for name in sorted(tables)}


def rows(app, sql: str) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(sa.text(sql)).all()]


def dangling_foreign_keys(app) -> list[str]:
    """Every foreign key of the models whose value names no row of the table it points to."""
    problems = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for fk in table.foreign_key_constraints:
                pairs = list(zip(fk.columns, fk.elements, strict=True))
                parent = pairs[0][1].column.table
                query = (sa.select(sa.func.count()).select_from(table)
                         .where(*(child.is_not(None) for child, _ in pairs))
                         .where(~sa.exists().select_from(parent)
                                .where(*(child == element.column for child, element in pairs))))
                if count := db.session.scalar(query):
                    problems.append(f"{table.name}.{fk.name}: {count} rows")
    return problems


def photo_keys(app) -> list[str]:
    from photos.models import Photo

    with app.app_context():
        return [photo.key(variant) for photo in db.session.scalars(sa.select(Photo))
                for variant in (("display", "thumb", "original") if photo.has_original else ("display", "thumb"))]


def store_files(app) -> list[Path]:
    return sorted(p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file())


@dataclass
class Contents:
    """An archive taken apart: its members (the manifest last, as written) and the manifest as data."""

    members: list[tuple[tarfile.TarInfo, bytes]]
    manifest: dict
    raw_manifest: bytes | None = None  # written instead of ``manifest`` when set

    def member(self, prefix: str) -> tarfile.TarInfo:
        return next(info for info, _data in self.members if info.name.startswith(prefix))

    def add(self, name: str, data: bytes = b"x", **attributes) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data) if attributes.get("type", tarfile.REGTYPE) == tarfile.REGTYPE else 0
        for key, value in attributes.items():
            setattr(info, key, value)
        self.members.append((info, data))


def craft(source: Path, target: Path, edit) -> Path:
    """A copy of the archive ``source`` at ``target`` after ``edit(contents)``."""
    with tarfile.open(source) as tar:
        members = [(info, tar.extractfile(info).read()) for info in tar.getmembers()]
    manifest = json.loads(members.pop()[1])
    contents = Contents(members, manifest)
    edit(contents)
    raw = contents.raw_manifest
    if raw is None:
        raw = json.dumps(contents.manifest, ensure_ascii=False).encode()
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in contents.members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
        info = tarfile.TarInfo("manifest.json")
        info.size = len(raw)
        tar.addfile(info, io.BytesIO(raw))
    return target
