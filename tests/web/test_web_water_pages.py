"""Environmental staff's pages: water bodies against target, the trend chart, tasks, sample entry and import,
closing off by a safety manager, and who may see and do what."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.db import db
from remediation.models import RemediationTask, Sample, WaterBody
from tests.web.conftest import WORSE_THAN_V, csrf_from, form_token


def section_id(app, body_id, code):
    with app.app_context():
        return next(s.id for s in db.session.get(WaterBody, body_id).sections if s.code == code)


@pytest.mark.parametrize("roles, allowed", [(("env_staff",), True), (("safety_manager",), True), (("admin",), True),
                                            (("inspector",), False)])
def test_water_pages_are_for_environmental_staff_managers_and_admins(login, body, roles, allowed):
    client, _ = login(*roles)
    for url in ("/water-bodies", f"/water-bodies/{body}"):
        assert client.get(url).status_code == (200 if allowed else 403)
    nav = client.get("/enterprises").get_data(as_text=True)
    assert ('href="/water-bodies"' in nav) == allowed


@pytest.mark.parametrize("roles", [("inspector",), ("safety_manager",), ("admin",)])
def test_only_environmental_staff_enter_and_import_samples(app, login, body, roles):
    client, _ = login(*roles)
    token = csrf_from(client.get("/enterprises").get_data(as_text=True))
    for url in (f"/water-bodies/{body}/samples", f"/water-bodies/{body}/samples/import",
                f"/water-bodies/{body}/tasks", f"/water-bodies/{body}/tasks/1"):
        assert client.post(url, headers={"X-CSRFToken": token}).status_code == 403


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_list_shows_current_class_against_target(login, body, lang):
    client, _ = login("env_staff")
    html = client.get(f"/water-bodies?lang={lang}").get_data(as_text=True)
    assert "和平河" in html and 'class="badge wq wq-3"' in html and 'class="badge wq wq-4"' in html
    if lang == "zh":
        assert "Ⅲ类" in html and "达到目标" in html and "Water bodies" not in html
    else:
        assert "Class III" in html and "Meets target" in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_body_page_has_the_trend_chart_tasks_and_forms(login, body, lang):
    client, _ = login("env_staff")
    response = client.get(f"/water-bodies/{body}?lang={lang}")
    html = response.get_data(as_text=True)
    data = json.loads(re.search(r'id="chart-data-trend">(.*?)</script>', html, re.S).group(1))
    assert len(data["labels"]) == 12 and data["scale"] == "water_class"
    sections = {d["label"]: d["data"] for d in data["datasets"] if not d.get("target")}
    assert set(sections) == {"上游断面", "下游断面"}
    assert sections["上游断面"][-1] == 3 and 6 in sections["上游断面"]
    assert None in sections["下游断面"]  # months without a sample are gaps, not zeros
    target = next(d for d in data["datasets"] if d.get("target"))
    assert target["data"] == [4] * 12
    assert '<progress max="100" value="0"' in html and "overdue-task" in html
    assert "清淤 &lt;i&gt;河道&lt;/i&gt;" in html
    assert 'name="sample-item_nh3n"' in html and 'name="import-file"' in html
    assert ("录入样品" in html) == (lang == "zh") and ("Enter a sample" in html) == (lang == "en")
    assert f'action="/water-bodies/{body}/close-off"' not in html  # not for environmental staff


def sample_form(client, body, **fields):
    page = client.get(f"/water-bodies/{body}").get_data(as_text=True)
    return client.post(f"/water-bodies/{body}/samples", data={"sample-csrf_token": form_token(page, "sample")} | {
        f"sample-{k}": v for k, v in fields.items()})


def test_a_sample_entered_on_the_page_is_stored_and_classified(app, login, body):
    client, user = login("env_staff")
    section = section_id(app, body, "S-02")
    when = (datetime.now() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = sample_form(client, body, section=section, sampled_dt=when, item_nh3n="1,2", item_ph="7.1",
                           item_do="6", note="现场")
    assert response.status_code == 302
    with app.app_context():
        sample = db.session.scalars(sa.select(Sample).where(Sample.section_id == section)
                                    .order_by(Sample.created_dt.desc())).first()
        assert sample.value_map == {"ph": 7.1, "do": 6.0, "nh3n": 1.2} and sample.created_by_id == user
    assert "样品已保存：下游断面 为Ⅳ类" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_sample_errors_of_the_service_are_shown_on_their_fields(app, login, body):
    client, _ = login("env_staff")
    section = section_id(app, body, "S-01")
    when = (datetime.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = sample_form(client, body, section=section, sampled_dt=when, item_nh3n="-1", item_tp="abc")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for item in ("nh3n", "tp"):
        block = re.search(rf'<div class="field has-error"><label for="sample-item_{item}">.*?</div>', html, re.S)
        assert block and 'class="field-error"' in block.group(0), item
    assert 'value="abc"' in html  # what was typed stays
    assert "氨氮不能为负数" in html  # the service's words, in the page's language
    nothing = sample_form(client, body, section=section, sampled_dt=when)
    assert nothing.status_code == 400 and "至少填写一项监测值" in nothing.get_data(as_text=True)
    future = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    later = sample_form(client, body, section=section, sampled_dt=future, item_nh3n="1")
    assert later.status_code == 400 and "在未来" in later.get_data(as_text=True)
    client.get(f"/water-bodies/{body}?lang=en")
    english = sample_form(client, body, section=section, sampled_dt=when, item_ph="15").get_data(as_text=True)
    assert "pH must be between 0 and 14, got 15.0" in english


def upload(client, body, content: bytes, name="lab.csv", section=0):
    page = client.get(f"/water-bodies/{body}").get_data(as_text=True)
    return client.post(f"/water-bodies/{body}/samples/import", content_type="multipart/form-data", data={
        "import-csrf_token": form_token(page, "import"), "import-section": str(section),
        "import-file": (io.BytesIO(content), name)})


def count_samples(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Sample))


def test_a_lab_file_is_imported_with_the_remediation_importer(app, login, body):
    client, _ = login("env_staff")
    before = count_samples(app)
    day = (date.today() - timedelta(days=1)).isoformat()
    csv = f"断面编码,采样时间,氨氮(mg/L),pH\nS-01,{day} 09:00,0.8,7.2\nS-02,{day} 09:30,1.6,7.3\n"
    response = upload(client, body, csv.encode())
    assert response.status_code == 302
    assert count_samples(app) == before + 2
    assert "已导入 2 个样品" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_lab_file_with_a_bad_line_imports_nothing_and_says_why(app, login, body):
    client, _ = login("env_staff")
    before = count_samples(app)
    day = (date.today() - timedelta(days=1)).isoformat()
    csv = f"断面编码,采样时间,氨氮(mg/L)\nS-01,{day} 10:00,0.8\nS-09,{day} 10:00,-3\n"
    response = upload(client, body, csv.encode("gb18030"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "第 3 行" in html and "未导入任何数据" in html
    assert "没有编码或名称为 &#39;S-09&#39; 的监测断面" in html and "氨氮不能为负数" in html  # the page's language
    assert count_samples(app) == before
    wrong = upload(client, body, b"x", name="lab.txt")
    assert wrong.status_code == 400 and "请上传 CSV 或 XLSX 文件" in wrong.get_data(as_text=True)


def close_off(client, body, reason="连续达标，同意销号"):
    """Posts the close-off form; the page's own CSRF token, as the form is not shown when not eligible."""
    page = client.get(f"/water-bodies/{body}").get_data(as_text=True)
    return client.post(f"/water-bodies/{body}/close-off", data={"close-csrf_token": csrf_from(page),
                                                                "close-reason": reason})


def test_a_safety_manager_closes_off_an_eligible_body(app, login, body):
    client, manager = login("safety_manager")
    page = client.get(f"/water-bodies/{body}").get_data(as_text=True)
    assert f'action="/water-bodies/{body}/close-off"' in page and "符合销号条件" in page
    response = close_off(client, body)
    assert response.status_code == 302
    with app.app_context():
        closed = db.session.get(WaterBody, body)
        assert (closed.listed_status, closed.closed_off_by_id) == ("closed_off", manager)
    page = client.get(f"/water-bodies/{body}?lang=en").get_data(as_text=True)
    assert "Closed off on" in page and "连续达标，同意销号" in page


def test_a_body_not_eligible_shows_why_and_refuses_closing(app, login, water):
    body = water.body(name="东沟", closure_months=3)
    section = water.section(body, "东沟断面", "E-01")
    water.sample(section, datetime.now(UTC) - timedelta(hours=1), WORSE_THAN_V)
    client, _ = login("safety_manager")
    page = client.get(f"/water-bodies/{body}").get_data(as_text=True)
    assert "不能销号" in page and f'action="/water-bodies/{body}/close-off"' not in page
    english = client.get(f"/water-bodies/{body}?lang=en").get_data(as_text=True)
    assert "Not eligible for closure" in english
    response = close_off(client, body)
    # in English: the language chosen last stays
    assert response.status_code == 409 and "Not closed off" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(WaterBody, body).listed_status != "closed_off"


def test_environmental_staff_cannot_close_off(login, body):
    client, _ = login("env_staff")
    token = csrf_from(client.get("/enterprises").get_data(as_text=True))
    assert client.post(f"/water-bodies/{body}/close-off", headers={"X-CSRFToken": token},
                       data={"close-reason": "x"}).status_code == 403


def task_form(client, body, url, prefix, **fields):
    page = client.get(f"/water-bodies/{body}").get_data(as_text=True)
    return client.post(url, data={f"{prefix}-csrf_token": csrf_from(page)} | {
        f"{prefix}-{k}": v for k, v in fields.items()})


def tasks_of(app, body):
    with app.app_context():
        return {t.description: (t.status, t.progress, t.deadline, [e.action for e in t.events]) for t in
                db.session.scalars(sa.select(RemediationTask).where(RemediationTask.water_body_id == body))}


def test_environmental_staff_add_a_task_on_the_page(app, login, water):
    body = water.body(name="新塘河")
    client, _ = login("env_staff")
    deadline = date.today() + timedelta(days=60)
    added = task_form(client, body, f"/water-bodies/{body}/tasks", "newtask", measure="sewage_interception",
                      description="截污纳管 <b>一期</b>", responsible_unit="港城镇政府", deadline=deadline.isoformat())
    assert added.status_code == 302
    assert tasks_of(app, body) == {"截污纳管 <b>一期</b>": ("planned", 0, deadline, ["created"])}
    page = client.get(f"/water-bodies/{body}").get_data(as_text=True)
    assert "已添加" in page and "截污纳管 &lt;b&gt;一期&lt;/b&gt;" in page and "整治中" in page
    empty = task_form(client, body, f"/water-bodies/{body}/tasks", "newtask", measure="dredging", description="",
                      deadline=deadline.isoformat())
    long_ago = task_form(client, body, f"/water-bodies/{body}/tasks", "newtask", measure="dredging",
                         description="清淤", deadline=(date.today() - timedelta(days=400)).isoformat())
    assert empty.status_code == 400 and long_ago.status_code == 400
    html = long_ago.get_data(as_text=True)
    assert re.search(r'has-error">\s*<label for="newtask-deadline">.*?期限早于一年以前', html, re.S)
    assert len(tasks_of(app, body)) == 1


def test_progress_is_reported_and_the_service_rules_hold(app, login, water):
    body = water.body(name="新塘河")
    deadline = date.today() + timedelta(days=30)
    task = water.task(body, deadline, description="清淤")["id"]
    client, _ = login("env_staff")
    url = f"/water-bodies/{body}/tasks/{task}"
    prefix = f"task{task}"
    assert task_form(client, body, url, prefix, progress="40", status="planned").status_code == 302
    assert tasks_of(app, body)["清淤"] == ("in_progress", 40, deadline, ["created", "in_progress"])
    cancel = task_form(client, body, url, prefix, progress="40", status="cancelled", note="")
    assert cancel.status_code == 400 and "取消任务需填写原因" in cancel.get_data(as_text=True)
    later = (deadline + timedelta(days=30)).isoformat()
    moved = task_form(client, body, url, prefix, progress="40", status="in_progress", deadline=later, note="")
    assert moved.status_code == 400 and "修改期限需填写原因" in moved.get_data(as_text=True)
    client.get("/water-bodies?lang=en")
    english = task_form(client, body, url, prefix, progress="40", status="cancelled", note="")
    assert "cancelling a task needs a reason" in english.get_data(as_text=True)
    client.get("/water-bodies?lang=zh")
    assert tasks_of(app, body)["清淤"][:3] == ("in_progress", 40, deadline)  # nothing changed by the refusals
    done = task_form(client, body, url, prefix, progress="40", status="completed")
    assert done.status_code == 302
    assert tasks_of(app, body)["清淤"][:2] == ("completed", 100)
    page = client.get(f"/water-bodies/{body}").get_data(as_text=True)
    assert f'action="{url}"' not in page  # a completed task takes no more reports
    other = water.body(name="东沟")
    assert client.post(f"/water-bodies/{other}/tasks/{task}", data={}).status_code in (400, 404)


def _details_form(client, body, **changes):
    page = client.get(f"/water-bodies/{body}").get_data(as_text=True)
    current = {name: re.search(rf'id="body-{name}"[^>]*value="([^"]*)"', page).group(1)
               for name in ("name", "township", "river_chief", "responsible_unit", "closure_months")}
    current |= {"kind": "river", "target_class": "4"}
    return client.post(f"/water-bodies/{body}/details", data={"body-csrf_token": form_token(page, "body")} | {
        f"body-{k}": v for k, v in (current | changes).items()})


def test_environmental_staff_change_the_river_chief_and_the_rule(app, login, water):
    from audit.models import AuditEntry

    body = water.body(name="新塘河", river_chief="刘志华", township="港城镇")
    client, _ = login("env_staff")
    saved = _details_form(client, body, river_chief=" 陈建国 ", closure_months="6")
    assert saved.status_code == 302
    with app.app_context():
        stored = db.session.get(WaterBody, body)
        assert (stored.river_chief, stored.closure_months, stored.township) == ("陈建国", 6, "港城镇")
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "water_body.updated")).one()
        assert entry.before == {"river_chief": "刘志华", "closure_months": 3}
    page = client.get(f"/water-bodies/{body}?lang=zh").get_data(as_text=True)
    assert "陈建国" in page and "编辑" in page
    unchanged = _details_form(client, body)
    assert unchanged.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "water_body.updated")) == 1


def test_a_refused_edit_names_the_field_and_changes_nothing(app, login, water):
    water.body(name="和平河")
    body = water.body(name="新塘河", river_chief="刘志华")
    client, _ = login("env_staff")
    taken = _details_form(client, body, name="和平河", river_chief="陈建国")
    assert taken.status_code == 409
    assert re.search(r'has-error">\s*<label for="body-name">.*?水体 和平河 已存在', taken.get_data(as_text=True), re.S)
    months = _details_form(client, body, closure_months="0")
    assert months.status_code == 400
    assert re.search(r'has-error">\s*<label for="body-closure_months"', months.get_data(as_text=True))
    with app.app_context():
        stored = db.session.get(WaterBody, body)
        assert (stored.name, stored.river_chief, stored.closure_months) == ("新塘河", "刘志华", 3)


@pytest.mark.parametrize("roles", [("inspector",), ("safety_manager",)])
def test_only_environmental_staff_edit_a_body(login, water, roles):
    body = water.body(name="新塘河")
    client, _ = login(*roles)
    token = csrf_from(client.get("/enterprises").get_data(as_text=True))
    assert client.post(f"/water-bodies/{body}/details", headers={"X-CSRFToken": token}).status_code == 403
    if roles == ("safety_manager",):
        assert 'id="edit-body"' not in client.get(f"/water-bodies/{body}").get_data(as_text=True)


@pytest.mark.parametrize(("name", "shown"), [("和平河10月监测.csv", "和平河10月监测.csv"),
                                             ("C:\\实验室\\lab report.csv", "lab report.csv"),
                                             ("../../etc/lab.csv", "lab.csv")])
def test_the_import_names_the_file_the_user_chose(app, login, body, name, shown):
    """Messages about the file name it as the user knows it (no folder part), never a temporary name."""
    client, _ = login("env_staff")
    before = count_samples(app)
    response = upload(client, body, "甲,乙\n1,2\n".encode(), name=name)  # no known header
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and f"{shown}：" in html, html
    assert "upload.csv" not in html
    assert count_samples(app) == before
