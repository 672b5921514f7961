"""PDF rendering of the enforcement documents: one builder per kind over the frozen content of a document.

``render(content, images, language)`` lays out an A4 page set with reportlab's platypus in invariant mode, so
the same content always gives the same bytes (no creation date, fixed document id). Chinese text uses a CJK
TrueType font embedded as a subset when one is installed (``FONT_FILES``), otherwise reportlab's built-in CID
font STSong-Light (one of the standard PDF CJK fonts every reader has), so rendering needs nothing but Python.
Every page carries the document number, "第 N 页 共 M 页" and the content's SHA-256; the PDF's Keywords carry
``docid=<id> sha256=<content_sha256>`` so a verifier can tell which record a file claims to be.

User text is escaped for reportlab's paragraph markup and wrapped (CJK wrap for Chinese), so ``<``, ``&`` and
very long text render as written.
"""

from __future__ import annotations

import functools
import io
import os
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from documents.models import OPINION, ORDER, RECORD
from documents.templates import fill

# CJK TrueType fonts tried in order: (path, index of the face inside a .ttc). Fonts with PostScript (CFF)
# outlines, such as Noto Sans CJK .ttc, cannot be embedded by reportlab and are skipped.
FONT_FILES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
)
FALLBACK_FONT = "STSong-Light"  # a standard PDF CJK font: referenced, not embedded

PAGE_W, PAGE_H = A4
LEFT, RIGHT, TOP, BOTTOM = 25 * mm, 20 * mm, 20 * mm, 28 * mm
BODY_W = PAGE_W - LEFT - RIGHT
SIGNATURE_BOX = (45 * mm, 15 * mm)
PHOTO_BOX = (50 * mm, 38 * mm)

LABELS = {
    "zh": {
        "unit": "被检查单位", "address": "地址", "credit_code": "统一社会信用代码",
        "person": "法定代表人（负责人）", "title": "职务", "phone": "联系电话", "domain": "检查领域",
        "place": "检查场所", "time": "检查时间", "inspectors": "执法人员", "cert": "执法证号",
        "no": "序号", "code": "编号", "item": "检查项目", "result": "检查结果",
        "passed": "未发现", "failed": "存在", "not_applicable": "不适用",
        "major": "重大事故隐患", "general": "一般事故隐患", "severity": "隐患等级", "deadline": "整改期限",
        "basis": "依据", "against": "责任单位", "item_code": "对应检查项目", "version": "版", "note": "说明",
        "outcome": "复查结果",
        "role_lead": "执法人员（主办）", "role_second": "执法人员（协办）", "role_enterprise": "被检查单位负责人",
        "signer": "签字人", "signature": "签名", "signed": "签字时间",
        "refused": "拒绝签字", "reason": "理由", "witness": "见证人", "no_image": "（无签名图像）",
        "seal": "（印章）", "appendix": "附件：现场照片", "photo": "问题 {position} 照片 {n}",
        "photo_missing": "（照片缺失）", "checklist_basis": "检查依据：{citation}",
        "successor": "{successor}已于{date}施行，其检查条目尚未载入本系统；本次检查仍按{citation}进行。",
        "supersedes": "本文书更正并取代 {number}（{date}）：{reason}",
        "page": "第 {n} 页 共 {total} 页", "to": "至", "list_sep": "、", "sep": "，", "colon": "：",
    },
    "en": {
        "unit": "Inspected unit", "address": "Address", "credit_code": "Unified social credit code",
        "person": "Legal representative (person in charge)", "title": "Title", "phone": "Phone",
        "domain": "Domain", "place": "Place inspected", "time": "Time", "inspectors": "Inspectors",
        "cert": "certificate no.", "no": "No.", "code": "Code", "item": "Checklist item", "result": "Result",
        "passed": "not found", "failed": "found", "not_applicable": "not applicable",
        "major": "major accident hazard", "general": "general accident hazard", "severity": "Severity",
        "deadline": "Deadline", "basis": "Basis", "against": "Against", "item_code": "Checklist item",
        "version": "version",
        "note": "Note", "outcome": "Result",
        "role_lead": "Lead inspector", "role_second": "Second inspector",
        "role_enterprise": "Person in charge of the unit", "signer": "Signer", "signature": "Signature",
        "signed": "Signed", "refused": "Refused to sign", "reason": "reason", "witness": "witness",
        "no_image": "(no signature image)", "seal": "(seal)", "appendix": "Appendix: photos",
        "photo": "Finding {position}, photo {n}", "photo_missing": "(photo missing)",
        "checklist_basis": "Checklist: {citation}",
        "successor": "{successor} has been in force since {date}, but its checklist items are not loaded in this "
                     "system; this inspection used {citation}.",
        "supersedes": "This document corrects and supersedes {number} ({date}): {reason}",
        "page": "Page {n} of {total}", "to": "to", "list_sep": ", ", "sep": ", ", "colon": ": ",
    },
}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


@functools.cache
def _font_for(files: tuple[tuple[str, int], ...]) -> str:
    for path, index in files:
        if not os.path.isfile(path):
            continue
        name = f"CJK-{os.path.splitext(os.path.basename(path))[0]}-{index}"
        try:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
        except Exception:  # noqa: BLE001 - an unusable font file (CFF outlines, damaged) means: try the next
            continue
        return name
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def font_name() -> str:
    """The font the documents use: the registered name of the first usable CJK TrueType font of
    ``FONT_FILES`` (``CJK-wqy-microhei-0``), embedded as a subset, or ``STSong-Light`` when none is installed."""
    return _font_for(tuple(FONT_FILES))


def zh_date(value: str) -> str:
    """``"2026-12-31"`` -> ``"2026 年 12 月 31 日"``; ``"2026-12-01 09:30"`` -> ``"2026 年 12 月 1 日 09:30"``.
    Month and day carry no leading zero (GB/T 9704-2012 7.3.5.5: 月、日不编虚位). Unparsable text is returned
    as it is."""
    parsed = _parse(value)
    if parsed is None:
        return value or ""
    when, has_time = parsed
    text = f"{when.year} 年 {when.month} 月 {when.day} 日"
    return f"{text} {when:%H:%M}" if has_time else text


def en_date(value: str) -> str:
    """``"2026-12-31"`` -> ``"31 December 2026"``; with a time, ``"1 December 2026 09:30"``. Unparsable text is
    returned as it is."""
    parsed = _parse(value)
    if parsed is None:
        return value or ""
    when, has_time = parsed
    text = f"{when.day} {_MONTHS[when.month - 1]} {when.year}"
    return f"{text} {when:%H:%M}" if has_time else text


def _parse(value: str | None) -> tuple[datetime, bool] | None:
    for pattern, has_time in (("%Y-%m-%d %H:%M", True), ("%Y-%m-%d", False)):
        try:
            return datetime.strptime(value or "", pattern), has_time
        except ValueError:
            continue
    return None


class _Doc:
    """One rendering: the content, its language, the font and the styles; small helpers the builders share."""

    def __init__(self, content: dict, images: dict[str, bytes], language: str):
        self.c, self.images, self.lang = content, images, language
        self.template = content.get("template") or {}
        self.labels = LABELS[language]
        self.font = font_name()
        wrap = "CJK" if language == "zh" else None
        base = ParagraphStyle("body", fontName=self.font, fontSize=10.5, leading=17, wordWrap=wrap,
                              spaceAfter=3)
        self.body = base
        self.indent = ParagraphStyle("indent", parent=base, firstLineIndent=21 if language == "zh" else 0)
        self.item = ParagraphStyle("item", parent=base, leftIndent=21, firstLineIndent=-21, spaceAfter=1)
        self.detail = ParagraphStyle("detail", parent=base, leftIndent=21, fontSize=9.5, leading=14,
                                     textColor=colors.HexColor("#222222"))
        self.cell = ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13, spaceAfter=0)
        self.head = ParagraphStyle("head", parent=base, fontSize=12, leading=20, spaceBefore=8, spaceAfter=4)
        self.authority = ParagraphStyle("authority", parent=base, fontSize=14, leading=22, alignment=TA_CENTER)
        self.title = ParagraphStyle("title", parent=base, fontSize=20, leading=30, alignment=TA_CENTER,
                                    spaceBefore=2, spaceAfter=4)
        self.number = ParagraphStyle("number", parent=base, alignment=TA_RIGHT, spaceAfter=8)
        self.right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)

    # Text ---------------------------------------------------------------------------------------------
    def t(self, name: str, **values: str) -> str:
        """The template paragraph ``<name>_<lang>`` filled with ``values``, escaped for the markup."""
        return escape(fill(self.template.get(f"{name}_{self.lang}", ""), values))

    def raw(self, name: str) -> str:
        return self.template.get(f"{name}_{self.lang}", "")

    def label(self, key: str, **values) -> str:
        text = self.labels[key]
        return escape(text.format(**values) if values else text)

    def date(self, value: str | None) -> str:
        return zh_date(value) if self.lang == "zh" else en_date(value)

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(text, style or self.body)

    def cellp(self, value) -> Paragraph:
        return Paragraph(escape(str(value if value is not None else "")), self.cell)

    def table(self, rows: list, widths: list[float], spans=(), header: bool = False) -> Table:
        style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                 ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                 ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
        style += [("SPAN", *span) for span in spans]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
        return Table(rows, colWidths=widths, style=TableStyle(style), repeatRows=1 if header else 0,
                     splitInRow=1, hAlign="LEFT")

    def image(self, key: str | None, box: tuple[float, float]) -> Image | None:
        data = self.images.get(key) if key else None
        if not data:
            return None
        try:
            width, height = ImageReader(io.BytesIO(data)).getSize()
        except Exception:  # noqa: BLE001 - an unreadable image prints as missing rather than failing the document
            return None
        scale = min(box[0] / width, box[1] / height)
        return Image(io.BytesIO(data), width=width * scale, height=height * scale)

    def citation(self, finding: dict) -> str:
        """The basis frozen in the content at issue (``citation_zh`` / ``citation_en``, see
        ``documents.service._citations``): 《short name》（number）clause."""
        return escape(finding.get(f"citation_{self.lang}") or finding.get("citation_zh") or "")

    def inspector_names(self) -> str:
        return self.labels["list_sep"].join(i.get("name", "") for i in self.c.get("inspectors", []))


# Shared blocks ------------------------------------------------------------------------------------------
def _heading(d: _Doc) -> list:
    flow = [d.p(escape(d.template.get(f"authority_{d.lang}", "")), d.authority),
            d.p(escape(d.template.get(f"title_{d.lang}", "")), d.title),
            d.p(escape(d.c.get("number", "")), d.number)]
    old = d.c.get("supersedes")
    if old:
        flow.append(d.p(d.label("supersedes", number=old.get("number", ""), date=d.date(old.get("issued_on")),
                                reason=d.c.get("correction_reason") or ""), d.body))
    return flow


def _facts(d: _Doc, *, with_time: bool = True) -> Table:
    enterprise, person = d.c.get("enterprise", {}), d.c.get("person_in_charge", {})
    inspection = d.c.get("inspection", {})
    domain = inspection.get(f"domain_{d.lang}") or inspection.get("domain_zh") or ""
    inspectors = d.labels["list_sep"].join(
        f"{i.get('name', '')}（{d.labels['cert']}{d.labels['colon']}{i.get('certificate_no') or ''}）"
        if d.lang == "zh" else f"{i.get('name', '')} ({d.labels['cert']} {i.get('certificate_no') or ''})"
        for i in d.c.get("inspectors", []))
    when = f"{d.date(inspection.get('started'))} {d.labels['to']} {d.date(inspection.get('ended'))}"
    lab = d.labels
    rows = [[d.cellp(lab["unit"]), d.cellp(enterprise.get("name")), "", ""],
            [d.cellp(lab["address"]), d.cellp(enterprise.get("address")), "", ""],
            [d.cellp(lab["credit_code"]), d.cellp(enterprise.get("credit_code")), "", ""],
            [d.cellp(lab["person"]), d.cellp(person.get("name")), d.cellp(lab["title"]), d.cellp(person.get("title"))],
            [d.cellp(lab["phone"]), d.cellp(person.get("phone")), d.cellp(lab["domain"]), d.cellp(domain)],
            [d.cellp(lab["place"]), d.cellp(inspection.get("place")), "", ""]]
    if with_time:
        rows.append([d.cellp(lab["time"]), d.cellp(when), "", ""])
    rows.append([d.cellp(lab["inspectors"]), d.cellp(inspectors), "", ""])
    spans = [((1, r), (3, r)) for r, row in enumerate(rows) if row[2] == ""]
    return d.table(rows, [34 * mm, 48 * mm, 28 * mm, BODY_W - 110 * mm], spans)


def _finding_lines(d: _Doc, finding: dict, *, severity: bool = False, deadline: bool = False,
                   item: bool = False) -> list:
    """A numbered finding: its description, whom it is against when not the addressee (``against``, frozen by
    ``documents.service._against``: a tenant in a premises inspection), then its basis (standard and clause)
    and, as asked, its checklist item, severity and deadline."""
    lab = d.labels
    flow = [d.p(f"{finding.get('position')}．{escape(finding.get('description') or '')}", d.item)]
    against = finding.get("against")
    if against and against.get("name"):
        flow.append(d.p(f"{escape(lab['against'])}{escape(lab['colon'])}{escape(against['name'])}", d.detail))
    citation = d.citation(finding)
    if citation:
        flow.append(d.p(f"{escape(lab['basis'])}{escape(lab['colon'])}{citation}", d.detail))
    facts = []
    if item and finding.get("item_code"):
        facts.append(f"{lab['item_code']}{lab['colon']}{finding['item_code']}")
    if severity:
        facts.append(f"{lab['severity']}{lab['colon']}{lab.get(finding.get('severity'), finding.get('severity'))}")
    if deadline and finding.get("deadline"):
        facts.append(f"{lab['deadline']}{lab['colon']}{d.date(finding['deadline'])}")
    if facts:
        flow.append(d.p(escape(("　" if d.lang == "zh" else "; ").join(facts)), d.detail))
    return flow


def _signatures(d: _Doc) -> list:
    """One row per signer: role, name (with certificate number for inspectors), signature image or the
    recorded refusal (reason and witness), and the time signed."""
    lab = d.labels
    certificates = {i.get("role"): i.get("certificate_no") for i in d.c.get("inspectors", [])}
    rows = [[d.cellp(lab["signer"]), d.cellp(lab["signature"]), d.cellp(lab["signed"])]]
    for signature in d.c.get("signatures", []):
        role = signature.get("role")
        who = f"{lab.get('role_' + str(role), role)}{lab['colon']}{signature.get('name') or ''}"
        if certificates.get(role):
            who += f"\n{lab['cert']}{lab['colon']}{certificates[role]}"
        if signature.get("refused"):
            mark = d.p("<br/>".join(escape(line) for line in (
                lab["refused"],
                f"{lab['reason']}{lab['colon']}{signature.get('refusal_reason') or ''}",
                f"{lab['witness']}{lab['colon']}{signature.get('witness') or ''}")), d.cell)
        elif signature.get("blank"):  # to be signed in ink on the printed copy
            mark = d.cellp("")
        else:
            mark = d.image(signature.get("image"), SIGNATURE_BOX) or d.cellp(lab["no_image"])
        who_cell = Paragraph("<br/>".join(escape(line) for line in who.split("\n")), d.cell)
        rows.append([who_cell, mark, d.cellp(d.date(signature.get("signed")))])
    if len(rows) == 1:
        return []
    # Kept on one page when it fits; a table longer than a page (hostile refusal text) still splits.
    return [KeepTogether([Spacer(1, 6), d.table(rows, [70 * mm, 55 * mm, BODY_W - 125 * mm], header=True)])]


def _seal(d: _Doc) -> list:
    return [Spacer(1, 10), d.p(f"{escape(d.template.get(f'authority_{d.lang}', ''))}{d.label('seal')}", d.right),
            d.p(escape(d.date(d.c.get("issued_on"))), d.right)]


def _copies(d: _Doc) -> list:
    text = d.raw("copies")
    if not text:
        return []
    line = Table([[d.p(d.t("copies"), d.cell)]], colWidths=[BODY_W],
                 style=TableStyle([("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.black),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [Spacer(1, 8), line]


def _photos(d: _Doc) -> list:
    cells = []
    for finding in d.c.get("findings", []):
        for n, key in enumerate(finding.get("photos") or [], 1):
            caption = d.cellp(d.labels["photo"].format(position=finding.get("position"), n=n))
            cells.append([d.image(key, PHOTO_BOX) or d.cellp(d.labels["photo_missing"]), caption])
    if not cells:
        return []
    per_row = 3
    rows = [[cell for cell in cells[i:i + per_row]] for i in range(0, len(cells), per_row)]
    rows[-1] += [""] * (per_row - len(rows[-1]))
    grid = Table(rows, colWidths=[BODY_W / per_row] * per_row,
                 style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    return [CondPageBreak(70 * mm), d.p(d.label("appendix"), d.head), grid]


# Builders -------------------------------------------------------------------------------------------------
def _record(d: _Doc) -> list:
    certificates = d.labels["list_sep"].join(i.get("certificate_no") or "" for i in d.c.get("inspectors", []))
    flow = [_facts(d), Spacer(1, 8),
            d.p(d.t("intro", authority=d.template.get(f"authority_{d.lang}", ""), inspectors=d.inspector_names(),
                    certificates=certificates), d.indent),
            d.p(d.t("checked_heading"), d.head)]
    flow += _checklist_basis(d)
    lab = d.labels
    rows = [[d.cellp(lab["no"]), d.cellp(lab["code"]), d.cellp(lab["item"]), d.cellp(lab["result"])]]
    for n, item in enumerate(d.c.get("checklist", []), 1):
        text = item.get(f"text_{d.lang}") or item.get("text_zh") or ""
        rows.append([d.cellp(n), d.cellp(item.get("code")), d.cellp(text),
                     d.cellp(lab.get(item.get("result"), item.get("result")))])
    if len(rows) > 1:
        flow.append(d.table(rows, [12 * mm, 24 * mm, BODY_W - 62 * mm, 26 * mm], header=True))
    flow.append(d.p(d.t("found_heading"), d.head))
    findings = d.c.get("findings", [])
    for finding in findings:
        flow += _finding_lines(d, finding, severity=True, deadline=True, item=True)
    if not findings:
        flow.append(d.p(d.t("none_found"), d.indent))
    flow += [Spacer(1, 6), d.p(d.t("closing"), d.indent)]
    return flow + _signatures(d) + _seal(d) + _photos(d)


def _checklist_basis(d: _Doc) -> list:
    """Which standard the checklist applied and, when a newer edition was in force on the inspection date but
    its items were not loaded, a plain statement of it."""
    basis = d.c.get("checklist_basis")
    if not basis:
        return []
    citation = basis.get(f"citation_{d.lang}") or ""
    flow = [d.p(escape(d.label("checklist_basis", citation=citation)), d.detail)]
    notice = basis.get("notice")
    if notice:
        successor = (f"《{notice['title_zh']}》（{notice['standard']}）" if d.lang == "zh"
                     else f"{notice['title_en']} ({notice['standard']})")
        flow.append(d.p(escape(d.label("successor", successor=successor, date=d.date(notice["effective_from"]),
                                       citation=citation)), d.detail))
    return flow


def _order(d: _Doc) -> list:
    enterprise = d.c.get("enterprise", {}).get("name") or ""
    flow = [d.p(d.t("intro", enterprise=enterprise), d.body)]
    per_item = not d.c.get("deadline")
    for finding in d.c.get("findings", []):
        flow += _finding_lines(d, finding)
        if per_item and finding.get("deadline"):
            flow.append(d.p(d.t("item_deadline", deadline=d.date(finding["deadline"])), d.detail))
    majors = d.c.get("major_positions") or []
    if majors:
        flow.append(d.p(d.t("major", numbers=d.labels["list_sep"].join(str(n) for n in majors)), d.indent))
    if per_item:
        flow.append(d.p(d.t("deadlines"), d.indent))
    else:
        flow.append(d.p(d.t("deadline", deadline=d.date(d.c["deadline"])), d.indent))
    flow += [d.p(d.t(name), d.indent) for name in ("during", "consequence", "rights") if d.raw(name)]
    return flow + _signatures(d) + _seal(d) + _copies(d)


def _opinion(d: _Doc) -> list:
    lab = d.labels
    inspection = d.c.get("inspection", {})
    flow = [_facts(d, with_time=False), Spacer(1, 8),
            d.p(d.t("salutation", enterprise=d.c.get("enterprise", {}).get("name") or ""), d.body)]
    answers = d.c.get("answers")
    if answers:
        flow.append(d.p(d.t("answers", order_number=answers.get("number") or "",
                            order_date=d.date(answers.get("issued_on"))), d.indent))
    else:
        flow.append(d.p(d.t("unanswered"), d.indent))
    flow.append(d.p(d.t("time", started=d.date(inspection.get("started")), ended=d.date(inspection.get("ended"))),
                    d.indent))
    flow.append(d.p(d.t("results_heading"), d.head))
    for result in d.c.get("results", []):
        flow += _finding_lines(d, result)
        outcome = d.t("accepted") if result.get("accepted") else d.t("rejected")
        line = f"{escape(lab['outcome'])}{escape(lab['colon'])}{outcome}"
        if result.get("note"):
            line += f"{escape(lab['sep'])}{escape(lab['note'])}{escape(lab['colon'])}{escape(result['note'])}"
        flow.append(d.p(line, d.detail))
    flow.append(d.p(d.t("opinion_heading"), d.head))
    flow += [d.p(escape(line), d.indent) for line in (d.c.get("opinion") or "").splitlines() if line.strip()]
    return flow + _signatures(d) + _seal(d) + _copies(d)


_BUILDERS = {RECORD: _record, ORDER: _order, OPINION: _opinion}


class _FooterCanvas(Canvas):
    """Holds each page until the end so the footer can say "page N of M"."""

    def __init__(self, *args, footer: tuple[str, str, str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._held: list[dict] = []

    def showPage(self):  # noqa: N802 - reportlab's name
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._held)
        for n, state in enumerate(self._held, 1):
            self.__dict__.update(state)
            self._draw_footer(n, total)
            super().showPage()
        super().save()

    def _draw_footer(self, n: int, total: int):
        font, number, page, digest = self._footer
        self.saveState()
        self.setStrokeColor(colors.black)
        self.setLineWidth(0.4)
        self.line(LEFT, 20 * mm, PAGE_W - RIGHT, 20 * mm)
        self.setFont(font, 8)
        self.drawString(LEFT, 15.5 * mm, number)
        self.drawRightString(PAGE_W - RIGHT, 15.5 * mm, page.format(n=n, total=total))
        self.setFont(font, 7)
        self.drawCentredString(PAGE_W / 2, 10.5 * mm, f"SHA-256: {digest}")
        self.restoreState()


def render(content: dict, images: dict[str, bytes], language: str = "zh") -> bytes:
    """The PDF (A4) of a document's frozen ``content`` (the dict the documents service builds; ``kind`` one of
    inspection_record, rectification_order, reinspection_opinion) in ``language`` "zh" (the legal document) or
    "en" (an English rendering of the same content). ``images`` maps the SHA-256 keys named by the content
    (signatures, photos) to PNG or JPEG bytes; a missing or unreadable image prints as missing.

    Deterministic: the same arguments give the same bytes. Raises ValueError for an unknown kind or language.
    """
    if language not in LABELS:
        raise ValueError(f"unknown language {language!r}; expected zh or en")
    builder = _BUILDERS.get(content.get("kind"))
    if builder is None:
        raise ValueError(f"unknown document kind {content.get('kind')!r}")
    d = _Doc(content, images, language)
    story = _heading(d) + builder(d)
    number, digest = content.get("number") or "", content.get("content_sha256") or ""
    authority = d.template.get(f"authority_{language}", "")
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=LEFT, rightMargin=RIGHT, topMargin=TOP, bottomMargin=BOTTOM,
        title=f"{d.template.get(f'title_{language}', '')} {number}".strip(), subject=number, author=authority,
        creator="port safety inspections", keywords=f"docid={content.get('id')} sha256={digest}", invariant=1)
    footer = (d.font, number, LABELS[language]["page"], digest)
    doc.build(story, canvasmaker=functools.partial(_FooterCanvas, footer=footer))
    return out.getvalue()
