"""Environmental staff's pages: water bodies against their target class, a body's 12-month trend per section,
remediation tasks, sample entry and import, and closing off (销号) by a safety manager when eligible.

Every write goes through ``remediation`` (the same checks as the API: ``SampleCreateSchema``, the importer,
``service.close_off``); the pages only translate its answers into fields and messages.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from marshmallow import ValidationError
from wtforms import StringField
from wtforms.validators import Length, Optional

from core.db import db
from core.errors import DomainError
from core.tabular import TabularError, upload_name
from core.time import zone
from remediation import importer, service, tasks
from remediation.models import RemediationTask, WaterBody
from remediation.schemas import SampleCreateSchema, TaskCreateSchema, TaskUpdateSchema, WaterBodyUpdateSchema
from risk_rules.water import ITEMS
from web import labels, queries
from web.access import can, page
from web.blueprint import bp
from web.forms import (
    CloseOffForm,
    SampleForm,
    SampleImportForm,
    TaskForm,
    TaskProgressForm,
    WaterBodyForm,
    form_data,
    refusal,
)
from web.labels import USER_TEXT
from web.views import marking

READERS = ("env_staff", "safety_manager", "admin")
WRITERS = ("env_staff",)
# The items a lab reports every month, shown first; the rest of GB 3838-2002 Table 1 folds away.
USUAL_ITEMS = ("ph", "do", "codmn", "cod", "bod5", "nh3n", "tp", "tn")
# Units GB 3838-2002 writes in Chinese, as English writes them (the importer accepts both spellings).
UNITS_EN = {"个/L": "MPN/L"}


def sample_form(body: WaterBody, formdata=None) -> SampleForm:
    """The sample form with one optional text field per measured item (``item_<code>``)."""

    class Form(SampleForm):
        pass

    for code in ITEMS:
        setattr(Form, f"item_{code}", StringField(code, validators=[Optional(), Length(max=40)]))
    form = Form(formdata=formdata, prefix="sample")
    form.section.choices = section_choices(body)
    return form


def section_choices(body: WaterBody) -> list[tuple]:
    """A body's sections as choices, named as people typed them (marked ``data-user-text``) with their codes."""
    return [(s.id, f"{s.name} ({s.code})", USER_TEXT) for s in body.sections]


def import_form(body: WaterBody) -> SampleImportForm:
    form = SampleImportForm(prefix="import")  # Flask-WTF binds the request's form and files when submitted
    form.section.choices = [(0, _("From the file's section column"), {})] + section_choices(body)
    return form


def _body(body_id: int) -> WaterBody:
    body = db.session.get(WaterBody, body_id)
    if body is None:
        abort(404)
    return body


@bp.route("/water-bodies")
@page(*READERS)
def water_bodies():
    rows, total = queries.limited(service.search_bodies())
    return render_template("web/water_bodies.html", bodies=service.attach_current(rows), total=total,
                           limit=queries.LIST_LIMIT)


def trend_chart(status: dict) -> dict:
    """Each section's class per month (1..5 for I..V, 6 worse than V; gaps where nothing was sampled) and the
    target as a dashed line."""
    trend = status["trend"]
    names = {}
    for month in trend:
        for section in month["sections"]:
            names.setdefault(section["section_id"], section["name"])
    # A section's series is named as people typed the section's name (``userText``: kept in its language).
    datasets = [{"label": name, "userText": True, "data": [next((s["water_class"] for s in month["sections"]
                                                                 if s["section_id"] == sid), None) for month in trend]}
                for sid, name in names.items()]
    datasets.append({"label": _("Target: %(cls)s", cls=labels.label("water_class", status["target_class"])),
                     "data": [status["target_class"]] * len(trend), "target": True})
    return {"type": "line", "scale": "water_class", "labels": [month["month"] for month in trend],
            "classLabels": {n: labels.label("water_class", n) for n in range(1, 7)}, "datasets": datasets}


def progress_form(task, formdata=None) -> TaskProgressForm:
    """One task's progress form, filled with the task's current state (its own prefix: several on a page)."""
    return TaskProgressForm(formdata=formdata, prefix=f"task{task.id}", obj=task)


def _render(body: WaterBody, forms: dict | None = None, report=None, status_code: int = 200):
    forms = forms or {}
    status = service.status(body)
    body_tasks = db.session.scalars(tasks.search(water_body_id=body.id)).all()
    progress = {t.id: forms.get(("task", t.id)) or progress_form(t) for t in body_tasks if t.is_unresolved}
    return render_template(
        "web/water_body.html", body=body, status=status, trend=trend_chart(status),
        tasks=body_tasks, progress=progress, items=ITEMS, usual=USUAL_ITEMS,
        sample=forms.get("sample") or sample_form(body), upload=forms.get("upload") or import_form(body),
        close=forms.get("close") or CloseOffForm(prefix="close"),
        new_task=forms.get("new_task") or TaskForm(formdata=None, prefix="newtask"), report=report,
        details=forms.get("details") or WaterBodyForm(formdata=None, prefix="body", obj=body),
    ), status_code


def _invalid(body: WaterBody, forms: dict):
    flash(_("Please correct the marked fields."), "error")
    return _render(body, forms, status_code=400)


@bp.route("/water-bodies/<int:body_id>")
@page(*READERS)
def water_body(body_id):
    return _render(_body(body_id))


def _local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=zone())


def _sample_data(form) -> dict:
    values = {}
    for code in ITEMS:
        text = (getattr(form, f"item_{code}").data or "").strip().replace(",", ".")
        if text:
            try:
                values[code] = float(text)
            except ValueError:
                values[code] = text  # the service names the field and says why
    return {"sampled_dt": _local(form.sampled_dt.data).isoformat(), "values": values, "note": form.note.data or ""}


@bp.route("/water-bodies/<int:body_id>/details", methods=["POST"])
@page(*WRITERS)
def edit_body(body_id):
    """A new river chief, a renamed unit, a revised target: the service changes and records only what differs."""
    body = _body(body_id)
    form = WaterBodyForm(prefix="body")
    if not form.validate_on_submit():
        return _invalid(body, {"details": form})
    try:
        service.update_body(body, WaterBodyUpdateSchema().load(form_data(form)), current_user.id)
    except (ValidationError, DomainError) as exc:
        return _refused(body_id, {"details": form}, form, exc)
    db.session.commit()
    flash(_("Details saved."), "success")
    return redirect(url_for("web.water_body", body_id=body_id))


@bp.route("/water-bodies/<int:body_id>/samples", methods=["POST"])
@page(*WRITERS)
def add_sample(body_id):
    body = _body(body_id)
    form = sample_form(body, request.form)
    if not form.validate_on_submit():
        return _invalid(body, {"sample": form})
    section = next(s for s in body.sections if s.id == form.section.data)
    try:
        data = SampleCreateSchema().load(_sample_data(form))
        sample = service.add_sample(section, data, current_user.id)
    except (ValidationError, DomainError) as exc:
        return _refused(body_id, {"sample": form}, form, exc)
    db.session.commit()
    evaluation = service.with_evaluation([sample])[0].evaluation
    flash(_("Sample saved: %(cls)s at %(section)s.", cls=labels.label("water_class", evaluation["water_class"]),
            section=section.name), "success")
    return redirect(url_for("web.water_body", body_id=body_id))


@bp.route("/water-bodies/<int:body_id>/samples/import", methods=["POST"])
@page(*WRITERS)
def import_samples(body_id):
    """Check every row with the remediation importer; store all or nothing and list what was refused."""
    body = _body(body_id)
    form = import_form(body)
    if not form.validate_on_submit():
        return _invalid(body, {"upload": form})
    section = next((s for s in body.sections if s.id == form.section.data), None)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / upload_name(form.file.data.filename)
        form.file.data.save(path)
        try:
            report = importer.check(path, section.code if section else None)
        except (TabularError, ValueError) as exc:
            flash(_("The file could not be read: %(reason)s", reason=str(exc)), "error")
            return _render(body, {"upload": form}, status_code=400)
    if not report.ok:
        flash(_("Nothing was imported: %(summary)s.", summary=report.summary(0)), "error")
        return _render(body, {"upload": form}, report=report, status_code=400)
    stored = importer.store(report, current_user.id)
    db.session.commit()
    flash(_("%(n)d sample(s) imported: %(summary)s.", n=stored, summary=report.summary(stored)), "success")
    return redirect(url_for("web.water_body", body_id=body_id))


def _refused(body_id: int, forms: dict, form, exc: ValidationError | DomainError):
    """Show the service's refusal on the form's fields (or as a message) and keep what was typed."""
    db.session.rollback()
    return _render(_body(body_id), forms, status_code=refusal(form, exc))


@bp.route("/water-bodies/<int:body_id>/tasks", methods=["POST"])
@page(*WRITERS)
def add_task(body_id):
    body = _body(body_id)
    form = TaskForm(prefix="newtask")
    if not form.validate_on_submit():
        return _invalid(body, {"new_task": form})
    try:
        data = TaskCreateSchema().load({"measure": form.measure.data, "description": form.description.data.strip(),
                                        "responsible_unit": (form.responsible_unit.data or "").strip(),
                                        "deadline": form.deadline.data.isoformat()})
        tasks.create(body, data, current_user.id)
    except (ValidationError, DomainError) as exc:
        return _refused(body_id, {"new_task": form}, form, exc)
    db.session.commit()
    flash(_("Remediation task added."), "success")
    return redirect(url_for("web.water_body", body_id=body_id, _anchor="tasks"))


@bp.route("/water-bodies/<int:body_id>/tasks/<int:task_id>", methods=["POST"])
@page(*WRITERS)
def update_task(body_id, task_id):
    """Send the service only what differs from the task, so its history records what really changed."""
    task = db.session.get(RemediationTask, task_id)
    if task is None or task.water_body_id != body_id:
        abort(404)
    form = progress_form(task, request.form)
    if not form.validate_on_submit():
        return _invalid(_body(body_id), {("task", task_id): form})
    changes = {name: value for name, value, current in (
        ("progress", form.progress.data, task.progress), ("status", form.status.data, task.status),
        ("deadline", form.deadline.data, task.deadline)) if value is not None and value != current}
    if "deadline" in changes:
        changes["deadline"] = changes["deadline"].isoformat()
    try:
        data = TaskUpdateSchema().load(changes | {"note": (form.note.data or "").strip()})
        tasks.update(task, data, current_user.id)
    except (ValidationError, DomainError) as exc:
        return _refused(body_id, {("task", task_id): form}, form, exc)
    db.session.commit()
    flash(_("Task updated."), "success")
    return redirect(url_for("web.water_body", body_id=body_id, _anchor="tasks"))


@bp.route("/water-bodies/<int:body_id>/close-off", methods=["POST"])
@page("safety_manager")
def close_off(body_id):
    body = _body(body_id)
    form = CloseOffForm(prefix="close")
    if not form.validate_on_submit():
        return _invalid(body, {"close": form})
    try:
        service.close_off(body, form.reason.data.strip(), current_user.id)
    except DomainError as exc:
        db.session.rollback()
        # The rule's reason names the sections as people typed them: marked so (a Markup flash keeps the marks).
        flash(Markup.escape(_("Not closed off: %(reason)s")) % {
            "reason": marking(exc.message, [s.name for s in body.sections])}, "error")
        return _render(_body(body_id), {"close": form}, status_code=409)
    db.session.commit()
    flash(_("%(name)s is closed off.", name=body.name), "success")
    return redirect(url_for("web.water_body", body_id=body_id))


def item_name(code: str) -> str:
    from web.i18n import current_language

    item = ITEMS[code]
    zh = current_language() == "zh"
    name, unit = (item.name_zh, item.unit) if zh else (item.name_en, UNITS_EN.get(item.unit, item.unit))
    return f"{name} ({unit})" if unit else name


@bp.app_context_processor
def _water_helpers():
    return {"item_name": item_name, "may_write_water": lambda: can(*WRITERS)}
