"""The shift-start mix, for Locust in headless mode (run by ``benchmarks/shift_start.py``, docs/benchmark.md).

``SHIFT_START_CONFIG`` names the JSON file ``load_data.prepare`` wrote (who signs in, the time clock's
token, the corrections each lead approves); ``SHIFT_START_MODE`` picks the users:

- ``mix``: the minutes around a shift start. The time clock sends each person's clock-in once (HR's
  punch feed, ``POST /api/v1/punches``, a new person every time: nobody clocks in twice); staff open
  today's page and their month; leads open the day board, check their team's grooming (open the check,
  submit the team of 20), open their inbox and approve a 补卡. People think between taps.
- ``clock``: the time clock alone, with no pause: clock-in throughput.
- ``hello``: a Flask hello-world served by the same gunicorn, with no pause: the framework's ceiling.

Every request goes to 127.0.0.1. What the server accepted (punches, approvals, grooming checks) is
written to ``SHIFT_START_SENT`` when the run stops, for the script to compare with the database.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import gevent
from locust import FastHttpUser, between, constant, events, task
from locust.exception import StopUser

CONFIG = json.loads(Path(os.environ["SHIFT_START_CONFIG"]).read_text(encoding="utf-8"))
MODE = os.environ.get("SHIFT_START_MODE", "mix")
HOSTS = CONFIG["hosts"]
if not all(h.startswith("http://127.0.0.1:") for h in HOSTS):
    raise SystemExit("the load test only ever targets 127.0.0.1")
ZONE = ZoneInfo(CONFIG["zone"])
THINK = between(0.5, 1.5)  # a person on a phone: read, then tap
WARMUP = float(os.environ.get("SHIFT_START_WARMUP", "0"))  # seconds not measured: workers warm, people signed in
SENT: dict = {"punches": [], "approvals": [], "grooming": 0, "failed": 0}
SIGNING_IN = {"started": 0, "done": 0}

_host_turn = itertools.count()
_clock_people = iter(CONFIG["clock_people"])
_staff = iter(CONFIG["staff"])
_leads = iter(CONFIG["leads"])
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class _OnOneHost(FastHttpUser):
    """Users take the hosts in turn: with two gunicorns, half the users go to each (a load balancer)."""

    abstract = True
    host = HOSTS[0]
    network_timeout = 120.0  # a slow answer is measured as slow, not turned into an error at 60 s
    connection_timeout = 120.0

    def __init__(self, environment):
        self.host = HOSTS[next(_host_turn) % len(HOSTS)]
        super().__init__(environment)


class _SignedIn(_OnOneHost):
    abstract = True
    csrf = ""

    def sign_in(self, username: str) -> None:
        SIGNING_IN["started"] += 1
        page = self.client.get("/login", name="sign in (page)")
        self.csrf = CSRF.search(page.text).group(1)
        with self.client.post("/login", data={"username": username, "password": CONFIG["password"],
                                              "csrf_token": self.csrf},
                              allow_redirects=False, name="sign in", catch_response=True) as answer:
            if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
                answer.failure(f"sign-in refused: {answer.status_code}")
                raise StopUser()
        self.csrf = CSRF.search(self.client.get("/today", name="today").text).group(1)
        SIGNING_IN["done"] += 1

    def post_form(self, path: str, data, name: str) -> bool:
        """A form post answered by a redirect (the pages' pattern after a write). A form with repeated fields
        (a list of pairs) is encoded here: Locust's fast client sends only a dict or bytes as a form."""
        headers = {}
        if isinstance(data, list):
            data, headers = urlencode(data).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        with self.client.post(path, data=data, headers=headers, allow_redirects=False, name=name,
                              catch_response=True) as answer:
            if answer.status_code in (302, 303):
                return True
            answer.failure(f"{answer.status_code}: {answer.text[:200]}")
            return False


class TimeClock(_OnOneHost):
    """HR's punch feed at shift start: each person's clock-in, once."""

    weight = 4
    wait_time = THINK if MODE == "mix" else constant(0)

    @task
    def clock_in(self) -> None:
        try:
            person = next(_clock_people)
        except StopIteration:
            raise StopUser() from None
        body = {"employee_no": person, "direction": "in", "source": "clock",
                "at": datetime.now(ZONE).isoformat(timespec="seconds")}
        with self.client.post("/api/v1/punches", json=body, name="clock in", catch_response=True, headers={
                "Authorization": f"Bearer {CONFIG['clock_token']}", "Idempotency-Key": uuid.uuid4().hex}) as answer:
            if answer.status_code == 201:
                SENT["punches"].append(person)
            else:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")


class Staff(_SignedIn):
    weight = 4
    wait_time = THINK

    def on_start(self) -> None:
        username = next(_staff, None)
        if username is None:  # more users than people prepared
            raise StopUser()
        self.sign_in(username)

    @task(3)
    def today(self) -> None:
        self.client.get("/today", name="today")

    @task(1)
    def my_month(self) -> None:
        self.client.get("/attendance/me", name="my month")


FAIL_BOX = re.compile(r'name="fail-([^"]+)" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class Lead(_SignedIn):
    weight = 2
    wait_time = THINK

    def on_start(self) -> None:
        me = next(_leads, None)
        if me is None:  # more lead users than leads prepared (--leads)
            raise StopUser()
        self.team, self.pending = me["team"], list(me["requests"])
        self.sign_in(me["username"])

    @task(2)
    def board(self) -> None:
        self.client.get("/attendance/board", name="day board")

    @task(1)
    def grooming(self) -> None:
        page = self.client.get(f"/grooming/check?team={self.team}", name="grooming check (open)")
        if page.status_code != 200:
            return
        form = [(k, v) for k, v in HIDDEN.findall(page.text) if k != "csrf_token"]
        boxes: dict[str, list[str]] = {}
        for person, item in FAIL_BOX.findall(page.text):
            boxes.setdefault(person, []).append(item)
        failed = 0
        for person in random.sample(sorted(boxes), k=min(2, len(boxes))):  # two people fail an item
            form.append((f"fail-{person}", random.choice(boxes[person])))
            failed += 1
        form.append(("csrf_token", self.csrf))
        if self.post_form("/grooming/check", form, "grooming check submit (team of 20)"):
            SENT["grooming"] += 1
            SENT["failed"] += failed

    @task(2)
    def inbox(self) -> None:
        self.client.get("/approvals", name="inbox")

    @task(1)
    def approve(self) -> None:
        if not self.pending:
            return
        request_id = self.pending.pop(0)
        if self.post_form(f"/requests/{request_id}/approve", {"csrf_token": self.csrf, "note": ""}, "approve 补卡"):
            SENT["approvals"].append(request_id)


class Hello(_OnOneHost):
    wait_time = constant(0)

    @task
    def hello(self) -> None:
        self.client.get("/__hello/", name="hello world")


# Only the users of the chosen mode run.
if MODE == "mix":
    del Hello
elif MODE == "clock":
    del Staff, Lead, Hello
elif MODE == "hello":
    del TimeClock, Staff, Lead


@events.test_start.add_listener
def _measure_after_warmup(environment, **_kwargs) -> None:
    """Forget the warm-up's figures: the first requests of each worker and the sign-ins are not the shift."""

    def reset() -> None:
        gevent.sleep(WARMUP)
        while SIGNING_IN["done"] < SIGNING_IN["started"]:
            gevent.sleep(0.2)
        environment.stats.reset_all()

    if WARMUP:
        gevent.spawn(reset)


@events.test_stop.add_listener
def _write_sent(**_kwargs) -> None:
    if os.environ.get("SHIFT_START_SENT"):
        Path(os.environ["SHIFT_START_SENT"]).write_text(json.dumps(SENT), encoding="utf-8")
