"""The findings and enterprises lists on the pages: filters in the URL, an inspector's own findings first, the
count and the pager, the Excel export of exactly what is filtered, and in a browser at tablet and desk size:
filter, page, go back and get the same view."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from core.db import db
from tests.inspections.test_findings_search import TODAY, seed  # noqa: F401 (a fixture)


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def _finding_ids(page_html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/findings/(\d+)"', page_html)]


def _links(page_html: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', page_html)
    return html.unescape(found.group(1)) if found else None


def test_an_inspector_lands_on_their_own_findings_and_one_tap_shows_all(login, make_enterprise, seed):  # noqa: F811
    client, me = login("inspector")
    enterprise = make_enterprise(name="港华燃气")
    mine = seed(2, enterprise, inspector_id=me)
    theirs = seed(3, enterprise)
    landing = _page(client, "/findings?lang=en")
    assert _finding_ids(landing) == mine
    assert 'aria-current="page">Mine' in landing
    everyone = _page(client, "/findings?inspector=all")
    assert sorted(_finding_ids(everyone)) == sorted(mine + theirs)
    assert '<option value="all" selected>' in everyone  # the form shows the choice


def test_filters_stay_in_the_url_and_the_form_shows_them(login, make_enterprise, seed):  # noqa: F811
    client, _ = login("safety_manager")
    gas = make_enterprise(name="港华燃气", sector="town_gas", zone="B")
    seed(2, gas, severity="major", description="气瓶间通风不良")
    seed(2, make_enterprise(name="长江化工"))
    url = "/findings?q=气瓶&severity=major&sector=town_gas&zone=B&deadline_to=" + str(TODAY) + "&sort=newest&lang=en"
    shown = _page(client, url)
    assert len(_finding_ids(shown)) == 2
    for fragment in ('value="气瓶"', '<option value="major" selected>', '<option value="town_gas" selected>',
                     'value="B" selected', f'value="{TODAY}"', '<option value="newest" selected>'):
        assert fragment in shown
    assert 'href="/findings">Clear</a>' in shown
    export = re.search(r'href="(/findings/export.xlsx\?[^"]+)"', shown).group(1)
    assert "q=%E6%B0%94%E7%93%B6" in export and "severity=major" in export


def test_count_and_pages_then_cursors(login, make_enterprise, seed):  # noqa: F811
    client, _ = login("safety_manager")
    ids = seed(120, make_enterprise())
    first = _page(client, "/findings?lang=zh")
    assert "第 1–50 条，共 120 条" in first
    assert _finding_ids(first) == ids[:50]
    second = _page(client, _links(first, "next"))
    assert "第 51–100 条，共 120 条" in second and _finding_ids(second) == ids[50:100]
    third = _page(client, _links(second, "next"))
    assert "第 101–120 条" in third and _finding_ids(third) == ids[100:] and _links(third, "next") is None
    back = _page(client, _links(third, "prev"))
    assert _finding_ids(back) == ids[50:100]
    assert _finding_ids(_page(client, "/findings?page=2")) == ids[50:100]


def test_the_total_above_the_cap_reads_as_more(login, make_enterprise, seed, monkeypatch):  # noqa: F811
    from core import keyset

    monkeypatch.setattr(keyset, "COUNT_CAP", 60)
    client, _ = login("safety_manager")
    seed(70, make_enterprise())
    assert "Items 1–50 of 60+" in _page(client, "/findings?lang=en")


@pytest.mark.parametrize(("query", "name"), [("sort=cheapest", "sort"), ("cursor=xyz", "cursor"),
                                              ("deadline_from=2026-02-31", "deadline_from"), ("page=0", "page")])
def test_unreadable_filters_are_refused_naming_them(login, query, name):
    client, _ = login("safety_manager")
    response = client.get(f"/findings?{query}&lang=en")
    assert response.status_code == 400
    assert f"Please correct the filters: {name}." in response.get_data(as_text=True)


def _sheet(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_the_export_holds_exactly_the_filtered_list(app, login, make_enterprise, seed, monkeypatch):  # noqa: F811
    from web import finding_export

    monkeypatch.setattr(finding_export, "BATCH", 7)  # several batches from the database
    client, _ = login("safety_manager")
    gas = make_enterprise(name="=HYPERLINK(\"x\")", sector="town_gas")
    found = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)  # 07:30 the next day in the zone
    wanted = seed(60, gas, severity="major", found=found)
    seed(5, gas)
    seed(4, make_enterprise(sector="construction"), severity="major")
    query = "severity=major&sector=town_gas&sort=newest"
    listed = []
    page = _page(client, f"/findings?{query}")
    while True:
        listed += _finding_ids(page)
        if not (following := _links(page, "next")):
            break
        page = _page(client, following)
    rows = _sheet(client.get(f"/findings/export.xlsx?{query}&lang=zh"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ("编号", "被检查对象", "统一社会信用代码") and "发现时间" in header
    assert [row[0] for row in body] == listed == wanted[::-1]
    assert body[0][1] == '=HYPERLINK("x")'  # text, not a formula
    first = dict(zip(header, body[-1], strict=True))
    assert first["发现时间"] == datetime(2026, 6, 2, 7, 30)  # the zone's wall-clock time
    assert first["隐患级别"] == "重大隐患" and first["行业"] == "城镇燃气"
    english = _sheet(client.get(f"/findings/export.xlsx?{query}&lang=en"))[0]
    assert english[:3] == ("No.", "Party", "Unified social credit code")


def test_enterprises_list_filters_and_pages(app, login, make_enterprise):
    from cards.models import Card

    client, _ = login("inspector")
    red = make_enterprise(name="甲红牌企业", zone="北区", sector="town_gas")
    yellow = make_enterprise(name="乙黄牌企业", zone="北区")
    for n in range(55):
        make_enterprise(name=f"丙企业{n:02d}", zone="南区")
    with app.app_context():
        for enterprise_id, colour in ((red, "red"), (yellow, "yellow")):
            db.session.add(Card(enterprise_id=enterprise_id, colour=colour, issued_colour=colour, origin="manual",
                                issued_on=TODAY))
        db.session.commit()
    assert re.findall(r'href="/enterprises/(\d+)"', _page(client, "/enterprises?card=red")) == [str(red)]
    yellow_page = _page(client, "/enterprises?card=yellow&zone=北区&lang=en")
    assert re.findall(r'href="/enterprises/(\d+)"', yellow_page) == [str(yellow)]
    assert '<option value="yellow" selected>' in yellow_page and 'value="北区" selected' in yellow_page
    assert len(re.findall(r'href="/enterprises/\d+"', _page(client, "/enterprises?card=none"))) == 50
    everyone = _page(client, "/enterprises?zone=北区&lang=zh")  # each row says which card it holds
    assert re.search(r'甲红牌企业.*?<span class="badge colour-red">红牌</span>', everyone, re.S)
    assert re.search(r'乙黄牌企业.*?<span class="badge colour-yellow">黄牌</span>', everyone, re.S)
    assert everyone.count('class="badge colour-') == 2
    south = _page(client, "/enterprises?zone=南区&lang=en")
    assert "Items 1–50 of 55" in south
    rest = _page(client, _links(south, "next"))
    assert "Items 51–55 of 55" in rest and "丙企业54" in rest
    assert _page(client, "/enterprises?sector=town_gas").count('href="/enterprises/') == 1


@pytest.mark.parametrize("viewport", [{"width": 800, "height": 1280}, {"width": 1440, "height": 900}],
                         ids=["tablet-portrait", "desk"])
def test_filter_page_and_back_in_a_browser(tablet, browser_login, make_enterprise, seed, screenshots,  # noqa: F811
                                           viewport):
    context = tablet(viewport=viewport)
    page = context.new_page()
    me = browser_login(page, "inspector")
    enterprise = make_enterprise(name="港华燃气有限公司")
    mine = seed(70, enterprise, inspector_id=me, severity="major")
    seed(30, enterprise, inspector_id=me)
    seed(5, make_enterprise(name="长江化工"))
    page.goto("/findings?lang=zh")
    panel = page.locator("details.filter-panel")
    portrait = viewport["width"] < 1000
    assert panel.evaluate("d => d.open") is (not portrait)  # folded upright, open at a desk
    if portrait:
        page.locator("details.filter-panel > summary").tap()
    page.select_option("#f-severity", "major")
    page.fill("#f-q", "港华")
    for target in page.locator(".filters select, .filters input, .filters .btn, .tabs a").all():
        box = target.bounding_box()
        assert box["height"] >= 44, target.evaluate("e => e.outerHTML")
    page.click(".filters button[type=submit]")
    page.wait_for_url(re.compile(r"severity=major"))
    assert "第 1–50 条，共 70 条" in page.inner_text(".list-count")
    first_view = (page.url, page.locator(".cards-list a").first.get_attribute("href"))
    screenshots(page, f"findings-list-{viewport['width']}")
    page.click("a[rel=next]")
    page.wait_for_url(re.compile(r"cursor="))
    assert "第 51–70 条，共 70 条" in page.inner_text(".list-count")
    assert page.locator(".cards-list a").first.get_attribute("href") == f"/findings/{mine[50]}"
    page.go_back()
    page.wait_for_url(first_view[0])
    assert (page.url, page.locator(".cards-list a").first.get_attribute("href")) == first_view
    assert page.input_value("#f-q") == "港华" and page.input_value("#f-severity") == "major"
    page.click(".tabs a:not([aria-current])")  # 全部: everyone's, the other filters kept
    page.wait_for_url(re.compile(r"inspector=all"))
    assert "共 70 条" in page.inner_text(".list-count") and page.input_value("#f-severity") == "major"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_seeded_times_are_what_the_list_sorts(login, make_enterprise, seed):  # noqa: F811
    """The ``newest`` order on the page: latest found first."""
    client, _ = login("safety_manager")
    older = seed(1, make_enterprise(), found=datetime(2026, 1, 1, tzinfo=UTC))
    newer = seed(1, make_enterprise(), found=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=3))
    assert _finding_ids(_page(client, "/findings?sort=newest")) == newer + older
