"""The PDF renderer and the templates, without a database: content dicts built here, PDFs read back with
poppler's pdftotext and pdffonts, signatures drawn with Pillow, a photo from the shared sample folder."""

from __future__ import annotations

import copy
import io
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from reportlab.pdfbase import pdfmetrics

from documents import render as render_module
from documents import templates
from documents.render import font_name, render
from risk_rules.citation import cite

SHARED_PHOTOS = Path(__file__).resolve().parents[2].parent / "shared" / "photos"
SHA = "ab" * 32
LEAD_SIG, SECOND_SIG, BOSS_SIG, PHOTO = "1" * 64, "2" * 64, "3" * 64, "4" * 64
KINDS = ("inspection_record", "rectification_order", "reinspection_opinion")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


def pdf_text(pdf: bytes, tmp_path: Path, *first_last: int) -> str:
    """The text of ``pdf`` as pdftotext reads it, with the layout's line breaks joined (a wrapped sentence
    reads as one)."""
    path = tmp_path / f"doc{time.perf_counter_ns()}.pdf"
    path.write_bytes(pdf)
    pages = ["-f", str(first_last[0]), "-l", str(first_last[1])] if first_last else []
    out = subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", *pages, str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return out


def flat(text: str) -> str:
    """Text without line breaks and the spaces a wrap leaves around CJK, so sentences can be searched."""
    return re.sub(r"\s+", "", text)


def pdf_fonts(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run([_tool("pdffonts"), str(path)], check=True, capture_output=True, text=True).stdout


def signature_png(text: str) -> bytes:
    """A real signature-like PNG: a stroke on a transparent background, as the pad produces."""
    image = Image.new("RGBA", (400, 120), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [(20 + i * 9, 60 + ((i * 37 + len(text) * 11) % 50) - 25) for i in range(40)]
    draw.line(points, fill=(10, 10, 60, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def images() -> dict[str, bytes]:
    found = {LEAD_SIG: signature_png("lead"), SECOND_SIG: signature_png("second"),
             BOSS_SIG: signature_png("boss")}
    photo = SHARED_PHOTOS / "gps__DSCN0010.jpg"
    if photo.is_file():
        thumb = Image.open(photo)
        thumb.thumbnail((320, 320))
        out = io.BytesIO()
        thumb.convert("RGB").save(out, "JPEG", quality=80)
        found[PHOTO] = out.getvalue()
    return found


def finding(position: int, *, severity: str = "general", deadline: str = "2026-12-31", **fields) -> dict:
    made = {"position": position, "id": 100 + position, "item_code": f"HC-0{position % 9 + 1}",
            "description": f"第{position}号问题：储罐区可燃气体报警器未定期检定", "severity": severity,
            "deadline": deadline, "standard": "安监总管三〔2017〕121号",
            "standard_title": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）",
            "standard_version": "2017", "clause": f"第{position}项", "photos": [], **fields}
    # The service freezes the basis as people read it (documents.service._citations).
    return {**made, **{f"citation_{lang}": cite(made["standard"], made["clause"], lang, made["standard_title"])
                       for lang in ("zh", "en")}}


def content(kind: str, **overrides) -> dict:
    """A document's frozen content as the service builds it (see documents/render.py)."""
    base = {
        "id": 17, "kind": kind, "number": {
            "inspection_record": "（港）安监检记〔2026〕17号", "rectification_order": "（港）安监责改〔2026〕3号",
            "reinspection_opinion": "（港）安监复查〔2026〕2号"}[kind],
        "content_sha256": SHA, "issued_on": "2026-12-01", "template": templates.defaults(kind),
        "enterprise": {"name": "港东化工储运有限公司", "address": "港区东港路 8 号",
                       "credit_code": "91320000MA1XXXXX0Q"},
        "person_in_charge": {"name": "王建国", "title": "总经理", "phone": "0512-5555 0100"},
        "inspection": {"id": 5, "place": "罐区 B、装卸站台", "started": "2026-12-01 09:30",
                       "ended": "2026-12-01 11:05", "domain_zh": "危险化学品", "domain_en": "Hazardous chemicals"},
        "inspectors": [{"role": "lead", "name": "李明", "certificate_no": "32010012345"},
                       {"role": "second", "name": "赵敏", "certificate_no": "32010067890"}],
        "checklist": [{"code": "HC-01", "text_zh": "储罐区设置可燃气体报警器", "text_en": "Gas detectors in tank farm",
                       "result": "failed"},
                      {"code": "HC-02", "text_zh": "特殊作业票证齐全", "text_en": "Permits for special work",
                       "result": "passed"},
                      {"code": "HC-03", "text_zh": "重大危险源包保责任人公示",
                       "text_en": "Major hazard source owners posted", "result": "not_applicable"}],
        "checklist_basis": {**{f"citation_{lang}": cite("安监总管三〔2017〕121号", "", lang) for lang in ("zh", "en")},
                            "notice": None},
        "findings": [finding(1, severity="major", photos=[PHOTO]), finding(2), finding(3, severity="major")],
        "signatures": [
            {"role": "lead", "name": "李明", "image": LEAD_SIG, "refused": False, "refusal_reason": "",
             "witness": "", "signed": "2026-12-01 11:04"},
            {"role": "second", "name": "赵敏", "image": SECOND_SIG, "refused": False, "refusal_reason": "",
             "witness": "", "signed": "2026-12-01 11:04"},
            {"role": "enterprise", "name": "王建国", "image": BOSS_SIG, "refused": False, "refusal_reason": "",
             "witness": "", "signed": "2026-12-01 11:05"}],
        "supersedes": None, "correction_reason": "",
    }
    if kind == "rectification_order":
        base.update(major_positions=[1, 3], deadline="2026-12-31")
    if kind == "reinspection_opinion":
        base.update(answers={"number": "（港）安监责改〔2026〕3号", "issued_on": "2026-11-20"},
                    opinion="同意销号。\n继续加强管理。",
                    results=[{**finding(1), "finding_id": 101, "accepted": True, "note": "已更换并检定"},
                             {**finding(2), "finding_id": 102, "accepted": False, "note": "检定报告未提供"}])
    base.update(overrides)
    return base


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_prints_number_enterprise_findings_and_a_cjk_font(kind, images, tmp_path):
    doc = content(kind)
    pdf = render(doc, images, "zh")
    text = flat(pdf_text(pdf, tmp_path))
    assert flat(doc["number"]) in text
    assert "港东化工储运有限公司" in text
    assert flat(doc["template"]["title_zh"]) in text
    assert "SHA-256:" + SHA in text and "第1页共" in text
    listed = doc["results"] if kind == "reinspection_opinion" else doc["findings"]
    for item in listed:
        assert flat(item["description"]) in text
        assert "安监总管三〔2017〕121号" in text and flat(item["clause"]) in text
    assert "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）" in text
    fonts = pdf_fonts(pdf, tmp_path)
    if font_name() == "STSong-Light":
        assert "STSong-Light" in fonts
    else:  # an installed CJK TrueType font, embedded as subsets named AAAAAA+<its PostScript name>
        face = pdfmetrics.getFont(font_name()).face.name.decode()
        lines = [line.split() for line in fonts.splitlines() if f"+{face}" in line]
        assert lines and all(line[-5] == "yes" for line in lines), fonts  # the "emb" column


def test_record_shows_facts_checklist_results_severity_and_signatures(images, tmp_path):
    text = flat(pdf_text(render(content("inspection_record"), images, "zh"), tmp_path))
    for fact in ("港区东港路8号", "王建国", "总经理", "0512-55550100", "罐区B、装卸站台", "32010012345",
                 "32010067890", "2026年12月1日09:30至2026年12月1日11:05", "危险化学品"):
        assert fact in text, fact
    for result in ("未发现", "存在", "不适用"):  # the items are worded as violations: found or not found
        assert result in text
    assert "合格" not in text
    assert "重大事故隐患" in text and "一般事故隐患" in text and "2026年12月31日" in text
    assert "问题1照片1" in text if PHOTO in images else True
    assert "拒绝签字" not in text


def test_order_prints_major_sentence_and_single_deadline(images, tmp_path):
    printed = pdf_text(render(content("rectification_order"), images, "zh"), tmp_path)
    assert "31 日前整改完毕" in printed  # the date runs into 前, as on the paper form
    text = flat(printed)
    assert "其中第1、3项属于重大事故隐患。" in text
    assert "现责令你单位于2026年12月31日前整改完毕，达到有关法律法规规章和标准规定的要求。" in text
    assert "如果不服本指令" in text and "本文书一式两份" in text


def test_order_with_differing_deadlines_prints_one_per_item_and_no_major_sentence_without_majors(images, tmp_path):
    findings = [finding(1, deadline="2026-12-10"), finding(2, deadline="2027-01-05")]
    doc = content("rectification_order", findings=findings, deadline=None, major_positions=[])
    text = flat(pdf_text(render(doc, images, "zh"), tmp_path))
    assert "于2026年12月10日前整改完毕" in text and "于2027年1月5日前整改完毕" in text
    assert "按各项所列期限整改完毕" in text
    assert "属于重大事故隐患" not in text


def test_opinion_prints_the_order_it_answers_time_and_each_result(images, tmp_path):
    text = flat(pdf_text(render(content("reinspection_opinion"), images, "zh"), tmp_path))
    assert "本机关于2026年11月20日作出了（港）安监责改〔2026〕3号《责令限期整改指令书》" in text
    assert "复查时间：2026年12月1日09:30至2026年12月1日11:05" in text
    assert "整改合格" in text and "未整改到位" in text and "检定报告未提供" in text
    assert "同意销号。" in text and "继续加强管理。" in text


@pytest.mark.parametrize("kind", KINDS)
def test_refusal_to_sign_is_printed_with_reason_and_witness(kind, images, tmp_path):
    doc = content(kind)
    doc["signatures"][2] = {"role": "enterprise", "name": "王建国", "image": None, "refused": True,
                            "refusal_reason": "不认可第2项检查结论", "witness": "港区派出所民警 陈刚",
                            "signed": "2026-12-01 11:06"}
    text = flat(pdf_text(render(doc, images, "zh"), tmp_path))
    assert "拒绝签字" in text and "不认可第2项检查结论" in text and "港区派出所民警陈刚" in text


def test_supersedes_line(images, tmp_path):
    doc = content("rectification_order", supersedes={"number": "（港）安监责改〔2026〕2号", "issued_on": "2026-11-30"},
                  correction_reason="企业名称有误")
    assert "本文书更正并取代（港）安监责改〔2026〕2号（2026年11月30日）：企业名称有误" in flat(
        pdf_text(render(doc, images, "zh"), tmp_path))
    english = pdf_text(render(doc, images, "en"), tmp_path)
    assert "supersedes" in english and "30 November 2026" in english


@pytest.mark.parametrize("kind", KINDS)
def test_same_content_same_bytes_and_different_content_different_bytes(kind, images):
    doc = content(kind)
    first = render(doc, images, "zh")
    assert render(copy.deepcopy(doc), dict(images), "zh") == first
    changed = copy.deepcopy(doc)
    (changed.get("results") or changed["findings"])[0]["description"] += "。"
    assert render(changed, images, "zh") != first
    assert render({**doc, "content_sha256": "cd" * 32}, images, "zh") != first
    assert render(doc, images, "en") != first


def test_same_bytes_in_a_fresh_process(images, tmp_path):
    """Identical bytes also from another interpreter (fonts registered afresh, no shared state)."""
    doc = content("inspection_record")
    script = tmp_path / "again.py"
    script.write_text(
        "import json, sys, base64\nfrom documents.render import render\n"
        "doc, images = json.load(sys.stdin)\n"
        "sys.stdout.write(base64.b64encode(render(doc, {k: base64.b64decode(v) for k, v in images.items()}, 'zh'))"
        ".decode())\n")
    import base64
    import json
    payload = json.dumps([doc, {k: base64.b64encode(v).decode() for k, v in images.items()}])
    root = Path(render_module.__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, str(script)], input=payload, capture_output=True, text=True, check=True,
                         cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}).stdout
    assert base64.b64decode(out) == render(doc, images, "zh")


def test_metadata_names_the_document(images, tmp_path):
    pdf = render(content("rectification_order"), images, "zh")
    path = tmp_path / "meta.pdf"
    path.write_bytes(pdf)
    info = subprocess.run([_tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    assert f"docid=17 sha256={SHA}" in info
    assert "（港）安监责改〔2026〕3号" in info and "港区应急管理局" in info
    assert re.search(r"Page size:\s+595.276 x 841.89 pts \(A4\)", info)
    assert b"CreationDate" not in pdf or b"D:20000101000000" in pdf  # invariant mode: no real clock


def test_hostile_text_and_many_findings_paginate_with_page_n_of_m(images, tmp_path):
    long = "超长描述" * 600 + " <b>&amp; &lt;script&gt; $deadline"
    findings = [finding(n, description=f"<b>&{n} {long if n == 1 else f'第{n}项<i>'}",
                        severity="major" if n % 7 == 0 else "general") for n in range(1, 101)]
    findings[1]["description"] = "控制符\x00\x07\x1b[31m 表情😀 反向\u202e 生僻字𠀀𪚥"
    doc = content("inspection_record", findings=findings,
                  enterprise={"name": "<b>恶意&公司</b>", "address": "地址" * 900, "credit_code": "&&&"})
    pdf = render(doc, images, "zh")
    raw = pdf_text(pdf, tmp_path)
    text = flat(raw)
    total = int(re.search(r"第1页共(\d+)页", text).group(1))
    assert total >= 5
    for n in range(1, total + 1):
        assert f"第{n}页共{total}页" in text
    assert "<b>恶意&公司</b>" in text and "<b>&1" in text and "第100项<i>" in text
    assert "<b>&amp;&lt;script&gt;$deadline" in text  # user text printed as written, never interpreted
    assert "控制符" in text and "生僻字" in text
    english = flat(pdf_text(render(doc, images, "en"), tmp_path))
    assert f"Page{total}of" in english or "Page1of" in english


@pytest.mark.parametrize("kind", KINDS)
def test_a_finding_against_another_party_than_the_addressee_names_it(kind, images, tmp_path):
    """A premises inspection is addressed to the landlord; a finding against a tenant says whom it is against
    (frozen as ``against``), one against the landlord says nothing more."""
    tenant = {"name": "鑫达五金加工厂", "credit_code": "91320000MA1YYYYY0X", "party": "tenant"}
    listed = "results" if kind == "reinspection_opinion" else "findings"
    doc = content(kind, enterprise={"name": "港城实业有限公司", "address": "港城路9号", "credit_code": ""})
    doc[listed] = [{**doc[listed][0], "against": None}, {**doc[listed][1], "against": tenant}]
    zh = flat(pdf_text(render(doc, images, "zh"), tmp_path))
    assert zh.count("责任单位：") == 1 and "责任单位：鑫达五金加工厂" in zh
    assert zh.index("第2号问题") < zh.index("责任单位：鑫达五金加工厂")
    en = " ".join(pdf_text(render(doc, images, "en"), tmp_path).split())
    assert en.count("Against:") == 1 and "Against: 鑫达五金加工厂" in en
    assert "责任单位" not in flat(pdf_text(render(content(kind), images, "zh"), tmp_path))  # older contents


def test_english_rendering_has_english_titles_and_dates(images, tmp_path):
    for kind in KINDS:
        doc = content(kind)
        text = pdf_text(render(doc, images, "en"), tmp_path)
        assert doc["template"]["title_en"] in text
        assert "Port Zone Emergency Management Bureau" in text
        assert "Page 1 of 1" in text or "Page 1 of 2" in text
    order = " ".join(pdf_text(render(content("rectification_order"), images, "en"), tmp_path).split())
    assert "by 31 December 2026" in order and "major accident hazards: item(s) 1, 3." in order
    record = " ".join(pdf_text(render(content("inspection_record"), images, "en"), tmp_path).split())
    assert "not applicable" in record and "found" in record and "Hazardous chemicals" in record
    assert "failed" not in record and "passed" not in record


def test_fallback_font_without_installed_cjk_fonts(images, tmp_path, monkeypatch):
    """On a machine with only Python: the standard CID font STSong-Light, and the Chinese still reads back."""
    monkeypatch.setattr(render_module, "FONT_FILES", (("/nonexistent/font.ttc", 0),))
    assert font_name() == "STSong-Light"
    pdf = render(content("rectification_order"), images, "zh")
    assert "STSong-Light" in pdf_fonts(pdf, tmp_path)
    text = flat(pdf_text(pdf, tmp_path))
    assert "现责令你单位于2026年12月31日前整改完毕" in text and "港东化工储运有限公司" in text
    assert render(content("rectification_order"), images, "zh") == pdf


def test_unreadable_or_missing_images_print_as_missing(images, tmp_path):
    doc = content("inspection_record")
    doc["findings"][0]["photos"] = ["f" * 64]
    text = flat(pdf_text(render(doc, {**images, LEAD_SIG: b"not a png"}, "zh"), tmp_path))
    assert "（无签名图像）" in text and "（照片缺失）" in text


def test_unknown_kind_or_language_is_refused(images):
    with pytest.raises(ValueError, match="language"):
        render(content("inspection_record"), images, "fr")
    with pytest.raises(ValueError, match="kind"):
        render({**content("inspection_record"), "kind": "memo"}, images, "zh")


def test_twenty_finding_record_renders_quickly(images):
    doc = content("inspection_record", findings=[finding(n, photos=[PHOTO]) for n in range(1, 21)])
    start = time.perf_counter()
    render(doc, images, "zh")
    assert time.perf_counter() - start < 5


# Templates ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_packaged_templates_are_valid_and_cover_every_key(kind):
    body = templates.defaults(kind)
    assert templates.problems(kind, body) == {}
    assert set(body) - {"source_note"} == set(templates.placeholders(kind))
    assert body["authority_zh"] == "港区应急管理局"
    assert body["prefix"].startswith("（港）安监")


def test_template_problems_name_each_key():
    body = templates.defaults("rectification_order")
    body.update(intro_zh="$enterprise $who：", major_en="$ numbers", bogus="x", title_en=5, rights_zh="长" * 2001,
                prefix="")
    del body["copies_zh"]
    found = templates.problems("rectification_order", body)
    assert set(found) == {"intro_zh", "major_en", "bogus", "title_en", "rights_zh", "prefix", "copies_zh"}
    assert "$who" in found["intro_zh"][0] and "$enterprise" in found["intro_zh"][0]
    assert "'$'" in found["major_en"][0]
    assert "2001" in found["rights_zh"][0]
    assert found["prefix"] == ["prefix must not be empty"]
    assert templates.problems("inspection_record", {**templates.defaults("inspection_record"),
                                                    "prefix": "长" * 41})["prefix"]
    assert templates.problems("inspection_record", ["not", "a", "dict"]) == {
        "_schema": ["a inspection_record template is an object of strings, not list"]}


def test_source_note_is_optional_and_never_checked_for_placeholders():
    body = templates.defaults("reinspection_opinion")
    body["source_note"] = "wording from 安监总政法〔2016〕72号, costs $5"
    assert templates.problems("reinspection_opinion", body) == {}
    del body["source_note"]
    assert templates.problems("reinspection_opinion", body) == {}


def test_fill_and_unknown_kind():
    assert templates.fill("于 $deadline 前整改完毕，$$1", {"deadline": "2026 年 12 月 31 日"}) == \
        "于 2026 年 12 月 31 日 前整改完毕，$1"
    assert templates.fill("$enterprise：", {"enterprise": "$x <b>"}) == "$x <b>："
    with pytest.raises(ValueError, match="memo"):
        templates.defaults("memo")


def test_the_record_names_its_checklist_and_a_newer_edition_whose_items_are_not_loaded(images, tmp_path):
    notice = {"standard": "AQ 3067—2026", "title_zh": "化工和危险化学品生产经营企业重大生产安全事故隐患判定准则",
              "title_en": "Rules for major accident hazards in chemical enterprises", "effective_from": "2026-09-30"}
    plain = content("inspection_record")
    assert "AQ 3067" not in flat(pdf_text(render(plain, images, "zh"), tmp_path))
    plain["checklist_basis"]["notice"] = notice
    zh = flat(pdf_text(render(plain, images, "zh"), tmp_path))
    assert ("检查依据：《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》（安监总管三〔2017〕121号）"
            in zh)
    assert ("《化工和危险化学品生产经营企业重大生产安全事故隐患判定准则》（AQ3067—2026）已于2026年9月30日施行，"
            "其检查条目尚未载入本系统") in zh
    en = " ".join(pdf_text(render(plain, images, "en"), tmp_path).split())
    assert "(AQ 3067—2026) has been in force since 30 September 2026, but its checklist items are not loaded" in en


def test_a_law_cited_by_its_name_is_named_once(images, tmp_path):
    law = finding(1, item_code="HC-G-01", standard="中华人民共和国安全生产法",
                  standard_title="中华人民共和国安全生产法", standard_version="2021", clause="第三十五条")
    text = flat(pdf_text(render(content("rectification_order", findings=[law]), images, "zh"), tmp_path))
    assert "《中华人民共和国安全生产法》第三十五条" in text
    assert text.count("中华人民共和国安全生产法") == 1


def test_every_domain_has_its_name_on_the_documents():
    from documents.service import DOMAIN_NAMES
    from risk_rules.checklists import DOMAINS

    assert set(DOMAIN_NAMES) == set(DOMAINS)
