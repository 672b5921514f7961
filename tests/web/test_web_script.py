"""No English on Chinese pages and no Chinese on English pages (issue 15, the tablet).

Every page of every role is walked in both languages over the demo data set plus what it lacks (a manual card, a
lifted card, extensions pending, approved and rejected, a local checklist item with a finding, alerts of every
kind, refused forms and the error pages). The Flask test client reads the server-rendered HTML; Chromium reads
what the scripts write (the alerts inbox, the inspection form, the outbox, the water body page).

What a page may show in the other script, and nothing else:

* text people typed (names of enterprises, people, water bodies and sections, descriptions, notes): the
  templates mark it with ``data-user-text``;
* text that declares its language (``lang`` on the element): the language switcher, the English PDF button;
* codes and identifiers: credit codes, standard numbers (GB 3838-2002), item and section codes (HC-G-01),
  rule identifiers (YELLOW_OVERDUE), units (mg/L), measurement symbols (pH) and file formats (PDF, XLSX),
  matched by :data:`CODES` below.

Checked: text nodes outside ``<script>``/``<style>`` (the ``<title>`` included), the attributes people read
(``title``, ``alt``, ``placeholder``, ``aria-label``, ``label``, a button's ``value``), the script texts the page
hands its scripts (``data-i18n`` on ``<body>``) and the labels of the charts' JSON.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from core.db import db
from tests.web.conftest import form_token
from tests.web.test_web_browser import go_through_sections

# Han characters and the CJK punctuation and full-width forms that come with them (《》，：（）【】、。).
HAN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")  # a single letter is no word: 1楼A区, B类
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")  # the places a script fills in its texts
# Codes and identifiers are the same in both languages. Each pattern is one kind, as narrow as it can be.
CODES = re.compile("|".join([
    r"\b[A-Z]{1,5}(?:/[A-Z])?\s?\d[\d.]*(?:[-—–]\d+)?",  # standard numbers: GB 3838-2002, GB/T 29639-2020
    r"[A-Za-z0-9]*\d[A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)*",  # codes with a digit: credit codes, HC-G-01, S-01, BOD5
    r"\b[A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)+\b",  # identifiers: YELLOW_OVERDUE, T-G-A
    r"°C|(?:mg|μg|µg|ng|g|个|MPN)/(?:L|kg)",  # units
    r"\bpH",  # the measurement symbol, written so in Chinese too (pH值)
    r"\b(?:PDF|XLSX|CSV|JPEG|PNG|WebP|HEIC|Excel)\b",  # file formats, named so in Chinese too
    # Furnace types the industry-and-trade criteria (工贸企业重大事故隐患判定标准, item IT-MET-04) name in Latin
    # in their own Chinese text: AOD炉、LF炉、RH炉、VOD炉.
    r"\b(?:AOD|LF|RH|VOD)(?=炉)",
]))
SHOWN_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label", "label")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
SKIPPED = {"script", "style", "template"}
CODE = {"code", "kbd", "samp"}  # code by the element's meaning: a parameter's name


@dataclass
class Text:
    """A piece of text a page shows, and where (for the failure message)."""

    text: str
    where: str


@dataclass
class PageText(HTMLParser):
    """The text of a page as people read it, without what is exempt (see the module's docstring)."""

    lang: str
    texts: list[Text] = field(default_factory=list)
    stack: list[tuple[str, bool, str]] = field(default_factory=list)  # (tag, exempt, where)
    json_blocks: list[tuple[str, str]] = field(default_factory=list)
    _json: str | None = None
    _skip: int = 0

    def __post_init__(self):
        super().__init__(convert_charrefs=True)

    @property
    def exempt(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def where(self, tag: str, attrs: dict) -> str:
        """The element and its parent, as a selector (``section#tasks > span.desc``)."""
        name = tag + (f"#{attrs['id']}" if attrs.get("id") else "")
        if attrs.get("class"):
            name += "." + ".".join(attrs["class"].split()[:2])
        parent = self.stack[-1][2].rsplit(" > ", 1)[-1] if self.stack else ""
        return f"{parent} > {name}" if parent else name

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag in SKIPPED:
            if tag == "script" and attrs.get("type") == "application/json":
                self._json = attrs.get("id", "")
            self._skip += 1
            return
        declared = attrs.get("lang", "").split("-")[0]
        exempt = (self.exempt or "data-user-text" in attrs or bool(declared and declared != self.lang)
                  or tag in CODE)
        where = self.where(tag, attrs)
        if not exempt:
            shown = [attrs[name] for name in SHOWN_ATTRIBUTES if attrs.get(name)]
            if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
                shown.append(attrs["value"])
            self.texts += [Text(value, f"{where}@attribute") for value in shown]
        if tag == "body" and attrs.get("data-i18n"):
            strings = json.loads(attrs["data-i18n"])
            self.texts += [Text(value, f"body[data-i18n].{key}") for key, value in strings.items()]
        if tag not in VOID:
            self.stack.append((tag, exempt, where))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and tag not in SKIPPED and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self._skip = max(0, self._skip - 1)
            self._json = None
            return
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        if self._skip:
            if self._json is not None and data.strip():
                self.json_blocks.append((self._json, data))
            return
        if data.strip() and not self.exempt:
            self.texts.append(Text(data, self.stack[-1][2] if self.stack else "document"))


def chart_texts(name: str, data: str) -> list[Text]:
    """The words a chart draws: its axis labels, class names and series names (a series of user-named
    sections says so with ``userText``)."""
    spec = json.loads(data)
    texts = [Text(str(value), f"{name}.labels") for value in spec.get("labels", [])]
    texts += [Text(str(value), f"{name}.classLabels") for value in spec.get("classLabels", {}).values()]
    texts += [Text(str(dataset["label"]), f"{name}.datasets") for dataset in spec.get("datasets", [])
              if not dataset.get("userText")]
    return texts


def other_script(text: str, lang: str) -> re.Match | None:
    """The first Han character on an English page, or Latin word outside the codes on a Chinese one."""
    if lang == "en":
        return HAN.search(text)
    return LATIN_WORD.search(CODES.sub(lambda match: "#" * len(match.group(0)), text))


def leaks(texts: list[Text], lang: str) -> list[str]:
    """Each text showing the other script, with the offending part in ⟦ ⟧."""
    found = []
    for piece in texts:
        text = " ".join(PLACEHOLDER.sub("", piece.text).split())
        bad = other_script(text, lang)
        if bad:
            start, end = bad.start(), bad.end()
            if lang == "en":
                while end < len(text) and HAN.match(text[end]):
                    end += 1
            found.append(f"{piece.where}: {text[max(0, start - 40):start]}⟦{text[start:end]}⟧{text[end:end + 40]}")
    return found


def page_leaks(html: str, lang: str) -> list[str]:
    parser = PageText(lang)
    parser.feed(html)
    parser.close()
    texts = parser.texts + [text for name, data in parser.json_blocks if name.startswith("chart-data")
                            for text in chart_texts(name, data)]
    return leaks(texts, lang)


# ---- the checker itself ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("html", "lang", "expected"), [
    ("<p>Open</p>", "en", []),
    ("<p>开放</p>", "en", ["开放"]),
    ("<p title='隐患'>Finding</p>", "en", ["隐患"]),
    ("<p data-user-text>港城化工</p><p lang='zh-Hans'>中文</p>", "en", []),
    ("<p data-user-text><span>港城<b>化工</b></span></p><p>x</p>", "en", []),
    ("<p>Basis: 第一项</p>", "en", ["第一项"]),
    ("<script>var a = '中文';</script><style>p::after{content:'中'}</style>", "en", []),
    ("<input type=submit value='提交'><input value='港城' name=q>", "en", ["提交"]),
    ("<p>依据 GB 3838-2002，单位 mg/L，pH 7.4，编号 HC-G-01、S-01，91320582MA1X0000XX，PDF</p>", "zh", []),
    ("<p>任务 in_progress</p>", "zh", ["in"]),
    ("<p>请处理 overdue 隐患</p>", "zh", ["overdue"]),
    ("<p><a lang='en'>English</a> <span class=mono>YELLOW_OVERDUE</span></p>", "zh", []),
    ("<body data-i18n='{\"a\": \"Retry\"}'><p>重试</p></body>", "zh", ["Retry"]),
    ('<script type="application/json" id="chart-data-x">{"labels": ["2026-01"], "datasets": '
     '[{"label": "Target", "data": []}, {"label": "上游", "userText": true, "data": []}]}</script>', "zh", ["Target"]),
])
def test_the_checker_finds_the_other_script_and_only_there(html, lang, expected):
    found = page_leaks(html, lang)
    assert [re.search(r"⟦(.*?)⟧", leak).group(1) for leak in found] == expected, found


# ---- the data: the demo set and what it lacks ------------------------------------------------------------------

LOGINS = {"admin": "admin", "inspector": "zhang.wei", "safety_manager": "li.na", "env_staff": "chen.jie"}


@pytest.fixture
def world(app):
    """The demo data (every sector and domain, findings of each status, documents, cards, water bodies with
    samples and tasks, premises with tenancies) plus a manual card, a lifted card, extensions in each state, a
    local checklist item with its finding and the alerts of a scan. Returns the ids the walk needs."""
    from accounts.models import User
    from alerts import raising
    from cards import service as cards
    from cards.models import Card
    from checklists import service as checklists
    from core.time import local_date
    from demo import seed
    from enterprises.models import Enterprise
    from inspections import findings as workflow
    from inspections import service as inspections
    from inspections.models import Finding, Inspection
    from inspections.schemas import InspectionCreateSchema
    from premises.models import Premises
    from remediation.models import RemediationTask, WaterBody

    with app.app_context():
        seed.run(enterprise_count=15)
        db.session.commit()
        users = dict(db.session.execute(sa.select(User.username, User.id)).all())
        today = local_date()
        # A local item (the zone's own rule) and an inspection finding it, in each language's words.
        chemical = db.session.scalars(sa.select(Enterprise).where(Enterprise.sector == "hazardous_chemicals")
                                      .order_by(Enterprise.id)).first()
        checklists.add_local_item("hazardous_chemicals", today, {
            "code": "LOCAL-01", "text_zh": "储罐区未设置港区统一的风险告知牌",
            "text_en": "No zone risk notice board at the tank farm", "category": "management", "is_major": False,
            "clause": "第三条第一项", "part": "",
            "standard": "港区安全生产检查规定"})
        inspection, _ = inspections.record(InspectionCreateSchema().load({
            "client_id": str(uuid.uuid4()), "enterprise_id": chemical.id, "domain": "hazardous_chemicals",
            "inspected_dt": (datetime.now(UTC) - timedelta(hours=2)).isoformat(), "location": "储罐区",
            "checklist": [{"item_code": "LOCAL-01", "result": "failed"}],
            "findings": [{"item_code": "LOCAL-01", "description": "储罐区入口无风险告知牌", "category": "management",
                          "responsible_person": "王强"}],
        }), users["zhang.wei"])
        # Extensions: one pending, one approved, one rejected (asked by the inspector, decided by the manager).
        open_findings = db.session.scalars(sa.select(Finding).where(Finding.status == "open")
                                           .order_by(Finding.id)).all()
        for finding, decision in zip(open_findings[:3], (None, True, False), strict=True):
            workflow.request_extension(finding, max(finding.deadline, today) + timedelta(days=10), "等待备件到货",
                                       users["zhang.wei"])
            if decision is not None:
                workflow.decide_extension(finding, decision, "同意延期" if decision else "理由不充分", users["li.na"])
        # A manual card, and a lifted card.
        holders = set(db.session.scalars(sa.select(Card.enterprise_id)))
        free = db.session.scalars(sa.select(Enterprise.id).where(Enterprise.id.not_in(holders))
                                  .order_by(Enterprise.id)).all()
        cards.issue_manual(free[0], "yellow", "群众举报夜间违规动火作业，经核实属实", users["li.na"])
        lifted = cards.issue_manual(free[1], "yellow", "消防通道长期堵塞", users["li.na"])
        lifted.status, lifted.lifted_on, lifted.lift_reason = "lifted", today, "复查合格，予以摘牌"
        lifted.lifted_by_id = users["li.na"]
        db.session.commit()
        # Alerts of every kind due now (reminders, overdue, escalations) for findings, tasks and agreements.
        raising.scan(datetime.now(UTC))
        world = {
            "users": users,
            "enterprises": db.session.scalars(sa.select(Enterprise.id).order_by(Enterprise.id)).all(),
            "findings": db.session.scalars(sa.select(Finding.id).order_by(Finding.id)).all(),
            "inspections": db.session.scalars(sa.select(Inspection.id).order_by(Inspection.id)).all(),
            "cards": db.session.scalars(sa.select(Card.id).order_by(Card.id)).all(),
            "water_bodies": db.session.scalars(sa.select(WaterBody.id).order_by(WaterBody.id)).all(),
            "premises": db.session.scalars(sa.select(Premises.id).order_by(Premises.id)).all(),
            "tasks": db.session.execute(sa.select(RemediationTask.id, RemediationTask.water_body_id,
                                                  RemediationTask.status).order_by(RemediationTask.id)).all(),
            "local_inspection": inspection.id,
        }
        kinds = {kind.split("_")[0] for kind in db.session.scalars(sa.text("SELECT DISTINCT kind FROM alerts"))}
        subjects = set(db.session.scalars(sa.text("SELECT DISTINCT subject_type FROM alerts")))
        assert kinds == {"due", "overdue", "escalated"}, kinds
        assert subjects == {"finding", "remediation_task", "tenancy_agreement"}, subjects
        return world


def logged_in(app, role: str, lang: str):
    client = app.test_client()
    client.get(f"/login?lang={lang}")
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": LOGINS[role], "password": "demo-password",
                                           "csrf_token": form_token(page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def pages_of(world: dict, role: str) -> list[str]:
    """Every page ``role`` may open (all of them for the manager and the administrator; a few of each kind for
    the others, who see the same templates), and some it may not (their 403 page)."""
    everything = role in ("safety_manager", "admin")

    def some(ids):
        return ids if everything else ids[:3] + ids[-3:]

    paths = ["/", "/today", "/inspect", "/findings", "/extensions", "/cards", "/water-bodies", "/enterprises",
             "/premises", "/alerts", "/findings/999999", "/enterprises?q=%01"]
    paths += [f"/findings?show={show}" for show in ("open", "overdue", "rectification_submitted", "verified", "all")]
    paths += [f"/cards?status={status}" for status in ("active", "lifted")]
    paths += [f"/enterprises/{i}" for i in some(world["enterprises"])]
    paths += [f"/findings/{i}" for i in some(world["findings"])]
    paths += [f"/inspections/{i}" for i in some(world["inspections"]) + [world["local_inspection"]]]
    paths += [f"/cards/{i}" for i in world["cards"]]
    paths += [f"/water-bodies/{i}" for i in world["water_bodies"]]
    paths += [f"/premises/{i}" for i in world["premises"]]
    return paths


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_of_every_role_is_in_one_script(app, world, lang):
    found, walked = {}, 0
    for role in LOGINS:
        client = logged_in(app, role, lang)
        for path in pages_of(world, role):
            response = client.get(path, follow_redirects=True)
            assert response.status_code in (200, 400, 403, 404), (role, path, response.status_code)
            if response.mimetype != "text/html":
                continue
            walked += 1
            for leak in page_leaks(response.get_data(as_text=True), lang):
                found.setdefault(leak, f"{role} {urlsplit(path).path}")
    anonymous = app.test_client()
    for path in (f"/login?lang={lang}", "/login?bye=1", "/login?next=%01"):
        walked += 1
        for leak in page_leaks(anonymous.get(path).get_data(as_text=True), lang):
            found.setdefault(leak, f"anonymous {path}")
    for role, path, form in REFUSED_FORMS:
        walked += 1
        for leak in page_leaks(refused(app, world, role, lang, path, form), lang):
            found.setdefault(leak, f"{role} POST {path}")
    assert walked > 150
    judge(found)


def judge(found: dict[str, str]) -> None:
    """Fail on every leak (``{leak: page}``), naming the page where each was first seen."""
    assert not found, "\n".join(f"{where}: {leak}" for leak, where in sorted(found.items(), key=lambda x: x[1]))

# Forms refused by the services, shown again with their messages (the water pages' task progress among them).
REFUSED_FORMS = [
    ("env_staff", "tasks", {"progress": "", "status": "planned", "deadline": "", "note": ""}),  # nothing changes
    ("env_staff", "tasks", {"progress": "50", "status": "completed", "deadline": "", "note": ""}),
    ("env_staff", "tasks", {"progress": "", "status": "cancelled", "deadline": "", "note": ""}),
    ("safety_manager", "close-off", {"reason": "已达标"}),
]


def refused(app, world, role: str, lang: str, path: str, form: dict) -> str:
    """The page a refused form shows: a planned task's progress form, or closing off a body that is not
    eligible."""
    client = logged_in(app, role, lang)
    if path == "tasks":
        task_id, body_id, _status = next(task for task in world["tasks"] if task[2] == "planned")
        url, prefix = f"/water-bodies/{body_id}/tasks/{task_id}", f"task{task_id}"
    else:
        body_id = world["water_bodies"][1]
        url, prefix = f"/water-bodies/{body_id}/close-off", "close"
    page = client.get(url.split("/tasks")[0].split("/close-off")[0]).get_data(as_text=True)
    data = {f"{prefix}-{key}": value for key, value in form.items()} | {
        f"{prefix}-csrf_token": form_token(page, prefix) if f'name="{prefix}-csrf_token"' in page else form_token(page)}
    response = client.post(url, data=data)
    assert response.status_code in (400, 409), (url, form, response.status_code)
    return response.get_data(as_text=True)


# ---- what the scripts write, in Chromium -------------------------------------------------------------------

# The same reading as :class:`PageText`, of the live document after its scripts ran.
READ_PAGE = """(lang) => {
    const out = [];
    const SKIP = new Set(["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT"]);
    const CODE = new Set(["CODE", "KBD", "SAMP"]);
    const SHOWN = ["title", "alt", "placeholder", "aria-label", "label"];
    function walk(node, exempt, where) {
        for (const child of node.childNodes) {
            if (child.nodeType === Node.TEXT_NODE) {
                if (!exempt && child.data.trim()) out.push([child.data, where]);
                continue;
            }
            if (child.nodeType !== Node.ELEMENT_NODE || SKIP.has(child.tagName)) continue;
            const declared = (child.getAttribute("lang") || "").split("-")[0];
            const mine = exempt || child.hasAttribute("data-user-text") || CODE.has(child.tagName)
                || (declared !== "" && declared !== lang);
            const here = child.tagName.toLowerCase() + (child.id ? `#${child.id}` : "")
                + (child.classList.length ? `.${[...child.classList].slice(0, 2).join(".")}` : "");
            if (!mine) {
                for (const name of SHOWN) {
                    if (child.getAttribute(name)) out.push([child.getAttribute(name), `${here}@${name}`]);
                }
                if (child.tagName === "INPUT" && ["submit", "button", "reset"].includes(child.type) && child.value) {
                    out.push([child.value, `${here}@value`]);
                }
            }
            walk(child, mine, `${where.split(" > ").pop()} > ${here}`);
        }
    }
    walk(document.documentElement, false, "document");
    return out;
}"""


def browser_leaks(page, lang: str) -> list[str]:
    return leaks([Text(text, where) for text, where in page.evaluate(READ_PAGE, lang)], lang)


def demo_login(page, role: str, lang: str) -> None:
    page.goto(f"/login?lang={lang}")
    page.fill("#username", LOGINS[role])
    page.fill("#password", "demo-password")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_what_the_scripts_write_is_in_the_pages_script(app, world, tablet, lang):
    """The alerts inbox (alerts.js), the inspection form with its checklist, a local item's finding panel and a
    refusal (inspect.js), the outbox (outbox.js), the charts' pages (charts.js): read after the scripts ran."""
    from enterprises.models import Enterprise

    with app.app_context():
        chemical = db.session.scalars(sa.select(Enterprise.name).where(Enterprise.sector == "hazardous_chemicals")
                                      .order_by(Enterprise.id)).first()
    found = {}

    def read(page, what, language=lang):
        for leak in browser_leaks(page, language):
            found.setdefault(leak, what)

    context = tablet()
    page = context.new_page()
    demo_login(page, "inspector", lang)
    page.goto("/alerts")
    page.locator("#alerts li.alert").first.wait_for()
    read(page, "inspector /alerts")
    page.goto("/inspect")
    page.fill("#enterprise-q", chemical[:2])
    page.locator("#enterprise-results .choice", has_text=chemical).click()
    page.wait_for_selector("#checklist li.item[data-code='LOCAL-01']")
    # A checklist with parts (industry and trade), those that do not apply unfolded.
    page.locator("label.seg", has=page.locator("input[name=domain][value=industry_trade]")).click()
    page.locator("#checklist .part-title").first.wait_for()
    if page.locator("#toggle-other-parts").count():
        page.locator("#toggle-other-parts").click()
    read(page, "inspector /inspect (industry and trade)")
    page.locator("label.seg", has=page.locator("input[name=domain][value=hazardous_chemicals]")).click()
    page.wait_for_selector("#checklist li.item[data-code='LOCAL-01']")
    page.locator("li.item[data-code='LOCAL-01'] .res-failed span").tap()
    page.locator("li.item[data-code='LOCAL-01'] .finding-panel").wait_for()
    page.click("#submit-inspection")
    page.locator("#form-error:not([hidden])").wait_for()
    read(page, "inspector /inspect")
    # Finished without signal: queued in the outbox, which the next page shows in its own language.
    go_through_sections(page)
    page.locator("li.item[data-code='LOCAL-01'] .f-desc").fill("储罐区入口无风险告知牌")
    context.set_offline(True)
    page.click("#submit-inspection")
    page.locator("#outbox li.outbox-item[data-state='queued']").wait_for()
    read(page, "inspector /inspect (queued)")
    context.set_offline(False)
    other = "en" if lang == "zh" else "zh"  # the same tablet, switched to the other language
    page.goto(f"/today?lang={other}")
    page.locator("#outbox li.outbox-item").wait_for()
    read(page, f"inspector /today?lang={other}", other)

    for role, path, ready in (("env_staff", f"/water-bodies/{world['water_bodies'][0]}", "canvas[data-rendered]"),
                              ("safety_manager", "/cards", "canvas[data-rendered]"),
                              ("safety_manager", "/alerts", "#alerts li.alert")):
        page = tablet().new_page()
        demo_login(page, role, lang)
        page.goto(path)
        page.locator(ready).first.wait_for(state="attached")
        read(page, f"{role} {path}")
    judge(found)
