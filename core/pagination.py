"""Paginate a SELECT with flask-smorest's pagination parameters (page, page_size; X-Pagination header)."""

import sqlalchemy as sa

from core.db import db


def paginate(query: sa.Select, pagination_parameters) -> list:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    pagination_parameters.item_count = total
    page, size = pagination_parameters.page, pagination_parameters.page_size
    offset = (page - 1) * size
    if offset >= total:  # past the end: nothing to fetch, and no offset too large for the database to take
        return []
    return db.session.scalars(query.limit(size).offset(offset)).all()
