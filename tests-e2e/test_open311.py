"""Open311 GeoReport v2 as a stock client uses it: `georeport` (PyPI, written by nobody here)
lists the services and follows a request in JSON and in XML; the request is posted the way the
spec says (a form with api_key, made by `cityhub apikey create`), handled through the API, and
followed to closure."""
import urllib.parse
import urllib.request

import pytest
from georeport import GeoReport

from conftest import Server, engines, request


def post_form(url, fields):
    data = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_a_stock_open311_client_lists_services_posts_a_request_and_follows_it_to_closure(server, database):
    json_client = GeoReport(server.url + "/open311/v2")
    xml_client = GeoReport(server.url + "/open311/v2", output_format="xml")
    services = json_client.get_service_list()
    assert any(s["service_code"] == "20102" and s["service_name"] == "暴露垃圾" for s in services)
    assert any(s["service_code"] == "10101" for s in xml_client.get_service_list())
    assert json_client.get_service_definition("20102")["service_code"] == "20102"

    key = server.cli("apikey", "create", "--name", "civic app").stdout.strip()
    status, body = post_form(server.url + "/open311/v2/requests.json",
                             {"api_key": key, "service_code": "20102", "lat": "33.62", "long": "114.65",
                              "description": "路口垃圾没人清", "first_name": "李", "phone": "13912345678"})
    assert status == 201, body
    import json
    number = json.loads(body)[0]["service_request_id"]

    one = json_client.get_service_request(number)
    assert one["status"] == "open" and one["service_code"] == "20102" and one["description"] == "路口垃圾没人清"
    assert "13912345678" not in json.dumps(one)
    assert xml_client.get_service_request(number)["service_request_id"] == number

    # The command center registers it (routed at once), the department handles it, the inspector closes it.
    for who, action, payload in [("operator", "register", {}), ("handler", "accept", {}), ("handler", "reportBack", {"note": "已清运"}),
                                 ("inspector", "verify", {"passed": True})]:
        status, _, answer = request("POST", f"{server.url}/api/v1/cases/{number}/{action}", payload, token=server.token(who))
        assert status == 200, answer
    closed = json_client.get_service_request(number)
    assert closed["status"] == "closed" and closed["agency_responsible"] == "411600-CMB"
    listed = json_client.get_service_requests(service_code="20102", status="closed")
    assert [r["service_request_id"] for r in listed] == [number]

    # The spec's errors: a list of {code, description} with the status.
    status, body = post_form(server.url + "/open311/v2/requests.json", {"api_key": "wrong", "service_code": "20102", "lat": "33.62", "long": "114.65"})
    assert status == 403 and json.loads(body)[0]["code"] == 403
