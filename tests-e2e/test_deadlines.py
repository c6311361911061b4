"""Deadlines across processes: two `cityhub serve` processes on one database both run the job
queue; a case's 80% warning and its overdue mark (with the escalation) happen once each, claimed
by one process (FOR UPDATE SKIP LOCKED on PostgreSQL, the single writer on SQLite)."""
import os
import sqlite3
import subprocess
import time
import urllib.parse

import pytest

from conftest import Server, engines, request


def job_rows(database, number):
    """(kind, state, attempts) of the deadline jobs of case `number`, read straight from the store."""
    sql = f"SELECT kind, state, attempts FROM jobs WHERE payload LIKE '%{number}%' ORDER BY kind, id"
    if not database.startswith("postgres"):
        with sqlite3.connect(database) as db:
            return [tuple(r) for r in db.execute(sql)]
    parts = urllib.parse.urlparse(database)
    out = subprocess.run(["psql", "-h", parts.hostname, "-p", str(parts.port), "-U", parts.username or "cityhub", "-d", parts.path.lstrip("/"),
                          "-qAt", "-F", "|", "-c", sql], capture_output=True, text=True, check=True).stdout
    return [(k, s, int(a)) for k, s, a in (line.split("|") for line in out.splitlines() if line)]


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_two_servers_warn_and_mark_a_deadline_once(database):
    a = Server(database).start()
    b = Server(database).start()
    try:
        token = a.token("operator")
        # A one-minute limit for this category and kind: warned at 48 s, overdue at 60 s.
        status, _, body = request("PUT", a.url + "/api/v1/cases/deadline-rules", {"rules": [
            {"categoryPrefix": "20102", "kind": "complaint", "urgency": "", "limit": {"amount": 1, "unit": "minutes"}}]}, token=token)
        assert status == 200, body
        status, _, filed = request("POST", b.url + "/api/v1/cases", {
            "kind": "complaint", "categoryCode": "20102", "description": "两进程期限测试：垃圾未清运", "location": {"lon": 114.65, "lat": 33.62}},
            token=b.token("operator"))
        assert status == 201, filed
        number = filed["case"]["number"]
        assert filed["case"]["state"] == "dispatched" and filed["case"]["deadlineAt"]
        deadline = time.time() + 120
        timeline = []
        while time.time() < deadline:
            _, _, detail = request("GET", a.url + f"/api/v1/cases/{number}", token=token)
            timeline = [e["action"] for e in detail["timeline"]]
            if "overdue" in timeline and all(state == "done" for _, state, _ in job_rows(database, number)):
                break
            time.sleep(1)
        assert timeline.count("warn") == 1 and timeline.count("overdue") == 1, timeline
        assert timeline.index("warn") < timeline.index("overdue")
        _, _, detail = request("GET", b.url + f"/api/v1/cases/{number}", token=token)
        assert detail["case"]["escalations"] == 1 and detail["case"]["overdueAt"]
        jobs = job_rows(database, number)
        assert [kind for kind, _, _ in jobs] == ["cases.deadline", "cases.deadline"], jobs
        assert all(state == "done" and attempts == 1 for _, state, attempts in jobs), jobs
    finally:
        a.stop()
        b.stop()
