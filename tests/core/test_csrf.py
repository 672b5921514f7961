"""The pages' scripts call the API with the session cookie: their writes need the CSRF token."""

from flask_login import login_user


def test_cookie_authenticated_write_needs_csrf_token(app, make_user):
    from accounts.models import User
    from core.db import db

    user_id, _ = make_user("admin")
    with app.test_request_context():
        from flask_wtf.csrf import generate_csrf

        login_user(db.session.get(User, user_id))
        token = generate_csrf()
        with app.test_client() as client:
            with client.session_transaction() as session:
                session.update({k: v for k, v in __import__("flask").session.items()})
            body = {"username": "new.user", "password": "long enough", "roles": ["inspector"]}
            refused = client.post("/api/v1/users", json=body)
            assert refused.status_code == 400 and "CSRF" in refused.json["message"]
            accepted = client.post("/api/v1/users", json=body, headers={"X-CSRFToken": token})
            assert accepted.status_code == 201
