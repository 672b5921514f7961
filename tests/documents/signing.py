"""Signed inspections: real PNG signatures as a pad makes them, and payloads that carry them."""

import base64
import io
from datetime import UTC, datetime

from PIL import Image, ImageDraw

from tests.conftest import inspection_payload


def signature_png(seed: int = 0) -> str:
    """A pad drawing: a dark stroke on a transparent strip, as a PNG data URL."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(40, 150), (160 + seed * 7, 40), (300, 160), (520, 60 + seed)], fill=(10, 10, 40, 255), width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


SIGNED = datetime(2026, 11, 20, 4, 0, tzinfo=UTC).isoformat()


def signatures(refused: bool = False) -> list[dict]:
    rows = [{"role": "lead", "image": signature_png(1), "signed_dt": SIGNED},
            {"role": "second", "image": signature_png(2), "signed_dt": SIGNED}]
    if refused:
        rows.append({"role": "enterprise", "refused": True, "refusal_reason": "负责人称需请示总部",
                     "witness": "村委会 李四", "signed_dt": SIGNED})
    else:
        rows.append({"role": "enterprise", "image": signature_png(3), "signed_dt": SIGNED})
    return rows


def signed_payload(enterprise_id: int, second_id: int, refused: bool = False, **fields) -> dict:
    return inspection_payload(
        enterprise_id, second_inspector_id=second_id, ended_dt=datetime(2026, 11, 20, 3, 50, tzinfo=UTC).isoformat(),
        contact_name="张三", contact_title="安全总监", contact_phone="0512-5555 0101",
        signatures=signatures(refused), **fields)
