"""Running jobs at the same instant, each in its own thread, app context, session and database connection."""

from __future__ import annotations

import threading

from attendance.extensions import db


def run_together(app, jobs):
    """Run each job in its own thread and app context, released at the same instant."""
    db.session.commit()  # the test's own read transaction would hold SQLite's shared lock meanwhile
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(i, job):
        with app.app_context():
            try:
                barrier.wait()
                results[i] = job()
            except Exception as exc:  # reported below, with the thread's error
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results
