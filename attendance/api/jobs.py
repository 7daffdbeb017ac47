"""Background jobs: a large import answered with 202 and the job's URL, followed here until it ends."""

from __future__ import annotations

import marshmallow as ma
from flask import jsonify, url_for

from attendance.api.core import actor, make_blueprint, permission
from attendance.models import Job
from attendance.services import jobs

blp = make_blueprint("api_jobs", "", "Background jobs (large imports)")


class JobOut(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "people_import, punch_import, report, month_close"})
    subject = ma.fields.String(metadata={"description": "the file's name (an import) or the month"})
    status = ma.fields.String(metadata={"description": "queued, running, done or failed"})
    percent = ma.fields.Integer()
    done = ma.fields.Integer(metadata={"description": "lines (an import) or steps done so far"})
    total = ma.fields.Integer()
    step = ma.fields.String(metadata={"description": "checking, adding, judging (an import)"})
    finished = ma.fields.Boolean()
    error = ma.fields.String(allow_none=True, metadata={"description": "why it failed"})
    result = ma.fields.Dict(allow_none=True, metadata={
        "description": "when it ended: the import's answer as the call gives it for a small file"})
    url = ma.fields.String(metadata={"description": "this job, to ask again until `finished`"})


def job_body(job: Job) -> dict:
    body = jobs.state(job)
    result = body.get("result")
    if result and job.kind == "people_import":  # the same answer as a small file's import
        body["result"] = {"imported": result.get("imported", []), "committed": result.get("committed", False),
                          "rejected": [{"line": r["line"], "reason": r["reason"]} for r in result.get("rejected", [])]}
    body["url"] = url_for("api_jobs.get_job", job_id=job.id)
    return body


def accepted(job: Job):
    """202 Accepted: the job's state, and where to follow it (``Location``)."""
    body = job_body(job)
    response = jsonify(JobOut().dump(body))
    response.status_code = 202
    response.headers["Location"] = body["url"]
    return response


@blp.route("/jobs/<int:job_id>")
@permission("self.view")
@blp.response(200, JobOut)
def get_job(job_id):
    """A background job: how far it has got, and when it has ended its result or why it failed. A job of a
    kind the caller may not do is a 404."""
    return job_body(jobs.get_job(actor(), job_id))


@blp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@permission("self.view")
@blp.response(202, JobOut)
def retry_job(job_id):
    """Run a failed job again, as a new job (the failed one is kept) → 202 with the new job. A job that has
    not failed (``job_not_failed``), or an import whose file is no longer kept (``job_file_gone``) → 400."""
    return accepted(jobs.retry(actor(), job_id))
