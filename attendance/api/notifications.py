"""The caller's own notifications (the bell): list, mark one read, mark all read."""

from __future__ import annotations

import marshmallow as ma

from attendance.api.core import PageArgs, actor, make_blueprint, page_body, paged_schema, permission
from attendance.labels import message
from attendance.services import notifications as svc

blp = make_blueprint("api_notifications", "/notifications", "The caller's notifications")


class NotificationOut(ma.Schema):
    """Title and body in the caller's language (their saved locale)."""

    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": list(svc.KINDS)})
    title = ma.fields.Function(lambda n: message(n.title, n.params))
    body = ma.fields.Function(lambda n: message(n.body, n.params))
    link = ma.fields.String(metadata={"description": "a path on this site, or empty"})
    created_at = ma.fields.DateTime()
    read_at = ma.fields.DateTime(allow_none=True)


class NotificationQuery(PageArgs):
    unread = ma.fields.Boolean(load_default=False, metadata={"description": "only the unread ones"})


class ReadAllOut(ma.Schema):
    marked = ma.fields.Integer(metadata={"description": "how many were unread"})


NotificationPage = paged_schema(NotificationOut, "NotificationPage")


@blp.route("")
@permission("notifications.view")
@blp.arguments(NotificationQuery, location="query")
@blp.response(200, NotificationPage)
def list_notifications(args):
    """The caller's notifications, newest first; ``?unread=true`` for the unread ones only."""
    page = svc.notifications_for(actor(), unread=args["unread"], limit=args["limit"], cursor=args["cursor"])
    return page_body(page.items, page.next)


@blp.route("/<int:notification_id>/read", methods=["POST"])
@permission("notifications.view")
@blp.response(200, NotificationOut)
@blp.alt_response(404, description="no such notification, or not the caller's")
def mark_read(notification_id):
    """Mark one of the caller's notifications read; again changes nothing (404 for anyone else's)."""
    return svc.mark_read(actor(), notification_id)


@blp.route("/read-all", methods=["POST"])
@permission("notifications.view")
@blp.response(200, ReadAllOut)
def mark_all_read():
    """Mark all the caller's notifications read."""
    return {"marked": svc.mark_all_read(actor())}
