import shutil
from datetime import date

import pytest
import yaml

from risk_rules.checklists import (
    CATEGORIES,
    DEFAULT_DIRECTORY,
    DOMAINS,
    ChecklistError,
    find_item,
    load_checklists,
    version_for,
)

VERSIONS = load_checklists()
HC_FILE = "hazardous_chemicals_2017.yaml"

SUCCESSOR_FIXTURE = """
domain: hazardous_chemicals
standard: AQ 3067—2026
title_zh: 化工和危险化学品生产经营企业重大生产安全事故隐患判定准则
title_en: Criteria for major accident hazards in chemical and hazardous-chemical enterprises
version: "2026"
effective_from: 2026-09-30
note: TEST FIXTURE ONLY, the item below is a placeholder, not text of AQ 3067.
items:
  - code: HC26-FIXTURE-01
    category: management
    is_major: true
    basis: {clause: fixture}
    text_zh: 测试占位项
    text_en: Placeholder item for tests
"""


@pytest.fixture
def checklist_dir(tmp_path):
    """A copy of the packaged checklists that a test may add to or break."""
    shutil.copytree(DEFAULT_DIRECTORY, tmp_path, dirs_exist_ok=True)
    return tmp_path


def rewrite(directory, name, change):
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_packaged_checklists_cover_every_domain_with_major_and_general_items():
    assert sorted(v.domain for v in VERSIONS) == sorted(DOMAINS)
    for version in VERSIONS:
        majors = [i for i in version.items if i.is_major]
        assert majors and len(majors) < len(version.items), version.standard
        assert all(i.standard == version.standard and i.version == version.version for i in majors)
        assert all(i.default_deadline_days for i in version.items if not i.is_major)
        assert {i.category for i in version.items} <= set(CATEGORIES)
    codes = [i.code for v in VERSIONS for i in v.items]
    assert len(codes) == len(set(codes))


def test_hazardous_chemicals_has_the_twenty_items_of_121():
    hc = version_for(VERSIONS, "hazardous_chemicals", date(2026, 3, 2))
    assert (hc.standard, hc.version, hc.effective_to) == (
        "安监总管三〔2017〕121号",
        "2017",
        None,  # open until the AQ 3067—2026 items are loaded beside it
    )
    assert [i.code for i in hc.items if i.is_major] == [f"HC-{n:02d}" for n in range(1, 21)]
    assert find_item(VERSIONS, "HC-12").clause == "第十二项"


@pytest.mark.parametrize(
    ("domain", "on", "standard"),
    [
        ("hazardous_chemicals", date(2017, 11, 13), "安监总管三〔2017〕121号"),
        ("hazardous_chemicals", date(2026, 9, 29), "安监总管三〔2017〕121号"),
        ("hazardous_chemicals", date(2026, 9, 30), "AQ 3067—2026"),
        ("gas", date(2026, 3, 2), "建城规〔2023〕4号"),
        ("construction", date(2026, 3, 2), "建质规〔2022〕2号"),
    ],
)
def test_successor_version_loads_beside_and_is_chosen_by_date(checklist_dir, domain, on, standard):
    # Loading a successor means closing the open-ended edition the day before it applies.
    rewrite(checklist_dir, "hazardous_chemicals_2017.yaml", lambda d: d.update(effective_to=date(2026, 9, 29)))
    (checklist_dir / "hazardous_chemicals_aq3067_fixture.yaml").write_text(
        SUCCESSOR_FIXTURE, encoding="utf-8"
    )
    assert version_for(load_checklists(checklist_dir), domain, on).standard == standard


def test_open_successor_without_closing_the_old_edition_is_refused(checklist_dir):
    (checklist_dir / "hazardous_chemicals_aq3067_fixture.yaml").write_text(SUCCESSOR_FIXTURE, encoding="utf-8")
    with pytest.raises(ChecklistError, match="overlap in time"):
        load_checklists(checklist_dir)


@pytest.mark.parametrize(
    ("domain", "on"),
    [
        ("hazardous_chemicals", date(2017, 11, 12)),
        ("water", date(2026, 1, 1)),
    ],
)
def test_no_version_in_force_raises_lookup_error(domain, on):
    with pytest.raises(LookupError, match=f"no '{domain}' checklist in force on {on.isoformat()}"):
        version_for(VERSIONS, domain, on)


def test_unknown_item_code_raises_lookup_error():
    with pytest.raises(LookupError, match="HC-99"):
        find_item(VERSIONS, "HC-99")


def item(data, code):
    return next(i for i in data["items"] if i["code"] == code)


BAD = {
    "missing field": (
        lambda d: item(d, "HC-03").pop("text_en"),
        r"item #3 \(HC-03\): missing field\(s\) \['text_en'\]",
    ),
    "bad category": (
        lambda d: item(d, "HC-03").update(category="machine"),
        r"\(HC-03\): category must be one of",
    ),
    "bad code": (lambda d: item(d, "HC-03").update(code="hc 3"), r"item #3 \(hc 3\): code must look like"),
    "duplicate code": (
        lambda d: item(d, "HC-03").update(code="GAS-M-01"),
        r"GAS-M-01: code already used in gas_2023",
    ),
    "major citing another standard": (
        lambda d: item(d, "HC-G-01").update(is_major=True),
        r"\(HC-G-01\): a major item must cite",
    ),
    "non-bool is_major": (
        lambda d: item(d, "HC-01").update(is_major="yes"),
        r"\(HC-01\): is_major must be true",
    ),
    "basis without clause": (
        lambda d: item(d, "HC-01").update(basis={}),
        r"\(HC-01\): basis must be a mapping",
    ),
    "bad deadline days": (
        lambda d: item(d, "HC-G-01").update(default_deadline_days=0),
        r"\(HC-G-01\): default_deadline_days",
    ),
    "unknown item field": (lambda d: item(d, "HC-01").update(severity="major"), r"\(HC-01\): unknown field"),
    "bad domain": (lambda d: d.update(domain="chemicals"), r"domain must be one of"),
    "dates reversed": (
        lambda d: d.update(effective_to=date(2017, 1, 1)),
        r"effective_to 2017-01-01 is before",
    ),
    "no items": (lambda d: d.update(items=[]), r"'items' must be a non-empty list"),
    "missing standard": (lambda d: d.pop("standard"), r"missing field\(s\) \['standard'\]"),
}


@pytest.mark.parametrize(("change", "message"), BAD.values(), ids=BAD.keys())
def test_bad_checklist_names_file_and_item(checklist_dir, change, message):
    rewrite(checklist_dir, HC_FILE, change)
    with pytest.raises(ChecklistError, match=message) as error:
        load_checklists(checklist_dir)
    assert HC_FILE in str(error.value)


def test_overlapping_versions_of_a_domain_are_refused(checklist_dir):
    (checklist_dir / "successor.yaml").write_text(
        SUCCESSOR_FIXTURE.replace("2026-09-30", "2026-09-01"), "utf-8"
    )
    with pytest.raises(ChecklistError, match="hazardous_chemicals: .* overlap in time"):
        load_checklists(checklist_dir)
