"""The shell every page shares: login and logout, language, the service worker, error pages."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import (
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from accounts import service as accounts
from accounts.auth import limit_failed_logins, login_failed, remember_device
from core import text
from core.db import db
from risk_rules.citation import cite, typed_name
from web import labels, nav
from web.access import can, page, safe_next
from web.blueprint import bp
from web.forms import LoginForm, PostForm
from web.i18n import current_language

STATIC = Path(__file__).parent / "static"
# Static files the service worker keeps for offline use (the app shell).
SHELL_ASSETS = ("app.css", "app.js", "nav.js", "outbox.js", "photos.js", "heic-thumb.js", "vendor/libheif.js",
                "signpad.js", "inspect.js", "alerts.js", "offline-forms.js", "icon.svg")


@cache
def asset_version() -> str:
    """A digest of the static files: changes whenever one does, so browsers and the service worker refetch."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def asset(filename: str) -> str:
    return url_for("web.static", filename=filename, v=asset_version())


def js_strings() -> dict:
    """Texts the scripts show (queue states, errors), translated here because scripts have no catalogue."""
    return {
        "offline": _("No signal: work is saved on this tablet and sent when the connection returns."),
        "online": _("Connected."),
        "stale_copy": _("No connection: this is the copy of this page kept on %(time)s; it may be out of date."),
        "queued": _("Saved on this tablet, waiting to send"),
        "uploading": _("Uploading photos"),
        "queued_short": _("To send:"),
        "sending": _("Sending"),
        "sent": _("Sent"),
        "rejected": _("Refused by the server"),
        "login": _("Log in again to send"),
        "retry": _("Retry now"),
        "discard": _("Discard"),
        "discard_confirm": _("Discard this inspection from the tablet? It has not been sent."),
        "discard_confirm_finding": _("Discard this from the tablet? It has not been stored; what you entered "
                                     "goes back into the form."),
        "refused_403": _("Not accepted: you may not do this."),
        "refused_409": _("Not accepted: it clashes with what is stored now (for example someone else already "
                         "verified the finding)."),
        "refused_422": _("Not accepted: something sent is not valid."),
        "queue_empty": _("Nothing waiting to be sent."),
        "remove_photo": _("Remove photo"),
        "photo_failed": _("This photo could not be read."),
        "no_preview": _("No preview on this device"),
        "photo_refused": _("A photo was refused by the server and left out:"),
        "send_without": _("Send without the refused photo"),
        "no_results": _("No enterprise found."),
        "search_failed": _("Search needs a connection; try again when online."),
        "checklist_failed": _("The checklist could not be loaded; it needs a connection the first time."),
        "choose_enterprise": _("Choose the enterprise first."),
        "choose_premises": _("Choose the premises first."),
        "no_premises": _("No premises found."),
        "party": _("Against"),
        "landlord_party": _("Landlord: %(name)s"),
        "tenant_party": _("Tenant: %(name)s (%(unit)s)"),
        "landlord_word": _("Landlord"),
        "list_separator": _("; "),
        "tenants_word": _("Tenants"),
        "no_tenants": _("no tenant today"),
        "answer_all": _("%(count)s item(s) not answered yet: answer each one (not found, found or not applicable)."),
        "describe_failed": _("Describe every hazard found."),
        "saved": _("Inspection saved; it will be sent automatically."),
        "major": _("Major hazard"),
        "basis": _("Basis: %(basis)s"),
        **{result: str(labels.RESULTS[result]) for result in ("passed", "failed", "not_applicable")},
        **{f"domain_{code}": str(name) for code, name in labels.DOMAINS.items()},
        "progress": _("%(answered)s of %(total)s items answered"),
        "next_missing": _("%(count)s not answered: go to the first"),
        "mark_rest": _("Mark the %(count)s unanswered item(s) of this section as not found"),
        "mark_rest_hint": _("Available once you have scrolled to the end of this section."),
        "show_other_parts": _("Show the other parts (%(count)s)"),
        "hide_other_parts": _("Hide the other parts"),
        "other_parts_note": _("These parts do not apply to this enterprise (its sub-sector and features). Answer an "
                              "item here only where it does apply; unanswered ones are not recorded."),
        "other_items": _("Other items"),
        "successor_notice": str(labels.SUCCESSOR_NOTICE),
        "description": _("Description of the hazard"),
        "category": _("Category"),
        "severity": _("Severity"),
        "deadline": _("Rectification deadline"),
        "responsible": _("Responsible person"),
        "photos": _("Photos"),
        "take_photo": _("Take or add photos"),
        "general": _("General hazard"),
        "cat_thing": _("Thing (equipment, site)"),
        "cat_person": _("Person (behaviour)"),
        "cat_management": _("Management"),
        "alerts_failed": _("Alerts could not be loaded."),
        "alerts_empty": _("No alerts."),
        "acknowledge": _("Mark as read"),
        "items": _("items"),
        "findings_word": _("finding(s)"),
        "photo_count": _("photos"),
        "inspection": _("Inspection"),
        "sign_all": _("Once anyone signs, both inspectors must sign and the person in charge must sign or refuse."),
        "refusal_details": _("A refusal to sign needs the reason and a witness."),
        "second_needed": _("Choose the second inspector: the documents need two inspectors."),
        "contact_needed": _("Enter the person in charge: the documents name them."),
        "end_before_start": _("The end time is before the start of the inspection."),
    }


def cite_basis(standard: str | None, clause: str | None, title: str | None = "") -> Markup:
    """A basis as the pages show it, in the page's language: 《short name》（number）clause, never a bare clause
    (:func:`risk_rules.citation.cite`; ``title`` names a document the registry does not know, whose name is
    marked as typed text)."""
    return marking(cite(standard or "", clause or "", current_language(), title or ""),
                   [typed_name(standard or "", title or "")])


@bp.app_template_filter("user")
def user_text(text) -> Markup:
    """Text people typed (a name, a note) inside a translated sentence, marked as such: it stays in the
    language it was typed in, and the pages' script test (tests/web/test_web_script.py) leaves it out."""
    return Markup("<span data-user-text>{}</span>").format(text)


@bp.app_template_filter("marking")
def marking(text: str, names) -> Markup:
    """``text`` (a rule's sentence) with each of ``names`` it embeds (typed names, such as a water body's
    sections) marked as typed text."""
    out = Markup.escape(text)
    for name in sorted({name for name in names if name}, key=len, reverse=True):
        out = out.replace(Markup.escape(name), user_text(name))
    return out


@bp.app_template_filter("chinese")
def chinese(text) -> Markup:
    """A Chinese identifier shown as it is on English pages too (a document's number, 文号): said to be Chinese."""
    return Markup('<span lang="zh-Hans">{}</span>').format(text)


@bp.app_context_processor
def _page_helpers():
    return {
        "asset": asset,
        "cite": cite_basis,
        "label": labels.label,
        "nav_entries": nav.entries,
        "lang": current_language,
        "lang_url": _lang_url,
        "can": can,
        "logout_form": PostForm,
        "js_strings": js_strings,
    }


def _lang_url(code: str) -> str:
    """This page in another language. Query parameters are kept as query parameters only: one named like
    ``url_for``'s own (``_external``, ``_scheme``, ``_anchor``) or like a path part would change where the
    link leads (or clash with the path part)."""
    view_args = request.view_args or {}
    args = {key: value for key, value in request.args.to_dict().items()
            if not key.startswith("_") and key not in view_args} | {"lang": code}
    if request.endpoint and request.endpoint.startswith("web.") and request.method == "GET":
        return url_for(request.endpoint, **view_args, **args)
    return url_for("web.home", lang=code)


@bp.before_request
def _choose_language():
    from flask_babel import get_locale

    get_locale()  # runs the selector, so a ?lang= switch is remembered even on a redirect


@bp.before_request
def _refuse_unstorable_text():
    """NUL, other control characters, lone surrogates or noncharacters (``core.text``) in the query string or a
    form: a 400 page in the page's language naming the parameter, before any view sees them."""
    for name, value in [*request.args.items(multi=True), *request.form.items(multi=True)]:
        if bad := text.bad_character(name) or text.bad_character(value):
            # The parameter's name is an identifier of the address, shown as code in either language.
            message = Markup.escape(_("Please correct %(name)s: it contains a character that cannot be stored "
                                      "(%(code)s) at position %(position)d; remove it."))
            return _error_page(400, message % {"name": Markup("<code>{}</code>").format(name), "code": bad[0],
                                               "position": bad[1]})
    return None


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("web.login"))
    return redirect(url_for(nav.home_endpoint()))


@bp.route("/login", methods=["GET", "POST"])
@limit_failed_logins
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data.strip(), form.password.data)
        if user is None:
            login_failed()
            flash(_("Unknown username or wrong password."), "error")
        else:
            remember_device(user.username)
            lang = session.get("lang")
            session.clear()  # a fresh session at login: nothing carried over from before (session fixation)
            if lang:
                session["lang"] = lang
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("web.home"))
    return render_template("web/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if PostForm().validate_on_submit():
        lang = session.get("lang")
        if current_user.is_authenticated:
            accounts.end_sessions(current_user)  # logging out ends the user's sessions on every device
            db.session.commit()
        logout_user()
        session.clear()
        if lang:
            session["lang"] = lang
        flash(_("You have logged out."), "info")
    return redirect(url_for("web.login", bye=1))


@bp.route("/csrf-token")
@page()
def csrf_token():
    """A fresh token for the outbox: a tablet may send hours after the page was loaded."""
    response = jsonify({"token": generate_csrf()})
    response.cache_control.no_store = True
    return response


@bp.route("/sw.js")
def service_worker():
    body = render_template("web/sw.js", version=asset_version(),
                           assets=[asset(name) for name in SHELL_ASSETS],
                           offline_pages=[url_for("web.inspect"), url_for("web.today")])
    response = make_response(body)
    response.mimetype = "text/javascript"
    response.cache_control.no_cache = True
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    response = jsonify({
        "name": _("Port zone risk inspection"), "short_name": _("Inspection"), "start_url": url_for("web.home"),
        "display": "standalone", "background_color": "#ffffff", "theme_color": "#0b3d91",
        "icons": [{"src": asset("icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    })
    response.mimetype = "application/manifest+json"
    return response


def _error_page(status: int, message: str):
    return render_template("web/error.html", status=status, message=message), status


@bp.errorhandler(403)
def _forbidden(_exc):
    return _error_page(403, _("This page is not for your role."))


@bp.errorhandler(429)
def _too_many(_exc):
    return _error_page(429, _("Too many failed logins. Wait a minute and try again."))


@bp.errorhandler(404)
def _not_found(_exc):
    return _error_page(404, _("There is nothing here."))


def register_pages():
    """Import the page modules so their routes join the blueprint."""
    from web import (  # noqa: F401
        admin_pages,
        card_pages,
        directory,
        field,
        finding_pages,
        inspection_pages,
        manager,
        premises_pages,
        water,
    )


register_pages()
