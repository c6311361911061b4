"""`cityhub serve` as a newcomer runs it: first start seeds and prints logins, a second start keeps
the data, SIGTERM lets in-flight requests finish; the CLI's apikey and audit verify commands."""
import http.client
import os
import signal
import socket
import sqlite3
import threading
import subprocess
import time
import urllib.parse

import pytest

from conftest import Server, engines, free_port, request, ADMIN_PASSWORD, DEMO_PASSWORD


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_first_start_prints_generated_logins_and_a_second_start_keeps_the_data(database):
    env = {"CITYHUB_ADMIN_PASSWORD": "", "CITYHUB_DEMO_PASSWORD": ""}
    first = Server(database, env=env).start()
    first.stop()
    out = first.output
    assert "http://127.0.0.1:" in out
    lines = {l.split()[0]: l.split()[1] for l in out.splitlines() if l.startswith("  ") and len(l.split()) >= 3}
    assert {"admin", "operator", "dispatcher", "handler", "inspector", "auditor", "steward", "huaiyang.handler"} <= set(lines)
    assert first.proc.returncode == 0

    second = Server(database, env=env).start()
    try:
        assert "Accounts created" not in second.output
        token = second.token("admin", lines["admin"])
        status, _, me = request("GET", second.url + "/api/v1/me", token=token)
        assert status == 200 and me["roles"] == ["platformAdmin"]
        status, _, orgs = request("GET", second.url + "/api/v1/organisations?limit=500", token=token)
        assert orgs["total"] == 102
    finally:
        second.stop()
    assert "Accounts created" not in second.output


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_sigterm_finishes_in_flight_requests_then_exits_cleanly(database):
    s = Server(database).start()
    # Six accounts: an attempt in flight counts against its account until it resolves (the login
    # limit allows 5 per account and address), so six parallel logins of one account would see a 429.
    accounts = [("admin", ADMIN_PASSWORD)] + [(u, DEMO_PASSWORD) for u in ("operator", "dispatcher", "handler", "inspector", "auditor")]
    conns = []
    for username, password in accounts:
        body = '{"username":"%s","password":"%s"}' % (username, password)
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        c.request("POST", "/api/v1/auth/login", body=body, headers={"Content-Type": "application/json"})
        conns.append(c)
    # Let the server accept the connections (bcrypt at cost 10 keeps each login busy ~70 ms, six of them
    # on two cores ~200 ms), then ask it to stop while they are being handled.
    time.sleep(0.05)
    s.proc.send_signal(signal.SIGTERM)
    statuses = [c.getresponse().status for c in conns]
    assert statuses == [200] * 6
    assert s.proc.wait(timeout=30) == 0
    assert "stopped cleanly" in s.output


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_apikey_command_prints_a_key_once_that_the_api_accepts(server):
    result = server.cli("apikey", "create", "--name", "郸城县数字城管", "--org", "411625-CMB", "--role", "inspector")
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert key.startswith("chk_")
    status, _, me = request("GET", server.url + "/api/v1/me", headers={"X-API-Key": key})
    assert status == 200 and me["kind"] == "apiKey" and me["scope"] == "411625" and me["roles"] == ["inspector"]
    status, _, problem = request("GET", server.url + "/api/v1/divisions/411602", headers={"X-API-Key": key})
    assert status == 403 and problem["code"] == "identity.outside-division-scope"


def tamper(database, statements):
    if database.endswith(".sqlite"):
        con = sqlite3.connect(database)
        for st in statements:
            con.execute(st)
        con.commit()
        con.close()
    else:
        parts = urllib.parse.urlparse(database)
        psql = ["psql", "-h", parts.hostname, "-p", str(parts.port), "-U", parts.username, "-d", parts.path.lstrip("/"), "-qAt", "-v", "ON_ERROR_STOP=1"]
        for st in statements:
            subprocess.run(psql + ["-c", st], check=True, capture_output=True)


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_audit_verify_passes_then_names_the_tampered_row(server, database):
    token = server.token("huaiyang.handler")
    for code in ["411602", "411621", "411603"]:
        request("GET", server.url + f"/api/v1/divisions/{code}", token=token)
    server.stop()
    # The server signed a checkpoint of the chain's head as it stopped.
    ok = server.cli("audit", "verify")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "intact" in ok.stdout and "anchored by 1 signed checkpoint" in ok.stdout
    if database.endswith(".sqlite"):
        drop = ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"]
    else:
        drop = ["DROP TRIGGER audit_log_no_change ON audit_log"]
    # Someone with database rights hides one refusal: rewrites its outcome.
    tamper(database, drop + ["UPDATE audit_log SET outcome = 'ok' WHERE seq = (SELECT MIN(seq) FROM audit_log WHERE outcome = 'denied' AND actor = 'staff:huaiyang.handler')"])
    bad = server.cli("audit", "verify")
    assert bad.returncode == 1
    assert "TAMPERED" in bad.stdout and "edited" in bad.stdout
    # And deletes another row.
    tamper(database, ["DELETE FROM audit_log WHERE seq = 2"])
    worse = server.cli("audit", "verify")
    assert worse.returncode == 1 and "deleted" in worse.stdout and "seq 3" in worse.stdout


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_a_deleted_tail_is_caught_by_the_signed_checkpoint(server, database):
    token = server.token("huaiyang.handler")
    for code in ["411602", "411621", "411603"]:
        request("GET", server.url + f"/api/v1/divisions/{code}", token=token)
    signed = server.cli("audit", "checkpoint")
    assert signed.returncode == 0 and "signed audit checkpoint" in signed.stdout, signed.stdout + signed.stderr
    server.stop()
    # Someone with the database owner's rights deletes the last entries: every remaining link holds.
    drop = (["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"] if database.endswith(".sqlite")
            else ["DROP TRIGGER audit_log_no_change ON audit_log"])
    tamper(database, drop + ["DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 3 FROM audit_log)"])
    caught = server.cli("audit", "verify")
    assert caught.returncode == 1, caught.stdout
    assert "truncated" in caught.stdout and "tail was deleted" in caught.stdout


@pytest.mark.skipif("postgres" not in engines(), reason="needs CITYHUB_TEST_POSTGRES_URL")
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_two_servers_on_one_postgres_share_sessions_keys_and_the_audit_chain(database):
    # Started together: the migration lock lets exactly one of them migrate and seed.
    a, b = Server(database), Server(database)
    a_started = __import__("threading").Thread(target=a.start)
    a_started.start()
    b.start()
    a_started.join()
    try:
        token = a.token("admin", ADMIN_PASSWORD)
        status, _, me = request("GET", b.url + "/api/v1/me", token=token)
        assert status == 200 and me["id"] == "admin"
        status, _, key = request("POST", b.url + "/api/v1/apikeys", {"name": "项城市系统", "organisationCode": "411681-PSB"}, token=token)
        assert status == 201
        status, _, me = request("GET", a.url + "/api/v1/me", headers={"X-API-Key": key["secret"]})
        assert status == 200 and me["scope"] == "411681"
        # Logging out on one server ends the session on the other as soon as its NOTIFY arrives
        # (milliseconds): the other server's cache is told, it does not wait out the entry's lifetime.
        status, _, _ = request("POST", a.url + "/api/v1/auth/logout", token=token)
        assert status == 204
        started = time.monotonic()
        while True:
            status, _, problem = request("GET", b.url + "/api/v1/me", token=token)
            if status != 200 or time.monotonic() - started > 2:
                break
            time.sleep(0.005)
        waited = time.monotonic() - started
        print(f"logout on A refused on B after {waited * 1000:.1f} ms")
        assert status == 401 and problem["code"] == "identity.unauthenticated"
        assert waited < 0.25, f"revocation took {waited:.3f} s to reach the other server"
        # Refusals on both servers land in one unbroken chain.
        county = b.token("huaiyang.handler")
        for server in (a, b, a, b):
            assert request("GET", server.url + "/api/v1/divisions/411602", token=county)[0] == 403
        auditor = a.token("auditor")
        status, _, verification = request("GET", b.url + "/api/v1/audit/verify", token=auditor)
        assert status == 200 and verification["intact"] is True
        # Each account was created, and its password printed, by exactly one of the two.
        def created(output):
            return [l.split()[0] for l in output.splitlines() if l.startswith("  ") and len(l.split()) >= 3]
        in_a, in_b = created(a.output), created(b.output)
        assert sorted(in_a + in_b) == sorted({"admin", "operator", "dispatcher", "handler", "inspector", "auditor", "steward",
                                              "huaiyang.handler", "13800000000"})
    finally:
        a.stop()
        b.stop()


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_staff_csv_import_keeps_good_lines_reports_bad_ones_and_reruns_idempotently(server, tmp_path):
    csv = tmp_path / "staff.csv"
    csv.write_text("username,display_name,organisation_code,roles\n"
                   "sq.grid01,沈网格,411624-CMB,inspector\n"
                   "sq.grid02,丘网格,411624-NOPE,inspector\n"
                   "sq.grid03,周网格,411624-CMB,inspector;departmentHandler\n", encoding="utf-8")
    first = server.cli("import", "staff", str(csv))
    assert first.returncode == 0, first.stderr
    assert "Imported 2 new account(s)" in first.stdout and "line 3: unknown organisation 411624-NOPE" in first.stdout
    again = server.cli("import", "staff", str(csv))
    assert "Imported 0 new account(s); 2 existed already" in again.stdout
    activate = server.cli("user", "set-password", "sq.grid03", "--password", "Shenqiu2026grid")
    assert activate.returncode == 0, activate.stderr
    token = server.token("sq.grid03", "Shenqiu2026grid")
    status, _, me = request("GET", server.url + "/api/v1/me", token=token)
    assert me["scope"] == "411624" and me["roles"] == ["departmentHandler", "inspector"]


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_seed_reruns_idempotently(server):
    token = server.token("admin", ADMIN_PASSWORD)
    before = request("GET", server.url + "/api/v1/organisations?limit=1", token=token)[2]["total"]
    for _ in range(2):
        result = server.cli("seed")
        assert result.returncode == 0, result.stderr
        assert "11 divisions, 102 organisations" in result.stdout
        assert "Accounts created" not in result.stdout
    after = request("GET", server.url + "/api/v1/organisations?limit=1", token=token)[2]["total"]
    assert before == after == 102
    # Existing accounts keep their passwords.
    assert server.token("admin", ADMIN_PASSWORD)


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_a_key_revoked_from_the_command_line_is_refused_by_the_running_server_when_the_command_returns(server):
    created = server.cli("apikey", "create", "--name", "西华县系统", "--org", "411622-CMB", "--role", "inspector")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    # Used once, so the server holds it in its cache.
    assert request("GET", server.url + "/api/v1/me", headers={"X-API-Key": key})[0] == 200
    key_id = key.split("_")[1]
    revoked = server.cli("apikey", "revoke", key_id)
    assert revoked.returncode == 0, revoked.stdout + revoked.stderr
    status, _, problem = request("GET", server.url + "/api/v1/me", headers={"X-API-Key": key})
    assert status == 401 and problem["code"] == "identity.unauthenticated"


def test_an_oversize_upload_from_a_client_without_expect_continue_gets_its_413(server):
    # urllib sends the whole body (and Connection: close) before it reads the answer.
    body = b'{"username":"' + b"x" * (12 << 20) + b'","password":"p"}'
    started = time.time()
    status, _, problem = request("POST", server.url + "/api/v1/auth/login", body)
    assert status == 413 and problem["code"] == "request.too-large"
    assert time.time() - started < 10


class Proxy:
    """A TCP proxy in front of PostgreSQL that can be cut, to play a database outage."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.port = free_port()
        self.conns = []
        self.listener = None

    def start(self):
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        # shutdown first: close() alone does not wake a thread blocked in accept() on Linux.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        for s in self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.conns = []


@pytest.mark.skipif("postgres" not in engines(), reason="needs CITYHUB_TEST_POSTGRES_URL")
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_a_postgres_outage_answers_503_with_retry_after_within_seconds_and_recovers(database):
    parts = urllib.parse.urlparse(database)
    proxy = Proxy(parts.hostname, parts.port)
    proxy.start()
    server = Server(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}").geturl()).start()
    try:
        token = server.token("admin", ADMIN_PASSWORD)
        proxy.cut()
        time.sleep(0.5)
        results = []

        def call(path):
            started = time.time()
            status, headers, body = request("GET", server.url + path, token=token)
            results.append((path, status, headers, body, time.time() - started))

        threads = [threading.Thread(target=call, args=(p,)) for p in ["/readyz"] + ["/api/v1/staff"] * 20]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for path, status, headers, body, seconds in results:
            assert status == 503, (path, status, body)
            assert seconds < 10, (path, seconds)
            if path.startswith("/api/"):
                assert body["code"] == "unavailable" and headers.get("Retry-After") == "5"
        # The database comes back: so does the platform, by itself.
        proxy = Proxy(parts.hostname, parts.port)
        proxy.port = int(urllib.parse.urlparse(server.database).port)
        proxy.start()
        deadline = time.time() + 30
        while time.time() < deadline and request("GET", server.url + "/readyz")[0] != 200:
            time.sleep(0.5)
        assert request("GET", server.url + "/api/v1/staff", token=token)[0] == 200
    finally:
        server.stop()
        proxy.cut()


def query(database, sql):
    """Rows of one SELECT, as tuples of strings, read straight from the database."""
    if database.endswith(".sqlite"):
        con = sqlite3.connect(database)
        rows = [tuple(str(v) for v in row) for row in con.execute(sql).fetchall()]
        con.close()
        return rows
    parts = urllib.parse.urlparse(database)
    psql = ["psql", "-h", parts.hostname, "-p", str(parts.port), "-U", parts.username, "-d", parts.path.lstrip("/"), "-qAt", "-F", "\t", "-c", sql]
    out = subprocess.run(psql, check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_kill_9_mid_traffic_leaves_no_change_without_its_audit_entry(database):
    """Section 2's rule under a crash: a creation, a sign-in and its audit entry commit together or
    not at all, so a server killed with SIGKILL in the middle of 200 creations and 200 sign-ins
    leaves every committed row with its entry."""
    s = Server(database).start()
    try:
        token = s.token("admin", ADMIN_PASSWORD)
        killed = threading.Event()

        def create(i):
            if killed.is_set():
                return
            try:
                request("POST", s.url + "/api/v1/staff", {"username": f"k9.{i:03d}", "displayName": "压测", "organisationCode": "411602-CMB",
                                                        "roles": ["inspector"], "password": "KillNine2026x"}, token=token)
            except OSError:
                pass

        def sign_in(i):
            if killed.is_set():
                return
            try:
                request("POST", s.url + "/api/v1/auth/login", {"username": "operator", "password": DEMO_PASSWORD})
            except OSError:
                pass

        # Interleaved, so the server (which hashes passwords first come, first served) has both kinds in hand from the start.
        threads = [threading.Thread(target=work, args=(i,)) for i in range(200) for work in (create, sign_in)]
        for t in threads:
            t.start()
        # Kill once some of the work has committed.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (int(query(database, "SELECT COUNT(*) FROM staff_users WHERE username LIKE 'k9.%'")[0][0]) < 30
                                               or int(query(database, "SELECT COUNT(*) FROM sessions WHERE subject_id = 'operator'")[0][0]) < 5):
            time.sleep(0.01)
        s.proc.send_signal(signal.SIGKILL)
        killed.set()
        s.proc.wait(timeout=10)
        for t in threads:
            t.join(timeout=60)
    finally:
        s.proc = None
    created = {row[0] for row in query(database, "SELECT username FROM staff_users WHERE username LIKE 'k9.%'")}
    audited = {row[0] for row in query(database, "SELECT record_id FROM audit_log WHERE action = 'identity.staff.create' AND record_id LIKE 'k9.%'")}
    print(f"after kill -9: {len(created)} creations committed, {len(audited)} audited")
    assert len(created) >= 30 and created == audited
    sessions = int(query(database, "SELECT COUNT(*) FROM sessions WHERE subject_id = 'operator'")[0][0])
    logins = int(query(database, "SELECT COUNT(*) FROM audit_log WHERE action = 'identity.login' AND record_id = 'operator' AND outcome = 'ok'")[0][0])
    print(f"after kill -9: {sessions} sessions, {logins} sign-ins audited")
    assert sessions >= 5 and sessions == logins
    # The chain the crash interrupted is still one chain.
    verified = s.cli("audit", "verify")
    assert verified.returncode == 0, verified.stdout


def test_a_year_calendar_loads_from_the_command_line_and_a_bad_file_is_refused_with_the_reason(server, tmp_path):
    good = tmp_path / "cn-2027.json"
    good.write_text('{"year": 2027, "holidays": [{"date": "2027-01-01", "name": "元旦"}], "workdays": [{"date": "2027-02-06", "name": "春节"}]}',
                    encoding="utf-8")
    loaded = server.cli("import", "calendar", str(good))
    assert loaded.returncode == 0, loaded.stderr
    assert "Loaded 2027: 1 holidays, 1 working weekend days." in loaded.stdout
    status, _, audit = request("GET", server.url + "/api/v1/audit?recordType=case-catalogue", token=server.token("auditor"))
    assert status == 200 and any(e["action"] == "cases.calendar.load" and e["detail"].startswith("2027:") for e in audit["items"]), audit
    bad = tmp_path / "bad.json"
    bad.write_text('{"year": 2027, "holidays": [{"date": "2026-12-31", "name": "元旦"}], "workdays": []}', encoding="utf-8")
    refused = server.cli("import", "calendar", str(bad))
    assert refused.returncode != 0 and "2026-12-31" in refused.stderr and "within 2027" in refused.stderr, refused.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"year": 2027, "holidays": "none"}', encoding="utf-8")
    refused = server.cli("import", "calendar", str(broken))
    assert refused.returncode != 0 and "日历文件应为" in refused.stderr, refused.stderr
