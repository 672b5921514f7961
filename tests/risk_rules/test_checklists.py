import shutil
from datetime import date

import pytest
import yaml

from risk_rules.checklists import (
    CATEGORIES,
    DEFAULT_DIRECTORY,
    DOMAINS,
    ChecklistError,
    Part,
    applicable_parts,
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
short_zh: 化工和危险化学品生产经营企业重大生产安全事故隐患判定准则
short_en: Chemical Major Accident Hazard Rules
source: TEST FIXTURE
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
    assert {v.domain for v in VERSIONS} == set(DOMAINS)  # a domain may have several editions (construction)
    for version in VERSIONS:
        majors = [i for i in version.items if i.is_major]
        assert len(majors) < len(version.items), version.standard  # general items beside the determination ones
        # A sector whose determination standard's items could not be loaded checks general items only, and says
        # plainly which standard is in force without its items.
        assert majors or version.successor, version.standard
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
        ("construction", date(2024, 12, 12), "建质规〔2022〕2号"),
        ("construction", date(2026, 3, 2), "建质规〔2024〕5号"),
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
    "missing source": (lambda d: d.pop("source"), r"missing field\(s\) \['source'\]"),
    "missing short name": (lambda d: d.pop("short_zh"), r"missing field\(s\) \['short_zh'\]"),
    "basis citing an unknown document": (
        lambda d: item(d, "HC-G-01").update(basis={"standard": "某地方规定", "clause": "第一条"}),
        r"\(HC-G-01\): basis '某地方规定' is neither this file's standard nor in legal_documents.yaml",
    ),
    "item naming a part of a file without parts": (
        lambda d: item(d, "HC-01").update(part="general"), r"\(HC-01\): names part 'general'"),
    "item outside the file's parts": (
        lambda d: (d.update(parts=[{"code": "general", "title_zh": "通用", "title_en": "General",
                                    "applies": "always"}]),
                   [i.update(part="general") for i in d["items"]], item(d, "HC-02").update(part="other")),
        r"\(HC-02\): part must be one of the file's parts \['general'\]"),
    "part applying to an unknown sub-sector": (
        lambda d: d.update(parts=[{"code": "mining", "title_zh": "矿山", "title_en": "Mining",
                                   "applies": "sub_sector"}]),
        r"part #1: a sub_sector part's code must be one of"),
    "part with an unknown rule": (
        lambda d: d.update(parts=[{"code": "general", "title_zh": "通用", "title_en": "General",
                                   "applies": "sometimes"}]),
        r"part #1: applies must be one of"),
    "successor before the version": (
        lambda d: d.update(successor={"standard": "X", "title_zh": "X", "title_en": "X",
                                      "effective_from": date(2016, 1, 1)}),
        r"successor: effective_from 2016-01-01 must be after"),
    "successor without its date": (
        lambda d: d.update(successor={"standard": "X", "title_zh": "X", "title_en": "X"}),
        r"successor: missing field\(s\) \['effective_from'\]"),
}


@pytest.mark.parametrize(("change", "message"), BAD.values(), ids=BAD.keys())
def test_bad_checklist_names_file_and_item(checklist_dir, change, message):
    rewrite(checklist_dir, HC_FILE, change)
    with pytest.raises(ChecklistError, match=message) as error:
        load_checklists(checklist_dir)
    assert HC_FILE in str(error.value)


PARTS = [Part("general", "通用", "General", "always"), Part("machinery", "机械行业", "Machinery", "sub_sector"),
         Part("metallurgy", "冶金行业", "Metallurgy", "sub_sector"),
         Part("dust_explosion", "粉尘爆炸", "Dust explosion", "feature"),
         Part("confined_space", "有限空间", "Confined spaces", "feature")]


@pytest.mark.parametrize(("sub_sector", "features", "expected"), [
    ("machinery", [], {"general", "machinery"}),
    ("machinery", ["dust_explosion"], {"general", "machinery", "dust_explosion"}),
    ("metallurgy", ["confined_space", "dust_explosion"], {"general", "metallurgy", "confined_space",
                                                          "dust_explosion"}),
    ("", ["dust_explosion"], None),  # sub-sector not recorded: every part is shown
    (None, [], None),
])
def test_the_enterprise_sub_sector_and_features_decide_the_parts(sub_sector, features, expected):
    assert applicable_parts(PARTS, sub_sector, features) == expected


def test_a_standard_without_parts_applies_whole():
    assert applicable_parts((), "machinery", ["dust_explosion"]) is None


def test_a_newer_edition_not_loaded_is_pending_from_its_date_only(checklist_dir):
    successor = {"standard": "AQ 3067—2026", "title_zh": "化工和危险化学品生产经营企业重大生产安全事故隐患判定准则",
                 "title_en": "Chemical rules", "effective_from": date(2026, 9, 30)}
    rewrite(checklist_dir, HC_FILE, lambda d: d.update(successor=successor))
    version = version_for(load_checklists(checklist_dir), "hazardous_chemicals", date(2026, 9, 30))
    assert version.standard == "安监总管三〔2017〕121号"  # the old edition stays in use...
    assert version.pending_successor(date(2026, 9, 29)) is None
    assert version.pending_successor(date(2026, 9, 30)).standard == "AQ 3067—2026"  # ...and says so


def test_overlapping_versions_of_a_domain_are_refused(checklist_dir):
    (checklist_dir / "successor.yaml").write_text(
        SUCCESSOR_FIXTURE.replace("2026-09-30", "2026-09-01"), "utf-8"
    )
    with pytest.raises(ChecklistError, match="hazardous_chemicals: .* overlap in time"):
        load_checklists(checklist_dir)
