"""A policy version a test adds and publishes at once (as adopted long ago), so violations can be recorded
under it; tests/services/test_policy_publication.py tests drafts and publication themselves."""

from __future__ import annotations

from datetime import date

from attendance.services import policy as policy_service

ADOPTED_ON = date(2020, 1, 1)


def add_published(doc: dict, actor=None):
    row = policy_service.add_version(actor, doc)
    return policy_service.publish(actor, row.id, adopted_on=ADOPTED_ON, adopted_by="全体职工讨论")


def publish_grooming_per_item(actor=None):
    """The default policy with one violation per failed item and desk items raising too (the behaviour
    before the grooming settings), for the tests of per-item corrections."""
    from attendance.domain.policy import default_policy_document

    doc = default_policy_document()
    doc["version"] = "grooming-per-item"
    doc["grooming"].update(violation_per="item", workstation_violations=True)
    return add_published(doc, actor)
