"""The policy in force, readable by everyone; new versions uploaded by admin and HR, published with how they
were adopted; each person reads a version by category and acknowledges it; the office sees who has not."""

from __future__ import annotations

import functools
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from attendance.clock import today
from attendance.domain.errors import DomainError, InvalidInput, PolicyInvalid
from attendance.domain.policy import parse_policy
from attendance.domain.policy.templates import TEMPLATES, differences, load_template
from attendance.labels import (
    POLICY_SETTING_LABELS,
    POLICY_TEMPLATE_LABELS,
    ROLE_LABELS,
    RULE_CATEGORY_LABELS,
    error_text,
    ladder_sentences,
)
from attendance.policy.forms import AcknowledgeForm, PolicyUploadForm, PublishForm
from attendance.services import policy as policy_service
from attendance.web import permission_required, show_field_errors

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
    templates, rows, rule_names = _template_comparison()
    return render_template("policy/show.html", current=current, on=on,
                           versions=policy_service.versions(), templates=templates, template_rows=rows,
                           template_rule_names=rule_names,
                           template_labels=POLICY_TEMPLATE_LABELS, setting_labels=POLICY_SETTING_LABELS,
                           role_labels=ROLE_LABELS)


@functools.cache
def _template_comparison():
    """The shipped templates and the settings in which they differ (files of the package: read once)."""
    policies = [load_template(name) for name in TEMPLATES]
    names = {code: rule.name for policy in reversed(policies) for code, rule in policy.rules.items()}
    return tuple(zip(TEMPLATES, policies, strict=True)), differences(policies), names


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
            form.file.errors = [error_text(exc)]
        else:
            flash(_("Policy version %(label)s stored, in force from %(d)s.", label=row.label,
                    d=row.effective_from.isoformat()))
            return redirect(url_for("policy.show"))
    status = 400 if request.method == "POST" else 200
    return render_template("policy/upload.html", form=form, problems=problems), status


@bp.route("/rules")
@permission_required("policy.view")
def rules():
    """The rules in force today, to read (and acknowledge) on a phone."""
    return redirect(url_for("policy.read", version_id=policy_service.version_in_force(today()).id))


@bp.route("/versions/<int:version_id>/read")
@permission_required("policy.view")
def read(version_id: int):
    """A version's rules by category, each ladder as sentences; the acknowledge button once published."""
    row = policy_service.get_version(version_id)
    policy = parse_policy(row.document)
    categories: dict[str, list] = {}
    for rule in policy.rules.values():
        categories.setdefault(rule.category, []).append(
            (rule, ladder_sentences(rule, policy.after_ladder_for(rule)), policy.window_for(rule)))
    ack = policy_service.acknowledgement_of(row.id, current_user.id)
    return render_template("policy/read.html", row=row, policy=policy, categories=categories,
                           category_labels=RULE_CATEGORY_LABELS, ack=ack, form=AcknowledgeForm())


@bp.route("/versions/<int:version_id>/acknowledge", methods=["POST"])
@permission_required("policy.acknowledge")
def acknowledge(version_id: int):
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        policy_service.acknowledge(current_user, version_id)
    except DomainError as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Thank you: your acknowledgement is recorded."))
    return redirect(url_for("policy.read", version_id=version_id))


@bp.route("/versions/<int:version_id>/publish", methods=["GET", "POST"])
@permission_required("policy.publish")
def publish(version_id: int):
    row = policy_service.get_version(version_id)
    form = PublishForm()
    if form.validate_on_submit():
        body = form.adopted_by_other.data if form.adopted_by.data == "other" else form.adopted_by.data
        upload = form.evidence.data
        evidence = ((upload.filename, upload.read(), upload.mimetype or "")
                    if upload and getattr(upload, "filename", None) else None)
        try:
            policy_service.publish(current_user, row.id, adopted_on=form.adopted_on.data, adopted_by=body,
                                   evidence=evidence)
        except DomainError as exc:
            show_field_errors(form, exc, {"adopted_by": "adopted_by_other" if form.adopted_by.data == "other"
                                          else "adopted_by"})
        else:
            flash(_("Version %(label)s published; everyone is asked to read and acknowledge it.", label=row.label))
            return redirect(url_for("policy.acknowledgements", version_id=row.id))
    status = 400 if request.method == "POST" else 200
    return render_template("policy/publish.html", row=row, form=form), status


@bp.route("/versions/<int:version_id>/acknowledgements")
@permission_required("policy.acknowledgements")
def acknowledgements(version_id: int):
    return render_template("policy/acknowledgements.html",
                           acks=policy_service.acknowledgements(current_user, version_id))


@bp.route("/versions/<int:version_id>/evidence")
@permission_required("policy.view")
def evidence(version_id: int):
    """The minute or notice of adoption, as a download."""
    path, mime = policy_service.evidence_file(version_id)
    return send_file(path, mimetype=mime, as_attachment=True,
                     download_name=f"policy-{version_id}-adoption{path.suffix}")
