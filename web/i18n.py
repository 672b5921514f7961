"""Which language a page is in: ``?lang=`` switches and is remembered (session and a year-long cookie)."""

from __future__ import annotations

from flask import g, has_request_context, request, session

from web import DEFAULT_LANGUAGE, LANG_COOKIE, LANGUAGES

YEAR = 365 * 24 * 3600


def select_locale() -> str:
    if not has_request_context():
        return "en"  # commands and the scheduler report in English, like the API
    if request.path.startswith("/api/"):
        # The API answers in English unless the caller asks for Chinese (the outbox of a Chinese tablet does).
        return request.accept_languages.best_match(LANGUAGES, default="en")
    asked = request.args.get("lang")
    # On a document's PDF, ``lang`` picks the document's language, not the pages'.
    if asked in LANGUAGES and request.endpoint != "web.document_pdf":
        session["lang"] = asked
        g.lang_switched = asked
        return asked
    for remembered in (session.get("lang"), request.cookies.get(LANG_COOKIE)):
        if remembered in LANGUAGES:
            return remembered
    return DEFAULT_LANGUAGE


def remember_language(response):
    """Keep a switch in a cookie too, so the login page of a fresh session is in the chosen language."""
    chosen = g.get("lang_switched")
    if chosen:
        response.set_cookie(LANG_COOKIE, chosen, max_age=YEAR, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    return response


def current_language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT_LANGUAGE
