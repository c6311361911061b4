"""End-to-end fixtures: a real `cityhub serve` process (built by scripts/test) on a free port,
on SQLite in a temporary folder or on a fresh PostgreSQL database when CITYHUB_TEST_POSTGRES_URL
is set."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("CITYHUB_BINARY", os.path.join(ROOT, ".build", "debug", "cityhub"))
ADMIN_PASSWORD = "Admin2026e2e"
DEMO_PASSWORD = "Demo2026e2e"
# Base64 of 32 bytes: the seals' key-encryption key of the test servers (never a real one).
TEST_KEY_ENCRYPTION_KEY = "Y2l0eWh1Yi1lMmUtdGVzdC1rZXktZW5jcnlwdGlvbiE="


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, body=None, headers=None, token=None):
    """One HTTP request; returns (status, headers, parsed JSON or text)."""
    data = None
    hdrs = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode() if not isinstance(body, (bytes, str)) else (body.encode() if isinstance(body, str) else body)
        hdrs.setdefault("Content-Type", "application/json")
    if token:
        hdrs["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, rh, raw = r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        status, rh, raw = e.code, dict(e.headers), e.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, rh, json.loads(text)
    except ValueError:
        return status, rh, text


class Server:
    """A `cityhub serve` process. `start()` waits for /readyz; `stop()` sends SIGTERM."""

    def __init__(self, database, env=None):
        self.database = database
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ)
        self.env.update({"CITYHUB_ADMIN_PASSWORD": ADMIN_PASSWORD, "CITYHUB_DEMO_PASSWORD": DEMO_PASSWORD})
        # The demo's grid, cameras and residents only where a test asks for them (env={"CITYHUB_SEED_DEMO_DATA": "true"}).
        self.env["CITYHUB_SEED_DEMO_DATA"] = "false"
        # The audit checkpoint key of this server (and its CLI runs), outside the working directory.
        keys = tempfile.mkdtemp(prefix="cityhub-keys-")
        self.env["CITYHUB_AUDIT_KEY_FILE"] = os.path.join(keys, "audit-checkpoint.key")
        # The seals' key-encryption key: one for every server, as servers sharing a database must
        # share it (a server with another key refuses to start, saying so).
        self.env["CITYHUB_LICENCES_KEY_ENCRYPTION_KEY"] = TEST_KEY_ENCRYPTION_KEY
        self.env.update(env or {})
        self.proc = None
        self.log = None

    def start(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Output to a file, not a pipe: a pipe nobody drains fills up and blocks the server's logging.
        self.log = tempfile.NamedTemporaryFile(mode="w+", prefix="cityhub-serve-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([BINARY, "serve", "--database", self.database, "--port", str(self.port)],
                                     env=self.env, stdout=self.log, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("cityhub exited early:\n" + self.read_log())
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("cityhub did not become ready")

    def read_log(self):
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    @property
    def output(self):
        return self.read_log() if self.proc else ""

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def token(self, username, password=DEMO_PASSWORD):
        status, _, body = request("POST", self.url + "/api/v1/auth/login", {"username": username, "password": password})
        assert status == 200, body
        return body["token"]

    def cli(self, *args, env=None):
        e = dict(self.env)
        e.update(env or {})
        return subprocess.run([BINARY, *args, "--database", self.database], env=e, capture_output=True, text=True, timeout=120)


def engines():
    return ["sqlite", "postgres"] if os.environ.get("CITYHUB_TEST_POSTGRES_URL") else ["sqlite"]


@pytest.fixture
def database(request, tmp_path):
    """A fresh, empty database location for the engine in request.param (default sqlite)."""
    engine = getattr(request, "param", "sqlite")
    if engine == "sqlite":
        yield str(tmp_path / "data" / "cityhub.sqlite")
        return
    yield from postgres_database()


def postgres_database():
    """A fresh PostgreSQL database on the test server: yields its URL, then drops it."""
    admin = os.environ["CITYHUB_TEST_POSTGRES_URL"]
    name = "cityhub_e2e_" + uuid.uuid4().hex[:12]
    parts = urllib.parse.urlparse(admin)
    psql = ["psql", "-h", parts.hostname, "-p", str(parts.port), "-U", parts.username or "cityhub", "-d", parts.path.lstrip("/") or "postgres", "-qAt"]
    subprocess.run(psql + ["-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    try:
        yield parts._replace(path="/" + name).geturl()
    finally:
        subprocess.run(psql + ["-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True)


@pytest.fixture
def server(database):
    s = Server(database).start()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def shared_server(tmp_path_factory):
    """One SQLite server, with the demo data, for the read-mostly contract and browser tests. The
    fuzzer sends thousands of wrong logins from 127.0.0.1, so the per-address login throttle is raised here."""
    s = Server(str(tmp_path_factory.mktemp("shared") / "cityhub.sqlite"),
               env={"CITYHUB_IDENTITY_LOGIN_FAILURE_LIMIT": "1000000", "CITYHUB_SEED_DEMO_DATA": "true"}).start()
    yield s
    s.stop()
