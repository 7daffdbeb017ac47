"""The caller's own data (PIPL Art. 45)."""

from __future__ import annotations

from flask import Response

from attendance.api.core import actor, make_blueprint, permission
from attendance.services import privacy

blp = make_blueprint("api_privacy", "", "Personal data")


@blp.route("/me/export")
@permission("privacy.export")
@blp.response(200, content_type="application/zip", description="A ZIP: JSON per kind, all.json, my-data.xlsx")
def export_my_data():
    """Everything held about the caller — profile, punches, attendance, requests, violations, ledger, scores,
    notifications — as JSON and one workbook; the download is audited."""
    name, body = privacy.export_own_data(actor())
    return Response(body, mimetype="application/zip", headers={"Content-Disposition": f"attachment; filename={name}"})
