"""My data as a download (the button on /me); HR's list of who viewed sensitive files."""

from __future__ import annotations

from flask import Blueprint, Response
from flask_login import current_user

from attendance.services import privacy
from attendance.web import permission_required

bp = Blueprint("privacy", __name__)


@bp.route("/me/export.zip")
@permission_required("privacy.export")
def export():
    name, body = privacy.export_own_data(current_user)
    return Response(body, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename={name}"})
