"""Project endpoints of API.md under /api/v1/projects."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from marketplace.accounts.api_auth import require_api_user
from marketplace.extensions import db
from marketplace.ngos import schemas, services

bp = Blueprint("projects_api", __name__, url_prefix="/api/v1/projects", description="NGO projects")


@bp.route("")
class ProjectCollection(MethodView):
    @bp.arguments(schemas.ProjectListArgs, location="query")
    @bp.response(200, schemas.ProjectPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Active projects with eligibility, remaining budget and capacity (public)."""
        return services.paginate_projects(args)

    @bp.arguments(schemas.ProjectCreateSchema)
    @bp.response(201, schemas.ProjectOutSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a project (NGO staff)."""
        user = require_api_user()
        project = services.create_project(user, data)
        db.session.commit()
        return services.project_view(project)


@bp.route("/<int:project_id>")
class ProjectItem(MethodView):
    @bp.response(200, schemas.ProjectOutSchema)
    def get(self, project_id: int) -> dict[str, Any]:
        """One project (public)."""
        return services.project_view(services.get_project(project_id))
