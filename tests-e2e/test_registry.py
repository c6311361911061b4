"""The persons registry as an operator loads it: `cityhub import persons` killed with SIGKILL
halfway through a file and run again ends with exactly the file's rows, none twice, and a
re-run after that changes nothing."""
import json
import signal
import subprocess
import time

import pytest

from conftest import BINARY, Server, engines
from test_serve import query


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_a_person_import_killed_halfway_and_run_again_ends_with_exactly_the_right_rows(server, database, tmp_path):
    n = 30_000
    csv = tmp_path / "persons.csv"
    subprocess.run([BINARY, "generate", "persons", "--count", str(n), "--out", str(csv), "--seed", "11"], check=True, capture_output=True)
    with open(csv, "a") as f:
        f.write("411602198506126150,坏校验,male,1985-06-12,,,411602\n")
    args = [BINARY, "import", "persons", str(csv), "--source", "public-security", "--batch-size", "1000", "--json",
            "--database", database, "--log-level", "warning"]
    proc = subprocess.Popen(args, env=server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Kill it once some batches have committed and others have not.
    deadline = time.time() + 60
    while time.time() < deadline:
        done = int(query(database, "SELECT COUNT(*) FROM persons")[0][0])
        if done >= 3_000:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = int(query(database, "SELECT COUNT(*) FROM persons")[0][0])
    assert 0 < partial < n, f"the kill should land mid-file ({partial} of {n} committed)"

    rerun = subprocess.run(args, env=server.env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert summary == {"read": n + 1, "imported": n - partial, "updated": 0, "unchanged": partial, "rejected": 1}
    assert query(database, "SELECT COUNT(*), COUNT(DISTINCT id_number) FROM persons") == [(str(n), str(n))]
    assert query(database, "SELECT COUNT(*) FROM person_records") == [(str(n),)]
    assert query(database, "SELECT COUNT(*), COUNT(DISTINCT record_key) FROM change_log WHERE record_type = 'person'") == [(str(n), str(n))]

    again = subprocess.run(args, env=server.env, capture_output=True, text=True, timeout=600)
    assert json.loads(again.stdout.strip().splitlines()[-1]) == {"read": n + 1, "imported": 0, "updated": 0, "unchanged": n, "rejected": 1}
    verify = server.cli("audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_first_start_with_demo_data_is_alive_at_once(tmp_path):
    """The demo the README promises: a grid over 川汇区, 1,832 + 188 camera sites and residents,
    marked demo, answering at once. A fresh server of its own: on the shared one the contract
    tests' fuzzers send wrong passwords for the demo accounts, which locks them from 127.0.0.1."""
    from conftest import request
    demo = Server(str(tmp_path / "cityhub.sqlite"), env={"CITYHUB_SEED_DEMO_DATA": "true"}).start()
    try:
        token = demo.token("operator")
        status, _, here = request("GET", demo.url + "/api/v1/geography/locate?lon=114.6505&lat=33.6205", token=token)
        assert status == 200, here
        assert here["division"]["code"] == "411602" and here["grid"]["code"].startswith("411602") and len(here["grid"]["code"]) == 14
        assert here["nearestAddress"] is not None and here["nearestAddress"]["metres"] < 1000
        status, _, near = request("GET", demo.url + "/api/v1/geography/cameras?lon=114.6505&lat=33.6205&count=100&radius=100000", token=token)
        assert status == 200 and len(near["items"]) == 100 and all(c["demo"] for c in near["items"])
        distances = [c["metres"] for c in near["items"]]
        assert distances == sorted(distances)
        status, _, people = request("GET", demo.url + "/api/v1/registry/persons?name=%E7%8E%8B&prefix=true", token=token)
        assert status == 200 and people["total"] > 100 and all("*" in p["idNumber"] for p in people["items"])
    finally:
        demo.stop()


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_an_entities_file_imports_reports_bad_rows_by_line_and_reruns_unchanged(server, database, tmp_path):
    from conftest import request
    csv = tmp_path / "entities.csv"
    subprocess.run([BINARY, "generate", "entities", "--count", "3000", "--out", str(csv)], check=True, capture_output=True)
    with open(csv, "a") as f:
        f.write("914116007L0AW5D599,坏校验,,,,411602,active,,\n")
    rejects = tmp_path / "rejects.csv"
    args = [BINARY, "import", "entities", str(csv), "--source", "market-regulation", "--json", "--rejects", str(rejects),
            "--database", database, "--log-level", "warning"]
    first = subprocess.run(args, env=server.env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout.strip().splitlines()[-1]) == {"read": 3001, "imported": 3000, "updated": 0, "unchanged": 0, "rejected": 1}
    assert "3002," in rejects.read_text() and "check character is 9, the code's check character is 8" in rejects.read_text()
    again = subprocess.run(args, env=server.env, capture_output=True, text=True, timeout=300)
    assert json.loads(again.stdout.strip().splitlines()[-1]) == {"read": 3001, "imported": 0, "updated": 0, "unchanged": 3000, "rejected": 1}
    code = open(csv).readlines()[1].split(",")[0]
    status, _, entity = request("GET", f"{server.url}/api/v1/registry/entities/{code}", token=server.token("handler"))
    assert status == 200 and entity["creditCode"] == code and "*" in (entity["legalRepIdNumber"] or "*")
    assert query(database, "SELECT COUNT(*) FROM entities") == [("3000",)]
