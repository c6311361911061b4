"""The wall display's live feed across processes: a change made through one `cityhub serve`
reaches a display connected to another on the same database (PostgreSQL: NOTIFY; SQLite: the
change log polled), and a display that comes back with its last cursor gets what it missed."""
import http.client
import json
import threading
import time
import urllib.parse

import pytest

from conftest import Server, engines, request


class FeedReader:
    """Reads `GET /api/v1/cases/feed` in a thread; keeps the events with their arrival time."""

    def __init__(self, url, token, last_event_id=None):
        parts = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        headers = {"Authorization": "Bearer " + token, "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.conn.request("GET", "/api/v1/cases/feed", headers=headers)
        self.response = self.conn.getresponse()
        assert self.response.status == 200 and self.response.getheader("Content-Type").startswith("text/event-stream")
        self.events = []
        self.lock = threading.Lock()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        event = {}
        try:
            for raw in self.response:
                line = raw.decode("utf-8").rstrip("\n")
                if line == "":
                    if "data" in event:
                        with self.lock:
                            self.events.append((time.monotonic(), event))
                    event = {}
                elif not line.startswith(":") and ":" in line:
                    field, value = line.split(":", 1)
                    event[field] = value[1:] if value.startswith(" ") else value
        except Exception:
            pass

    def wait_for(self, predicate, seconds=5):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                for arrived, event in self.events:
                    if event.get("event") == "case" and predicate(json.loads(event["data"])):
                        return arrived, event
            time.sleep(0.01)
        return None

    def close(self):
        self.conn.close()


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_a_case_filed_through_one_server_reaches_a_display_on_another_and_a_returning_display_catches_up(database):
    a = Server(database).start()
    b = Server(database).start()
    try:
        display = FeedReader(a.url, a.token("operator"))
        time.sleep(0.5)
        token = b.token("operator")
        started = time.monotonic()
        status, _, filed = request("POST", b.url + "/api/v1/cases", {
            "kind": "complaint", "categoryCode": "20102", "description": "跨进程推送测试", "location": {"lon": 114.6512, "lat": 33.6231}}, token=token)
        assert status == 201, filed
        number = filed["case"]["number"]
        got = display.wait_for(lambda c: c["number"] == number)
        assert got, "the display on the other server never saw the case"
        arrived, event = got
        print(f"case filed on B reached the display on A after {(arrived - started) * 1000:.0f} ms")
        assert arrived - started < 2.0
        first_cursor = int(event["id"])
        # The display drops; meanwhile the department accepts the case through B.
        display.close()
        status, _, _ = request("POST", b.url + f"/api/v1/cases/{number}/accept", {}, token=b.token("handler"))
        assert status == 200
        # It comes back to A with its last cursor and first gets what it missed.
        back = FeedReader(a.url, a.token("operator"), last_event_id=first_cursor)
        got = back.wait_for(lambda c: c["number"] == number and c["state"] == "handling")
        assert got and int(got[1]["id"]) > first_cursor
        back.close()
        # A cursor that is not a number is refused, naming the field.
        status, _, problem = request("GET", a.url + "/api/v1/cases/feed?after=x", token=a.token("operator"))
        assert status == 400 and problem["field"] == "after"
    finally:
        a.stop()
        b.stop()
