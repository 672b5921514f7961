"""Paging of the lists (findings, enterprises) so that a page costs the same at any depth and any table size.

- Page numbers (``page``, OFFSET) only for the first pages: ``MAX_OFFSET`` rows at most are skipped; deeper, a
  ``cursor`` (keyset paging: ``WHERE (key, id) > (last key, last id)``, read along an index) goes on from where
  the previous page ended, or back from where it began.
- A cursor is opaque to callers: base64url of JSON ``[sort, direction, [key..., id], position]``, where
  ``position`` (how many rows come before the anchor) only numbers the rows shown ("第 51–100 条"); a cursor
  that cannot be read, or is of another sort, is a 422 at ``query.cursor``.
- The total is a capped count: the filtered rows are counted up to ``COUNT_CAP + 1`` (a walk of at most that
  many index entries, never the whole table), and anything above is reported as "more than ``COUNT_CAP``".
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from marshmallow import Schema, fields, validate

from core.api import MAX_ID
from core.db import db
from core.errors import Invalid
from core.text import Text

COUNT_CAP = 10_000
MAX_OFFSET = 2_000  # rows skipped by a page number at most; deeper pages are reached with a cursor


@dataclass(frozen=True)
class Sort:
    """A list order: ``columns`` (the last one unique, the id) all ascending, or all descending."""

    columns: tuple
    descending: bool = False

    def order_by(self, reverse: bool = False) -> list:
        down = self.descending != reverse
        return [column.desc() if down else column.asc() for column in self.columns]

    def after(self, values: list, reverse: bool = False):
        """Rows after ``values`` in this order (before them when ``reverse``)."""
        row = sa.tuple_(*self.columns)
        anchor = sa.tuple_(*(sa.literal(v, c.type) for c, v in zip(self.columns, values, strict=True)))
        return row < anchor if self.descending != reverse else row > anchor


@dataclass
class Page:
    """One page of a list. ``first`` is the 1-based position of the first row (0 when empty); ``total`` is
    capped at ``COUNT_CAP`` with ``more`` telling that there are more rows than that."""

    rows: list
    size: int
    total: int
    more: bool
    first: int
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    def headers(self) -> dict:
        """The API's ``X-Pagination`` header: a JSON object (``PaginationSchema``)."""
        return {"X-Pagination": json.dumps({
            "total": self.total, "total_is_capped": self.more, "page_size": self.size, "first_item": self.first,
            "last_item": self.last, "next_cursor": self.next_cursor, "previous_cursor": self.previous_cursor})}


class PaginationSchema(Schema):
    """What ``X-Pagination`` holds (a JSON object)."""

    total = fields.Integer(metadata={"description": f"rows matching the filters, counted up to {COUNT_CAP}"})
    total_is_capped = fields.Boolean(metadata={"description": f"there are more than {COUNT_CAP} rows"})
    page_size = fields.Integer()
    first_item = fields.Integer(metadata={"description": "position of the page's first row (1-based; 0: empty)"})
    last_item = fields.Integer()
    next_cursor = fields.String(allow_none=True, metadata={"description": "give as cursor for the next page"})
    previous_cursor = fields.String(allow_none=True, metadata={"description": "give as cursor for the page before"})


class ListPageSchema(Schema):
    """Paging of a list (``core.keyset``): a page number for the first pages, a cursor for any depth."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1), metadata={
        "description": f"page number, while it skips at most {MAX_OFFSET} rows; deeper, use cursor"})
    page_size = fields.Integer(load_default=10, validate=validate.Range(1, 100))
    cursor = Text(validate=validate.Length(max=500), metadata={
        "description": "next_cursor or previous_cursor of X-Pagination: the page after (before) the one it came "
                       "with; page is then ignored"})


PAGINATION_HEADER = {"X-Pagination": {"description": "paging of the list, a JSON object",
                                      "content": {"application/json": {"schema": PaginationSchema}}}}


def _bad(name: str, message: str) -> Invalid:
    return Invalid(message, errors={"query": {name: [message]}})


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def _typed(column, value):
    """A cursor's key value back as the column's Python type; ``ValueError``/``TypeError`` when it is not one."""
    kind = getattr(column.type, "impl", column.type).python_type  # a TypeDecorator says ``object``
    if kind is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive time")
        return parsed
    if kind is date:
        return date.fromisoformat(value)
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)) or not isinstance(value, kind):
        raise TypeError(f"{value!r} is not {kind.__name__}")
    if kind is int and not -MAX_ID - 1 <= value <= MAX_ID:  # an INTEGER column: the database would fail on it
        raise ValueError(f"{value} is out of range")
    return value


def _encode(sort_name: str, direction: str, values: list, position: int) -> str:
    raw = json.dumps([sort_name, direction, [_plain(v) for v in values], position], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, sort_name: str, sort: Sort) -> tuple[str, list, int]:
    """(direction, key values, position) of ``cursor``; ``Invalid`` at ``query.cursor`` when it is not one of
    ours for this sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, direction, values, position = json.loads(raw)
        if name != sort_name:
            raise _bad("cursor", f"this cursor is for the sort '{name}', not '{sort_name}': start again from the "
                                 "first page")
        if direction not in ("after", "before") or len(values) != len(sort.columns) or not isinstance(position, int):
            raise ValueError("shape")
        return direction, [_typed(c, v) for c, v in zip(sort.columns, values, strict=True)], max(position, 0)
    except Invalid:
        raise
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, OverflowError):
        raise _bad("cursor", "not a cursor of this list: use next_cursor or previous_cursor as given") from None


def capped_count(query: sa.Select) -> tuple[int, bool]:
    """How many rows ``query`` has, counted up to ``COUNT_CAP``: (count, whether there are more)."""
    probe = query.order_by(None).with_only_columns(sa.literal_column("1"), maintain_column_froms=True)
    found = db.session.scalar(sa.select(sa.func.count()).select_from(probe.limit(COUNT_CAP + 1).subquery()))
    return min(found, COUNT_CAP), found > COUNT_CAP


def fetch(query: sa.Select, sort_name: str, sort: Sort, size: int, page: int = 1, cursor: str | None = None,
          count: bool = True) -> Page:
    """Page ``page`` (1-based) of ``query`` in ``sort`` order, or the page after/before ``cursor``; raises
    ``Invalid`` (422) at ``query.page`` when the page number would skip more than ``MAX_OFFSET`` rows of a list
    longer than ``COUNT_CAP`` (a page past the end of a shorter one is empty), and at ``query.cursor`` for a cursor
    not of this list. Two statements: the rows (``size`` + 1, to see whether
    there are more) and, with ``count``, the capped count."""
    reverse = False
    if cursor:
        direction, values, position = _decode(cursor, sort_name, sort)
        reverse = direction == "before"
        rows = db.session.scalars(query.where(sort.after(values, reverse)).order_by(*sort.order_by(reverse))
                                  .limit(size + 1)).all()
        more_on_far_side = len(rows) > size
        rows = rows[:size]
        if reverse:
            rows.reverse()
            start = max(position - len(rows), 0)
            has_previous, has_next = more_on_far_side, True
        else:
            start, has_previous, has_next = position, True, more_on_far_side
    else:
        offset = (page - 1) * size
        if offset > MAX_OFFSET:
            total, more = capped_count(query)
            if not more and offset >= total:  # past the end, however far: empty, as a page number always was
                return Page([], size, total, more, 0, None, None)
            raise _bad("page", f"page numbers reach the first {MAX_OFFSET} rows; for deeper pages give the cursor "
                               "of the page before (next_cursor)")
        rows = db.session.scalars(query.order_by(*sort.order_by()).offset(offset).limit(size + 1)).all()
        has_next, rows = len(rows) > size, rows[:size]
        start, has_previous = offset, page > 1
    total, more = capped_count(query) if count else (0, False)
    key = [lambda row, c=c: getattr(row, c.key) for c in sort.columns]
    next_cursor = previous_cursor = None
    if rows and has_next:
        next_cursor = _encode(sort_name, "after", [k(rows[-1]) for k in key], start + len(rows))
    if rows and has_previous:
        previous_cursor = _encode(sort_name, "before", [k(rows[0]) for k in key], start)
    return Page(rows, size, total, more, start + 1 if rows else 0, next_cursor, previous_cursor)


def page_of(query: sa.Select, sort_name: str, sort: Sort, args: dict) -> Page:
    """``fetch`` with a list's parsed ``ListPageSchema`` arguments."""
    return fetch(query, sort_name, sort, args["page_size"], args["page"], args.get("cursor"))
