"""The JSON API at /api/v1: one module per resource, errors in one place (attendance.web)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from attendance.api import (
        attendance,
        auth,
        extra_shifts,
        grooming,
        handovers,
        inspections,
        jobs,
        leave,
        ledger,
        notifications,
        people,
        policy,
        privacy,
        requests,
        scores,
        shifts,
        swaps,
        violations,
        work_reports,
        years,
    )
    from attendance.extensions import api

    for module in (auth, people, policy, violations, ledger, shifts, attendance, grooming, scores, requests,
                   leave, swaps, notifications, privacy, work_reports,
                   handovers, extra_shifts, inspections, jobs, years):
        api.register_blueprint(module.blp)
