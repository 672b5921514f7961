"""Two inspectors with certificate numbers, for the documents' tests."""

import pytest

from core.db import db


@pytest.fixture
def crew(app, auth):
    """Two inspectors holding certificates: ``(lead headers, lead id, second id)``."""
    from accounts.models import User

    def make():
        lead = auth("inspector")
        second = auth("inspector")
        with app.app_context():
            users = db.session.scalars(db.select(User).order_by(User.id.desc()).limit(2)).all()
            for user, number in zip(users, ("32050021001", "32050021002"), strict=True):
                user.certificate_no = number
            db.session.commit()
            second_id, lead_id = users[0].id, users[1].id
        return lead, lead_id, second_id, second

    return make
