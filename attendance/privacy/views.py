"""My data as a download (the button on /me); HR's list of who viewed sensitive files."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_login import current_user

from attendance import clock
from attendance.services import policy as policy_service
from attendance.services import privacy
from attendance.web import permission_required

bp = Blueprint("privacy", __name__)


@bp.route("/me/export.zip")
@permission_required("privacy.export")
def export():
    name, body = privacy.export_own_data(current_user)
    return Response(body, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.route("/privacy/sensitive-views")
@permission_required("privacy.sensitive_views")
def sensitive_views():
    """Who viewed which evidence photo or leave certificate, and when (HR, admin)."""
    limit = 200
    return render_template("privacy/sensitive_views.html", views=privacy.sensitive_views(limit), limit=limit,
                           retention=policy_service.in_force(clock.today()).policy.retention,
                           local=lambda at: at.astimezone(clock.site_zone()).strftime("%Y-%m-%d %H:%M"))
