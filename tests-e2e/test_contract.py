"""The OpenAPI document validates, and schemathesis, generating requests from it, finds no 5xx."""
import os
import subprocess

from openapi_spec_validator import validate

from conftest import request, ADMIN_PASSWORD


def test_openapi_document_is_valid_openapi_3_1(shared_server):
    status, _, document = request("GET", shared_server.url + "/api/v1/openapi.json")
    assert status == 200
    assert document["openapi"] == "3.1.0"
    validate(document)


# No 5xx, and the answers keep the document's word: documented status codes, content types, response
# schemas and headers; 405 for unsupported methods; schema-violating requests refused.
CHECKS = ",".join(["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
                   "response_headers_conformance", "unsupported_method", "negative_data_rejection"])


def run_schemathesis(server, token, tmp_path, name):
    result = subprocess.run(
        ["schemathesis", "run", server.url + "/api/v1/openapi.json", "--url", server.url,
         "--checks", CHECKS, "--max-examples", os.environ.get("CITYHUB_FUZZ_EXAMPLES", "25"),
         "--seed", "4116", "-H", f"Authorization: Bearer {token}", "--request-timeout", "30",
         "--exclude-path", "/api/v1/auth/logout", "--exclude-path", "/api/v1/cases/feed"],
        capture_output=True, text=True, timeout=1200, cwd=tmp_path)
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-120:])
    print(f"schemathesis ({name}):\n{tail}")
    assert result.returncode == 0, tail


def test_fuzzing_as_a_county_user_finds_no_5xx_and_no_breach_of_the_document(shared_server, tmp_path):
    run_schemathesis(shared_server, shared_server.token("huaiyang.handler"), tmp_path, "county staff member")


# After the county run: the administrator's fuzzing resets passwords (PUT /api/v1/staff/{username}/password).
def test_fuzzing_as_the_admin_finds_no_5xx_and_no_breach_of_the_document(shared_server, tmp_path):
    run_schemathesis(shared_server, shared_server.token("admin", ADMIN_PASSWORD), tmp_path, "admin")


# After both fuzz runs (thousands of hostile requests, NUL bytes and odd Unicode among them): the
# audit chain still recomputes exactly, so what was stored is what was hashed.
def test_the_audit_chain_is_intact_after_fuzzing(shared_server):
    result = shared_server.cli("audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "intact" in result.stdout
