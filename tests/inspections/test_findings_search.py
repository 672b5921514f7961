"""The findings list of the API: search, filters, the three orders, page numbers and cursors, the capped total,
and 422s naming the query parameter for what cannot be read."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from core.db import db
from tests.conftest import inspection_payload

TODAY = date.today()


@pytest.fixture
def seed(app, make_user):
    """``seed(count, enterprise_id, inspector_id=None, **finding fields)`` → ids of ``count`` findings of one new
    inspection, written straight to the database (the list is what is tested, not the recording); deadlines
    step a day apart from ``deadline`` (default 10 days ago) and found times an hour apart."""
    from inspections.models import Finding, Inspection

    def make(count, enterprise_id, inspector_id=None, domain="hazardous_chemicals", deadline=None, found=None,
             **fields):
        inspector_id = inspector_id or make_user("inspector")[0]
        deadline = deadline or TODAY - timedelta(days=10)
        found = found or datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
        with app.app_context():
            inspection = Inspection(client_id=str(uuid.uuid4()), payload_sha256="0" * 64, enterprise_id=enterprise_id,
                                    domain=domain, inspector_id=inspector_id, inspected_dt=found)
            values = {"description": "隐患", "category": "thing", "severity": "general", "status": "open",
                      "item_code": "HC-01"} | fields
            for n in range(count):
                inspection.findings.append(Finding(enterprise_id=enterprise_id, deadline=deadline + timedelta(days=n),
                                                   found_dt=found + timedelta(hours=n), **values))
            db.session.add(inspection)
            db.session.commit()
            return [finding.id for finding in inspection.findings]

    return make


def _list(client, headers, query=""):
    response = client.get(f"/api/v1/findings?{query}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json, json.loads(response.headers["X-Pagination"])


def _ids(client, headers, query=""):
    return [row["id"] for row in _list(client, headers, query)[0]]


def test_search_by_enterprise_name_credit_code_and_description(client, auth, make_enterprise, seed):
    harbour = make_enterprise(name="港华燃气有限公司")
    other = make_enterprise(name="长江化工")
    gas = seed(2, harbour)
    chem = seed(1, other, description="储罐区静电接地 50%_损坏")
    headers = auth("safety_manager")
    assert _ids(client, headers, "q=港华") == gas
    from enterprises.models import Enterprise

    with client.application.app_context():
        code = db.session.get(Enterprise, other).credit_code
    assert _ids(client, headers, f"q={code[-8:].lower()}") == chem  # part of the code, any case
    assert _ids(client, headers, "q=静电接地") == chem
    assert _ids(client, headers, "q=50%25_") == chem  # % and _ are plain characters
    assert _ids(client, headers, "q=5%25") == []


def test_search_names_premises_and_person_landlords(client, auth, make_premises):
    premises_id = make_premises(landlord="person", name="港城工业园9号厂房")
    payload = inspection_payload(None, premises_id=premises_id, domain="premises", checklist=[], findings=[
        {"item_code": None, "description": "疏散通道堵塞", "category": "thing"}])
    response = client.post("/api/v1/inspections", headers=auth("inspector"), json=payload)
    assert response.status_code == 201, response.json
    headers = auth("safety_manager")
    by_name = _ids(client, headers, "q=9号厂房")
    assert by_name and by_name == _ids(client, headers, "q=张建国")
    assert _ids(client, headers, "q=9号厂房&source=observation") == by_name


def test_filters(client, auth, make_enterprise, make_user, seed):
    gas_zone_b = make_enterprise(sector="town_gas", zone="B")
    chemicals = make_enterprise(sector="hazardous_chemicals", zone="A")
    me, other = make_user("inspector")[0], make_user("inspector")[0]
    late = seed(2, gas_zone_b, inspector_id=me, domain="gas")  # deadlines 10 and 9 days ago: overdue
    major = seed(1, chemicals, inspector_id=other, severity="major", deadline=TODAY + timedelta(days=5),
                 item_code=None)
    closed = seed(1, chemicals, inspector_id=other, status="verified", deadline=TODAY - timedelta(days=30))
    waiting = seed(1, chemicals, inspector_id=me, status="rectification_submitted", deadline=TODAY)
    headers = auth("safety_manager")
    assert _ids(client, headers) == closed + late + waiting + major  # earliest deadline first
    assert _ids(client, headers, "status=unclosed") == late + waiting + major
    assert _ids(client, headers, "status=verified") == closed
    assert _ids(client, headers, "status=all") == _ids(client, headers)
    assert _ids(client, headers, "severity=major") == major
    assert _ids(client, headers, "domain=gas") == late
    assert _ids(client, headers, "sector=town_gas") == late
    assert _ids(client, headers, "zone=A") == closed + waiting + major
    assert _ids(client, headers, "overdue=true") == late
    assert _ids(client, headers, "overdue=false") == closed + waiting + major
    assert _ids(client, headers, f"deadline_from={TODAY}") == waiting + major
    assert _ids(client, headers, f"deadline_to={TODAY - timedelta(days=10)}") == closed + late[:1]
    assert _ids(client, headers, f"inspector={other}") == closed + major
    assert _ids(client, headers, "source=observation") == major
    assert _ids(client, headers, "source=checklist") == closed + late + waiting
    assert _ids(client, headers, "source=agreement") == []
    assert _ids(client, headers, f"inspector={me}&domain=gas&overdue=true&q=企业") == late


def test_inspector_me_is_the_caller(client, app, make_enterprise, seed):
    from accounts import service
    from accounts.models import User

    enterprise = make_enterprise()
    with app.app_context():
        user = service.create_user("lists-me", "correct horse", ["inspector"])
        db.session.commit()
        token, _ = service.issue_token(db.session.get(User, user.id), 1)
        db.session.commit()
        mine = seed(2, enterprise, inspector_id=user.id)
    seed(3, enterprise)
    headers = {"Authorization": f"Bearer {token}"}
    assert _ids(client, headers, "inspector=me") == mine
    assert len(_ids(client, headers, "inspector=all")) == 5


def test_sorts_break_ties_by_id(client, auth, make_enterprise, seed):
    enterprise = make_enterprise()
    same_day = seed(3, enterprise, deadline=TODAY, found=datetime(2026, 5, 1, tzinfo=UTC))
    later = seed(1, enterprise, deadline=TODAY - timedelta(days=1), found=datetime(2026, 7, 1, tzinfo=UTC))
    headers = auth("safety_manager")
    assert _ids(client, headers, "sort=deadline") == later + same_day
    assert _ids(client, headers, "sort=found") == same_day + later
    assert _ids(client, headers, "sort=newest") == later + same_day[::-1]


@pytest.mark.parametrize("sort", ["deadline", "found", "newest"])
def test_cursor_pages_cover_the_list_once_both_ways(client, auth, make_enterprise, seed, sort):
    enterprise = make_enterprise()
    seed(12, enterprise, deadline=TODAY)  # one deadline for all: the id alone orders them
    seed(11, enterprise)
    headers = auth("safety_manager")
    whole = _ids(client, headers, f"sort={sort}&page_size=100")
    pages, query, cursor = [], f"sort={sort}&page_size=5", None
    while True:
        rows, paging = _list(client, headers, query + (f"&cursor={cursor}" if cursor else ""))
        pages.append(([row["id"] for row in rows], paging))
        cursor = paging["next_cursor"]
        if cursor is None:
            break
    assert [i for ids, _ in pages for i in ids] == whole
    assert [(p["first_item"], p["last_item"], p["total"]) for _, p in pages] == [
        (1, 5, 23), (6, 10, 23), (11, 15, 23), (16, 20, 23), (21, 23, 23)]
    # Back from the last page, page by page, to the first.
    back, cursor = [], pages[-1][1]["previous_cursor"]
    while cursor:
        rows, paging = _list(client, headers, f"{query}&cursor={cursor}")
        back.append(([row["id"] for row in rows], paging["first_item"]))
        cursor = paging["previous_cursor"]
    assert back == [(ids, paging["first_item"]) for ids, paging in pages[-2::-1]]
    # Page numbers agree with the cursors.
    assert _ids(client, headers, f"{query}&page=3") == pages[2][0]


def test_total_is_capped(app, client, auth, make_enterprise, seed, monkeypatch):
    from core import keyset

    monkeypatch.setattr(keyset, "COUNT_CAP", 4)
    seed(6, make_enterprise())
    rows, paging = _list(client, auth("safety_manager"), "page_size=2")
    assert (paging["total"], paging["total_is_capped"], len(rows)) == (4, True, 2)


@pytest.mark.parametrize(("query", "field"), [
    ("cursor=not-a-cursor", "cursor"),
    ("cursor=WyJkZWFkbGluZSIsImFmdGVyIiwiWzFdIiwwXQ", "cursor"),  # valid base64 and JSON, wrong shape
    ("cursor=WyJkZWFkbGluZSIsImFmdGVyIixbIjIwMjYtMTMtMDEiLDFdLDBd", "cursor"),  # a month 13
    ("cursor=WyJkZWFkbGluZSIsImFmdGVyIixbIjIwMjYtMDEtMDEiLHRydWVdLDBd", "cursor"),  # an id that is true
    ("cursor=WyJkZWFkbGluZSIsImFmdGVyIixbIjIwMjYtMDEtMDEiLDk5OTk5OTk5OTk5OTk5OTk5OTk5XSwwXQ", "cursor"),  # 10^20
    ("sort=id;DROP%20TABLE%20findings", "sort"),
    ("sort=found&cursor=WyJkZWFkbGluZSIsImFmdGVyIixbIjIwMjYtMDEtMDEiLDFdLDBd", "cursor"),  # another sort's
    ("deadline_from=2026-02-30", "deadline_from"),
    ("deadline_from=2026-05-02&deadline_to=2026-05-01", "deadline_to"),
    ("inspector=someone", "inspector"),
    ("inspector=99999999999", "inspector"),
    ("source=email", "source"),
    ("sector=fishing", "sector"),
    ("status=closed", "status"),
])
def test_unreadable_query_is_a_422_naming_the_parameter(client, auth, query, field):
    response = client.get(f"/api/v1/findings?{query}", headers=auth("inspector"))
    assert response.status_code == 422, response.json
    assert list(response.json["errors"]["query"]) == [field]


def test_page_numbers_reach_so_far_in_a_long_list(client, auth, make_enterprise, seed, monkeypatch):
    """Deeper than ``MAX_OFFSET`` rows of a list longer than the count cap, a page number is refused (the cursor
    goes on); past the end of a shorter list a page is empty, however far."""
    from core import keyset

    monkeypatch.setattr(keyset, "COUNT_CAP", 8)
    monkeypatch.setattr(keyset, "MAX_OFFSET", 4)
    seed(10, make_enterprise())
    headers = auth("safety_manager")
    assert len(_ids(client, headers, "page_size=2&page=3")) == 2  # skips 4 rows: within reach
    response = client.get("/api/v1/findings?page_size=2&page=4", headers=headers)
    assert response.status_code == 422 and "cursor" in response.json["errors"]["query"]["page"][0]
    assert _ids(client, headers, "page_size=2&page=4&severity=major") == []  # none: past the end


def test_a_cursor_reads_back_the_keys_of_its_sort(client, auth, make_enterprise, seed):
    """A cursor of ``found`` holds an aware instant: read back, the next page starts right after it."""
    seed(3, make_enterprise())
    headers = auth("safety_manager")
    first, paging = _list(client, headers, "sort=found&page_size=1")
    second, _ = _list(client, headers, f"sort=found&page_size=1&cursor={paging['next_cursor']}")
    assert second[0]["id"] == first[0]["id"] + 1
