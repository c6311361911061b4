"""The exchange end to end: a department's receiver verifies every webhook with the Standard
Webhooks reference library (not CityHub's code); changes made by the CLI's imports are delivered;
with two `cityhub serve` processes on one database each event goes out from one of them, and a
process killed with SIGKILL mid-delivery loses no event (receivers de-duplicate by webhook-id)."""
import http.server
import json
import os
import signal
import subprocess
import threading
import time

import pytest
from standardwebhooks.webhooks import Webhook

from conftest import BINARY, Server, engines, request


class Receiver:
    """An HTTP receiver on 127.0.0.1 that verifies each post with standardwebhooks and keeps its id."""

    def __init__(self, delay=0.0):
        self.secret = None
        self.posts = []
        self.invalid = []
        self.delay = delay
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    payload = Webhook(receiver.secret).verify(body, headers)
                    with receiver.lock:
                        receiver.posts.append((headers["webhook-id"], payload))
                except Exception as error:  # noqa: BLE001 - any verification failure is recorded
                    with receiver.lock:
                        receiver.invalid.append(str(error))
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def ids(self):
        with self.lock:
            return [i for i, _ in self.posts]

    def wait_for(self, n, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline and len(set(self.ids())) < n:
            time.sleep(0.2)
        return set(self.ids())

    def close(self):
        self.httpd.shutdown()


def subscribe(server, receiver, resource="persons"):
    token = server.token("steward")
    status, _, granted = request("POST", server.url + "/api/v1/exchange/requests",
                                 {"resource": resource, "purpose": "核对居民信息", "fields": ["idNumber", "name", "divisionCode"], "days": 30}, token=token)
    assert status == 201 and granted["state"] == "granted", granted
    status, _, created = request("POST", server.url + "/api/v1/exchange/subscriptions", {"resource": resource, "url": receiver.url}, token=token)
    assert status == 201, created
    receiver.secret = created["secret"]
    return created["id"]


def import_persons(server, tmp_path, count, seed):
    csv = tmp_path / f"persons-{seed}.csv"
    subprocess.run([BINARY, "generate", "persons", "--count", str(count), "--out", str(csv), "--seed", str(seed)], check=True, capture_output=True)
    result = server.cli("import", "persons", str(csv), "--source", "public-security", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


ENV = {"CITYHUB_EXCHANGE_ALLOW_PRIVATE_RECEIVERS": "true"}


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_a_cli_import_reaches_the_subscriber_signed_and_verified_by_the_reference_library(database, tmp_path):
    server = Server(database, env=ENV).start()
    receiver = Receiver()
    try:
        subscribe(server, receiver)
        report = import_persons(server, tmp_path, 40, 7)
        got = receiver.wait_for(40)
        assert len(got) == 40 and not receiver.invalid, receiver.invalid[:3]
        events = [p for _, p in receiver.posts]
        assert all(e["type"] == "record.created" for e in events)
        data = [e["data"] for e in events]
        # The grant is masked: ID numbers and names leave masked; the cursor order is kept.
        assert all("*" in d["key"] and "*" in (d["record"]["name"] or "*") for d in data), data[:2]
        cursors = [d["cursor"] for d in data]
        assert cursors == sorted(cursors)
        # A tampered body fails the reference library's check.
        bad = json.dumps(events[0]).encode() + b" "
        with pytest.raises(Exception):
            Webhook(receiver.secret).verify(bad, {"webhook-id": receiver.posts[0][0], "webhook-timestamp": str(int(time.time())),
                                                  "webhook-signature": "v1,AAAA"})
        assert report.get("imported", report.get("created", 40)) >= 0
    finally:
        receiver.close()
        server.stop()


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_two_servers_send_each_event_once_and_a_killed_one_loses_nothing(database, tmp_path):
    a = Server(database, env=ENV).start()
    b = Server(database, env=ENV).start()
    receiver = Receiver(delay=0.01)
    try:
        subscribe(a, receiver)
        import_persons(a, tmp_path, 60, 21)
        first = receiver.wait_for(60)
        assert len(first) == 60 and not receiver.invalid
        # Both processes deliver, yet no event was sent twice.
        assert len(receiver.ids()) == 60, f"{len(receiver.ids()) - 60} duplicates"

        # Kill one mid-delivery: the other takes over when the lease lapses; every event arrives.
        receiver.delay = 0.05
        import_persons(b, tmp_path, 200, 22)
        time.sleep(1.0)
        a.proc.send_signal(signal.SIGKILL)
        a.proc.wait()
        got = receiver.wait_for(260, timeout=180)
        assert len(got) == 260, f"{260 - len(got)} events lost"
        assert not receiver.invalid
    finally:
        receiver.close()
        a.stop()
        b.stop()


# The DCAT-AP 3.0.1 shapes, unmodified (dcat-ap/README.md says whose and under which licence).
SHAPES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dcat-ap", "dcat-ap-3.0.1-SHACL.ttl")


def test_the_open_data_catalogue_conforms_to_the_dcat_ap_shapes(shared_server, tmp_path):
    status, headers, body = request("GET", shared_server.url + "/opendata/catalog.jsonld")
    assert status == 200 and headers["Content-Type"].startswith("application/ld+json")
    path = tmp_path / "catalog.jsonld"
    path.write_text(json.dumps(body), encoding="utf-8")
    result = subprocess.run(["pyshacl", "-s", SHAPES, "-df", "json-ld", str(path)], capture_output=True, text=True, timeout=300)
    assert "Conforms: True" in result.stdout, result.stdout[-3000:]
    datasets = [n for n in body["@graph"] if n.get("@type") == "dcat:Dataset"]
    assert datasets, "the demo's open resources (the legal entities) are listed"
    # Every distribution downloads, anonymously, with the public fields only.
    status, headers, csv = request("GET", shared_server.url + "/opendata/datasets/411600-BDB.R002.csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    lines = csv.splitlines()
    assert lines[0] == "creditCode,name,kind,address,divisionCode,status,statusDate,businessScope" and len(lines) > 100
