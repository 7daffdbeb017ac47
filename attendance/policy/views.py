"""The policy in force, readable by everyone; new versions uploaded by admin and HR."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from attendance.clock import today
from attendance.domain.errors import InvalidInput, PolicyInvalid
from attendance.policy.forms import PolicyUploadForm
from attendance.services import policy as policy_service
from attendance.web import permission_required

bp = Blueprint("policy", __name__, url_prefix="/policy")


def _on() -> date:
    try:
        return date.fromisoformat(request.args["on"]) if request.args.get("on") else today()
    except ValueError:
        raise InvalidInput(_("Not a date: %(v)s", v=request.args["on"]), fields={"on": "YYYY-MM-DD"}) from None


@bp.route("")
@permission_required("policy.view")
def show():
    on = _on()
    current = policy_service.in_force(on)
    return render_template("policy/show.html", current=current, on=on,
                           versions=policy_service.versions())


@bp.route("/versions/<int:version_id>.yaml")
@permission_required("policy.view")
def export(version_id: int):
    row = next((v for v in policy_service.versions() if v.id == version_id), None)
    if row is None:
        return render_template("errors/error.html", status=404, error=None), 404
    return Response(policy_service.export_yaml(row), mimetype="application/yaml",
                    headers={"Content-Disposition": f"attachment; filename=policy-{row.id}.yaml"})


@bp.route("/upload", methods=["GET", "POST"])
@permission_required("policy.manage")
def upload():
    form = PolicyUploadForm()
    problems: list[tuple[str, str]] = []
    if form.validate_on_submit():
        try:
            doc = policy_service.read_document(form.file.data.read())
            row = policy_service.add_version(current_user, doc)
        except PolicyInvalid as exc:
            problems = exc.problems
        except InvalidInput as exc:
            form.file.errors = [exc.message]
        else:
            flash(_("Policy version %(label)s stored, in force from %(d)s.", label=row.label,
                    d=row.effective_from.isoformat()))
            return redirect(url_for("policy.show"))
    status = 400 if request.method == "POST" else 200
    return render_template("policy/upload.html", form=form, problems=problems), status
