"""Notification pages: my notifications (newest first), opening one, marking all read; a team's robot (admin)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from attendance import clock
from attendance.domain.errors import InvalidInput
from attendance.labels import NOTIFICATION_KIND_LABELS, ROBOT_FLAVOUR_LABELS, message
from attendance.notifications.forms import RobotForm
from attendance.services import notifications
from attendance.web import permission_required, show_field_errors

bp = Blueprint("notifications", __name__)


def _local(instant) -> str:
    return instant.astimezone(clock.site_zone()).strftime("%Y-%m-%d %H:%M")


def _safe_link(link: str | None) -> str | None:
    """A notification's link is a path on this site; anything else is not followed."""
    if link and link.startswith("/") and not link.startswith(("//", "/\\")):
        return link
    return None


@bp.route("/notifications")
@permission_required("notifications.view")
def index():
    unread = request.args.get("unread") == "1"
    page = notifications.notifications_for(current_user, unread=unread, limit=30,
                                           cursor=request.args.get("cursor") or None)
    return render_template("notifications/index.html", page=page, unread=unread, message=message,
                           local=_local, kinds=NOTIFICATION_KIND_LABELS)


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@permission_required("notifications.view")
def open_one(notification_id: int):
    """Mark it read and go where it points (the list, when it points nowhere)."""
    found = notifications.mark_read(current_user, notification_id)
    return redirect(_safe_link(found.link) or url_for("notifications.index"), 303)


@bp.route("/notifications/read-all", methods=["POST"])
@permission_required("notifications.view")
def read_all():
    count = notifications.mark_all_read(current_user)
    flash(_("%(count)s marked read.", count=count))
    return redirect(url_for("notifications.index"), 303)


@bp.route("/notifications/robots")
@permission_required("robots.manage")
def robots():
    return render_template("notifications/robots.html", rows=notifications.robots(),
                           flavours=ROBOT_FLAVOUR_LABELS, kinds=NOTIFICATION_KIND_LABELS)


@bp.route("/teams/<code>/robot", methods=["GET", "POST"])
@permission_required("robots.manage")
def edit_robot(code: str):
    team, robot = notifications.robot_of(code)
    form = RobotForm(data={"flavour": robot.flavour, "url": robot.url, "kinds": list(robot.kinds or []),
                           "active": robot.active} if robot else {"kinds": ["violation"], "active": True})
    if form.validate_on_submit():
        data = {"flavour": form.flavour.data, "url": form.url.data, "kinds": form.kinds.data or [],
                "active": form.active.data}
        try:
            notifications.save_robot(current_user, code, data)
        except InvalidInput as exc:
            show_field_errors(form, exc)
        else:
            flash(_("Saved."))
            return redirect(url_for("notifications.robots"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("notifications/robot_form.html", form=form, team=team, robot=robot), status
