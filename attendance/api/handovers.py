"""The handover book (交接本): write, list, acknowledge, and the lead's SWAP_HANDOVER from a poor handover."""

from __future__ import annotations

import marshmallow as ma

from attendance.api.core import actor, idempotent, make_blueprint, permission
from attendance.api.swaps import ViolationRef
from attendance.services import handovers as svc

blp = make_blueprint("api_handovers", "", "The handover book: write, acknowledge, and a poor handover's fine")


def _iso(value):
    return value.isoformat() if value is not None else None


class HandoverBookOut(ma.Schema):
    id = ma.fields.Integer()
    team = ma.fields.Function(lambda h: h.team.code)
    date = ma.fields.Function(lambda h: h.day.isoformat(), metadata={"format": "date"})
    shift = ma.fields.Function(lambda h: h.shift_type.code if h.shift_type else None)
    written_by = ma.fields.Function(lambda h: h.written_by.employee_no)
    incoming_no = ma.fields.Function(lambda h: h.incoming.employee_no if h.incoming else None)
    open_cases = ma.fields.String()
    keys = ma.fields.String()
    notes = ma.fields.String()
    empty = ma.fields.Boolean()
    swap_id = ma.fields.Integer(attribute="swap_request_id", allow_none=True)
    written_at = ma.fields.Function(lambda h: _iso(h.written_at), metadata={"format": "date-time"})
    acknowledged_by = ma.fields.Function(lambda h: h.acknowledged_by.employee_no if h.acknowledged_by else None)
    acknowledged_at = ma.fields.Function(lambda h: _iso(h.acknowledged_at), metadata={"format": "date-time"})


class HandoverBookIn(ma.Schema):
    date = ma.fields.String(metadata={"format": "date", "description": "default: today"})
    shift = ma.fields.String(metadata={"description": "shift type code"})
    incoming_no = ma.fields.String(metadata={"description": "who takes over; default: anyone of the team"})
    open_cases = ma.fields.String(load_default="")
    keys = ma.fields.String(load_default="")
    notes = ma.fields.String(load_default="")


class HandoverBookQuery(ma.Schema):
    team = ma.fields.String()
    date = ma.fields.String(metadata={"format": "date"})
    acknowledged = ma.fields.Boolean()


class HandoverBookFineIn(ma.Schema):
    note = ma.fields.String(load_default="")


HandoverList = ma.Schema.from_dict({"items": ma.fields.List(ma.fields.Nested(HandoverBookOut))},
                                  name="HandoverBookList")


@blp.route("/handovers", methods=["POST"])
@permission("handovers.write")
@idempotent
@blp.arguments(HandoverBookIn)
@blp.response(201, HandoverBookOut)
def write_handover(data):
    """The outgoing person's handover: ``open_cases``, ``keys``, ``notes`` (at least one); the one named in
    ``incoming_no`` is notified."""
    return svc.write(actor(), data)


@blp.route("/handovers")
@permission("handovers.view")
@blp.arguments(HandoverBookQuery, location="query")
@blp.response(200, HandoverList)
def list_handovers(args):
    """The handovers of the caller's team (a lead: the teams they lead; the office: any ``team``), newest
    first; ``acknowledged=false``: those still waiting."""
    return {"items": svc.list_handovers(actor(), team=args.get("team"), day=args.get("date"),
                                        acknowledged=args.get("acknowledged"))}


@blp.route("/handovers/<int:handover_id>")
@permission("handovers.view")
@blp.response(200, HandoverBookOut)
def get_handover(handover_id: int):
    return svc.get(actor(), handover_id)


@blp.route("/handovers/<int:handover_id>/acknowledge", methods=["POST"])
@permission("handovers.view")
@blp.response(200, HandoverBookOut)
def acknowledge_handover(handover_id: int):
    """The incoming person (or, with none named, a colleague of the team) acknowledges; 409
    ``already_acknowledged`` the second time; 403 for anyone else."""
    return svc.acknowledge(actor(), handover_id)


@blp.route("/handovers/<int:handover_id>/fine", methods=["POST"])
@permission("swaps.handover")
@blp.arguments(HandoverBookFineIn)
@blp.response(201, ViolationRef)
def fine_handover(data, handover_id: int):
    """The lead records ``SWAP_HANDOVER`` for the writer of a handover nobody acknowledged or that was empty,
    once per handover (a second call returns the first); 409 ``handover_acknowledged`` otherwise."""
    return svc.record_fine(actor(), handover_id, data["note"])
