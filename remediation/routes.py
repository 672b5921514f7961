from flask.views import MethodView
from flask_login import current_user

from accounts.auth import roles_required
from core.api import Blueprint
from core.db import db
from core.pagination import paginate
from remediation import evaluation, service, tasks
from remediation.schemas import (
    AllTasksQuerySchema,
    CloseOffSchema,
    SampleCreateSchema,
    SampleQuerySchema,
    SampleSchema,
    SectionSchema,
    SectionUpdateSchema,
    StatusQuerySchema,
    StatusSchema,
    TaskCreateSchema,
    TaskDetailSchema,
    TaskQuerySchema,
    TaskSchema,
    TaskUpdateSchema,
    WaterBodyCreateSchema,
    WaterBodyDetailSchema,
    WaterBodyQuerySchema,
    WaterBodySchema,
    WaterBodyUpdateSchema,
)

blp = Blueprint("water_bodies", __name__, url_prefix="/api/v1/water-bodies",
                description="Worse-than-V water bodies (劣V类水体), sections, status and closing off (销号)")
sections_blp = Blueprint("water_sections", __name__, url_prefix="/api/v1/sections",
                         description="Monitoring sections (断面) and their samples (GB 3838-2002)")
tasks_blp = Blueprint("remediation_tasks", __name__, url_prefix="/api/v1/remediation-tasks",
                      description="Remediation tasks (整治任务) of water bodies")

WRITERS = ("env_staff",)


@blp.route("")
class WaterBodies(MethodView):
    @blp.arguments(WaterBodyQuerySchema, location="query")
    @blp.response(200, WaterBodySchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Water bodies with their current (latest month's) class and target."""
        return service.attach_current(paginate(service.search_bodies(**args), pagination_parameters))

    @roles_required("env_staff", "admin")
    @blp.arguments(WaterBodyCreateSchema)
    @blp.response(201, WaterBodyDetailSchema)
    def post(self, data):
        """List a water body for remediation, with its target class and closure rule."""
        body = service.create_body(data)
        db.session.commit()
        return body


@blp.route("/<int:body_id>")
class WaterBody(MethodView):
    @blp.response(200, WaterBodyDetailSchema)
    def get(self, body_id):
        """One water body with its sections and current class."""
        return service.attach_current([service.get_body(body_id)])[0]

    @roles_required("env_staff", "admin")
    @blp.arguments(WaterBodyUpdateSchema)
    @blp.response(200, WaterBodyDetailSchema)
    def patch(self, data, body_id):
        """Change a body's details (river chief 河长, responsible unit, township, name, kind) or its closure rule
        (target class, months in a row); only the fields given change, and the audit log keeps the old values."""
        body = service.update_body(service.get_body(body_id), data, current_user.id)
        db.session.commit()
        return service.attach_current([body])[0]


@blp.route("/<int:body_id>/sections")
class Sections(MethodView):
    @blp.response(200, SectionSchema(many=True))
    def get(self, body_id):
        """The body's monitoring sections."""
        return service.get_body(body_id).sections

    @roles_required(*WRITERS)
    @blp.arguments(SectionSchema)
    @blp.response(201, SectionSchema)
    def post(self, data, body_id):
        """Add a monitoring section (断面) to the body."""
        section = service.create_section(service.get_body(body_id), data)
        db.session.commit()
        return section


@blp.route("/<int:body_id>/remediation-tasks")
class BodyTasks(MethodView):
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, TaskSchema(many=True))
    @blp.paginate()
    def get(self, args, body_id, pagination_parameters):
        """The body's remediation tasks, earliest deadline first."""
        service.get_body(body_id)
        return paginate(tasks.search(water_body_id=body_id, **args), pagination_parameters)

    @roles_required(*WRITERS)
    @blp.arguments(TaskCreateSchema)
    @blp.response(201, TaskDetailSchema)
    def post(self, data, body_id):
        """Plan a remediation measure; a listed body with its first task is under remediation."""
        task = tasks.create(service.get_body(body_id), data, current_user.id)
        db.session.commit()
        return task


@blp.route("/<int:body_id>/status")
@blp.arguments(StatusQuerySchema, location="query")
@blp.response(200, StatusSchema)
def body_status(args, body_id):
    """Current class, 12-month trend per section and body, months meeting the target in a row, whether the
    body may be closed off and why, and the relapse flag of a closed-off body."""
    as_of = evaluation.parse_month(args["as_of"]) if "as_of" in args else None
    return service.status(service.get_body(body_id), as_of)


@blp.route("/<int:body_id>/close-off", methods=["POST"])
@roles_required("safety_manager")
@blp.arguments(CloseOffSchema)
@blp.response(200, WaterBodyDetailSchema)
def close_off(data, body_id):
    """Close off (销号) the body: only when it meets its closure rule; who and why are recorded."""
    body = service.close_off(service.get_body(body_id), data["reason"], current_user.id)
    db.session.commit()
    return service.attach_current([body])[0]


@sections_blp.route("/<int:section_id>")
class Section(MethodView):
    @sections_blp.response(200, SectionSchema)
    def get(self, section_id):
        """One monitoring section."""
        return service.get_section(section_id)

    @roles_required(*WRITERS)
    @sections_blp.arguments(SectionUpdateSchema)
    @sections_blp.response(200, SectionSchema)
    def patch(self, data, section_id):
        """Correct a section's name, code (断面编码) or position; its samples stay with it, and the audit log keeps
        the old values."""
        section = service.update_section(service.get_section(section_id), data, current_user.id)
        db.session.commit()
        return section


@sections_blp.route("/<int:section_id>/samples")
class Samples(MethodView):
    @sections_blp.arguments(SampleQuerySchema, location="query")
    @sections_blp.response(200, SampleSchema(many=True))
    @sections_blp.paginate()
    def get(self, args, section_id, pagination_parameters):
        """Samples of a section, newest first, each with its own classification."""
        query = service.search_samples(service.get_section(section_id), **args)
        return service.with_evaluation(paginate(query, pagination_parameters))

    @roles_required(*WRITERS)
    @sections_blp.arguments(SampleCreateSchema)
    @sections_blp.response(201, SampleSchema)
    def post(self, data, section_id):
        """Record one sample; the response carries its class, limiting items, main pollutants and
        exceedance multiples (GB 3838-2002, 环办〔2011〕22号)."""
        sample = service.add_sample(service.get_section(section_id), data, current_user.id)
        db.session.commit()
        return service.with_evaluation([sample])[0]


@tasks_blp.route("")
@tasks_blp.arguments(AllTasksQuerySchema, location="query")
@tasks_blp.response(200, TaskSchema(many=True))
@tasks_blp.paginate()
def task_list(args, pagination_parameters):
    """Remediation tasks of every body, earliest deadline first; filter by status, unresolved, overdue."""
    return paginate(tasks.search(**args), pagination_parameters)


@tasks_blp.route("/<int:task_id>")
class Task(MethodView):
    @tasks_blp.response(200, TaskDetailSchema)
    def get(self, task_id):
        """One task with its history."""
        return tasks.get(task_id)

    @roles_required(*WRITERS)
    @tasks_blp.arguments(TaskUpdateSchema)
    @tasks_blp.response(200, TaskDetailSchema)
    def patch(self, data, task_id):
        """Report progress, change status (planned → in_progress → completed, or cancelled with a reason) or
        move the deadline (with a reason); each change is kept in the history."""
        task = tasks.update(tasks.get(task_id), data, current_user.id)
        db.session.commit()
        return task
