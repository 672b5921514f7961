"""The catalogues: every text in the web package is extracted, translated to Chinese and compiled."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
PO = WEB / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
# What babel.cfg tells pybabel to extract, so a package added there is checked here too.
METHODS = [(pattern, method) for method, pattern in
           re.findall(r"^\[(\w+): (.+)\]$", (ROOT / "babel.cfg").read_text(encoding="utf-8"), re.M)]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _catalogue():
    with PO.open("rb") as f:
        return read_po(f)


def _source_msgids() -> set[str]:
    found = extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS, options_map={"**.html": {}})
    return {message if isinstance(message, str) else message[0] for _f, _l, message, _c, _x in found}


def test_every_text_of_the_pages_is_in_the_chinese_catalogue():
    catalogue = _catalogue()
    missing = sorted(_source_msgids() - {m.id for m in catalogue if m.id})
    assert not missing, f"not in {PO.relative_to(ROOT)} (run pybabel extract/update, see babel.cfg): {missing}"


def test_every_chinese_text_is_translated_and_not_fuzzy():
    catalogue = _catalogue()
    bad = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    assert not bad, f"untranslated or fuzzy: {bad}"


def test_the_compiled_catalogue_matches_the_po_file():
    source = {m.id: m.string for m in _catalogue() if m.id}
    compiled = {m.id: m.string for m in read_mo(io.BytesIO(MO.read_bytes())) if m.id}
    assert compiled == source, "run: pybabel compile -d web/translations"
