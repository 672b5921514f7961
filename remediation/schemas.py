from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from accounts.schemas import UserRefSchema
from core.api import ID, NOT_BLANK, Boolean, PartialUpdate, QueryBoolean
from core.text import Text
from core.time import within_years
from remediation.models import KINDS, LISTED_STATUSES, MEASURES, TASK_STATUSES
from remediation.values import check_values

_text = Text
# Years 1900-2099: the 12-month trend before a month of year 0 or after 9999 would leave the calendar.
MONTH = validate.Regexp(r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", error="give a month as YYYY-MM (1900-2099)")


# --- water bodies -------------------------------------------------------------------------------------------

class WaterBodyCreateSchema(Schema):
    name = _text(required=True, validate=[validate.Length(min=1, max=100), NOT_BLANK])
    kind = _text(required=True, validate=validate.OneOf(KINDS))
    township = _text(load_default="", validate=validate.Length(max=100))
    river_chief = _text(load_default="", validate=validate.Length(max=100), metadata={"description": "河长"})
    responsible_unit = _text(load_default="", validate=validate.Length(max=200))
    listed_status = _text(load_default="worse_than_v_listed",
                          validate=validate.OneOf(("worse_than_v_listed", "under_remediation")),
                          metadata={"description": "closed_off only through POST .../close-off"})
    target_class = fields.Integer(load_default=5, strict=True, validate=validate.Range(1, 5), metadata={
        "description": "class the body must reach to be closed off (1-5 for I-V; usually 5 or 4)"})
    closure_months = fields.Integer(load_default=3, strict=True, validate=validate.Range(1, 12), metadata={
        "description": "consecutive monthly evaluations meeting the target needed to close off"})

    @post_load
    def _strip(self, data, **_):
        if "name" in data:
            data["name"] = data["name"].strip()
        return data


class WaterBodyUpdateSchema(PartialUpdate, WaterBodyCreateSchema):
    """Any of the fields; what is left out stays as it is. The listed status moves only by its actions."""

    class Meta:
        exclude = ("listed_status",)


class CurrentClassSchema(Schema):
    month = _text(metadata={"description": "latest evaluated month, YYYY-MM (zone's local month)"})
    water_class = fields.Integer(allow_none=True, metadata={"description": "1-5 for I-V, 6 for worse than V"})
    class_label = _text(allow_none=True)
    class_label_zh = _text(allow_none=True)
    grade = _text(allow_none=True)
    grade_zh = _text(allow_none=True)
    meets_target = Boolean()
    relapsed = Boolean(metadata={"description": "closed off, but the latest month misses the target"})


class SectionSchema(Schema):
    id = fields.Integer(dump_only=True)
    water_body_id = fields.Integer(dump_only=True)
    name = _text(required=True, validate=[validate.Length(min=1, max=100), NOT_BLANK])
    code = _text(required=True, validate=[validate.Length(min=1, max=40), NOT_BLANK],
                 metadata={"description": "断面编码"})
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    created_dt = fields.AwareDateTime(dump_only=True)

    @post_load
    def _strip(self, data, **_):
        for key in ("name", "code"):
            if key in data:
                data[key] = data[key].strip()
        return data


class SectionUpdateSchema(PartialUpdate, SectionSchema):
    """Any of name, code and position; what is left out stays as it is."""


class WaterBodySchema(WaterBodyCreateSchema):
    id = fields.Integer(dump_only=True)
    # Every status a body can hold, closed_off included (the create schema's list is what a caller may choose).
    listed_status = _text(dump_only=True, validate=validate.OneOf(LISTED_STATUSES))
    closed_off_dt = fields.AwareDateTime(dump_only=True, allow_none=True)
    closed_off_by = fields.Nested(UserRefSchema, dump_only=True, allow_none=True)
    closed_off_reason = _text(dump_only=True)
    created_dt = fields.AwareDateTime(dump_only=True)
    current = fields.Nested(CurrentClassSchema, dump_only=True, allow_none=True)


class WaterBodyDetailSchema(WaterBodySchema):
    sections = fields.List(fields.Nested(SectionSchema), dump_only=True)


class WaterBodyQuerySchema(Schema):
    q = _text(metadata={"description": "part of the name"})
    kind = _text(validate=validate.OneOf(KINDS))
    listed_status = _text(validate=validate.OneOf(LISTED_STATUSES))
    township = _text()


# --- samples ------------------------------------------------------------------------------------------------

class SampleCreateSchema(Schema):
    sampled_dt = fields.AwareDateTime(required=True, validate=within_years,
                                      metadata={"description": "when the sample was taken"})
    values = fields.Dict(keys=Text(), required=True, metadata={
        "description": "item code (GB 3838-2002 Table 1: ph, do, codmn, cod, bod5, nh3n, tp, tn, ...) -> "
                       "a number in the item's unit, or {\"value\": number, \"unit\": \"mg/L\"}"})
    note = _text(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def _check_values(self, data, **_):
        if "values" in data:
            _, errors = check_values(data["values"])
            if errors:
                raise ValidationError(errors)

    @post_load
    def _clean(self, data, **_):
        data["values"], _ = check_values(data["values"])
        return data


class SampleValueSchema(Schema):
    item = _text()
    value = fields.Float()
    unit = _text()


class EvaluationSchema(Schema):
    water_class = fields.Integer(allow_none=True, metadata={"description": "1-5 for I-V, 6 for worse than V"})
    class_label = _text(allow_none=True)
    class_label_zh = _text(allow_none=True)
    grade = _text(allow_none=True)
    grade_zh = _text(allow_none=True)
    item_classes = fields.Dict(keys=Text(), values=fields.Integer())
    limiting_items = fields.List(Text(), metadata={"description": "items at the water class"})
    main_pollutants = fields.List(Text(), metadata={"description": "up to 3 worst items, worse than III"})
    exceedance = fields.Dict(keys=Text(), values=fields.Float(), metadata={
        "description": "item -> (C - Class III limit) / Class III limit, for items above Class III"})
    reference_classes = fields.Dict(keys=Text(), values=fields.Integer(allow_none=True), metadata={
        "description": "classes of measured items the method leaves out for this water kind"})


class SampleSchema(Schema):
    id = fields.Integer()
    section_id = fields.Integer()
    sampled_dt = fields.AwareDateTime()
    note = _text()
    values = fields.List(fields.Nested(SampleValueSchema))
    created_dt = fields.AwareDateTime()
    evaluation = fields.Nested(EvaluationSchema)


class SampleQuerySchema(Schema):
    sampled_from = fields.Date(validate=within_years, metadata={"description": "sampled on or after this local date"})
    sampled_to = fields.Date(validate=within_years, metadata={"description": "sampled on or before this local date"})


# --- remediation tasks --------------------------------------------------------------------------------------

class TaskCreateSchema(Schema):
    measure = _text(required=True, validate=validate.OneOf(MEASURES))
    description = _text(required=True, validate=validate.Length(min=1, max=5000))
    responsible_unit = _text(load_default="", validate=validate.Length(max=200))
    deadline = fields.Date(required=True, metadata={"description": "a calendar date in the zone's time zone"})


class TaskUpdateSchema(Schema):
    progress = fields.Integer(strict=True, validate=validate.Range(0, 100))
    status = _text(validate=validate.OneOf(TASK_STATUSES))
    deadline = fields.Date()
    note = _text(load_default="", validate=validate.Length(max=5000))

    @validates_schema
    def _something(self, data, **_):
        if not {"progress", "status", "deadline"} & set(data):
            raise ValidationError(gettext("give progress, status or deadline"))


class TaskEventSchema(Schema):
    id = fields.Integer()
    action = _text()
    from_status = _text(allow_none=True)
    to_status = _text()
    from_progress = fields.Integer(allow_none=True)
    to_progress = fields.Integer()
    from_deadline = fields.Date(allow_none=True)
    to_deadline = fields.Date(allow_none=True)
    actor = fields.Nested(UserRefSchema, allow_none=True)
    note = _text()
    created_dt = fields.AwareDateTime()


class TaskSchema(TaskCreateSchema):
    id = fields.Integer(dump_only=True)
    water_body_id = fields.Integer(dump_only=True)
    progress = fields.Integer(dump_only=True)
    status = _text(dump_only=True)
    is_overdue = Boolean(dump_only=True)
    created_by_id = fields.Integer(dump_only=True, allow_none=True)
    created_dt = fields.AwareDateTime(dump_only=True)
    completed_dt = fields.AwareDateTime(dump_only=True, allow_none=True)


class TaskDetailSchema(TaskSchema):
    events = fields.List(fields.Nested(TaskEventSchema), dump_only=True)


class TaskQuerySchema(Schema):
    status = _text(validate=validate.OneOf(TASK_STATUSES))
    unresolved = QueryBoolean(metadata={"description": "planned or in progress"})
    overdue = QueryBoolean(metadata={"description": "unresolved and past the deadline"})


class AllTasksQuerySchema(TaskQuerySchema):
    water_body_id = fields.Integer(validate=ID)


# --- status and closure -------------------------------------------------------------------------------------

class SectionClassSchema(Schema):
    section_id = fields.Integer()
    name = _text()
    water_class = fields.Integer(allow_none=True)
    class_label = _text(allow_none=True)


class MonthSchema(Schema):
    month = _text(metadata={"description": "YYYY-MM, zone's local month"})
    water_class = fields.Integer(allow_none=True, metadata={"description": "null: no samples that month"})
    class_label = _text(allow_none=True)
    class_label_zh = _text(allow_none=True)
    grade = _text(allow_none=True)
    grade_zh = _text(allow_none=True)
    method = _text(allow_none=True, metadata={"description": "mean (< 5 sections) or section_share"})
    meets_target = Boolean(metadata={"description": "every section monitored and at the target or better"})
    sections = fields.List(fields.Nested(SectionClassSchema))


class CurrentMonthSchema(MonthSchema):
    limiting_items = fields.List(Text())
    main_pollutants = fields.List(Text())
    exceedance = fields.Dict(keys=Text(), values=fields.Float())


class FailingSchema(Schema):
    month = _text()
    section_id = fields.Integer()
    name = _text()
    water_class = fields.Integer()


class ClosureSchema(Schema):
    eligible = Boolean()
    months_in_a_row = fields.Integer()
    months_required = fields.Integer()
    latest_month = _text(allow_none=True)
    missing_months = fields.List(Text())
    failing = fields.List(fields.Nested(FailingSchema))
    reason_zh = _text()
    reason_en = _text()


class StatusSchema(Schema):
    water_body_id = fields.Integer()
    name = _text()
    kind = _text()
    listed_status = _text()
    target_class = fields.Integer()
    target_label = _text()
    as_of = _text(metadata={"description": "month of the evaluation, YYYY-MM"})
    current = fields.Nested(CurrentMonthSchema, allow_none=True, metadata={
        "description": "latest month with samples (null when none in the last 13 months)"})
    trend = fields.List(fields.Nested(MonthSchema), metadata={
        "description": "12 months ending at the latest evaluated month, oldest first"})
    months_meeting_target = fields.Integer(metadata={"description": "consecutive months up to the latest"})
    closure = fields.Nested(ClosureSchema)
    can_close_off = Boolean(metadata={"description": "eligible and not closed off yet"})
    relapsed = Boolean(metadata={"description": "closed off, but a section misses the target now"})
    relapsed_sections = fields.List(fields.Nested(SectionClassSchema))
    closed_off_dt = fields.AwareDateTime(allow_none=True)
    closed_off_by = fields.Nested(UserRefSchema, allow_none=True)
    closed_off_reason = _text()
    unresolved_tasks = fields.Integer()
    overdue_tasks = fields.Integer()


class StatusQuerySchema(Schema):
    as_of = _text(validate=MONTH, metadata={"description": "evaluate as of this month (YYYY-MM); default now"})


class CloseOffSchema(Schema):
    reason = _text(required=True, validate=validate.Length(min=1, max=5000), metadata={
        "description": "acceptance basis, e.g. the acceptance report (验收意见)"})
