"""Electronic licences as their users meet them: a department issues licences sealed with
Ed25519, P-256 and SM2; independent verifiers (joserfc for the JWS; for SM2 the openssl command
and gmssl, a pure-Python SM2; the cryptography package and the openssl command for the
certificate chain) accept them; `cityhub licence verify` accepts them
offline with only the root certificate and a cached status list; a changed byte, a revocation and
a revoked seal make every verifier refuse, each with its reason."""
import base64
import json
import subprocess
import urllib.request

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc import jws
from gmssl import func, sm2, sm3
from joserfc.jwk import ECKey, OKPKey

from conftest import ADMIN_PASSWORD, BINARY, DEMO_PASSWORD, Server, engines, request


def b64url(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def x5c_registry(alg):
    """joserfc refuses protected headers over 512 bytes by default (a guard against huge headers);
    a header carrying a two-certificate x5c chain is about 2 KB, so the verifier allows 8 KB."""
    registry = jws.JWSRegistry(algorithms=[alg])
    registry.max_header_length = 8192
    return registry


def independent_sm2_check(token, root_pem, folder):
    """An SM2 licence (alg SM2SM3, which JOSE libraries do not know): the openssl command and
    gmssl each check the r ‖ s signature over the signing input with SM3 and the identifier
    1234567812345678, with the key of the x5c certificate, whose signature by the root the
    cryptography package checks."""
    head, payload, sig = token.split(".")
    header = json.loads(b64url(head))
    assert header["alg"] == "SM2SM3" and len(header["x5c"]) == 2
    der = base64.b64decode(header["x5c"][0])
    leaf = x509.load_der_x509_certificate(der)
    root = x509.load_pem_x509_certificate(root_pem.encode())
    assert leaf.issuer == root.subject
    root.public_key().verify(leaf.signature, leaf.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    (folder / "sm2-seal.der").write_bytes(der)
    pub = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", str(folder / "sm2-seal.der"), "-pubkey", "-noout"],
                         capture_output=True, text=True, check=True).stdout
    assert "BEGIN PUBLIC KEY" in pub
    (folder / "sm2-pub.pem").write_text(pub)
    signing_input = f"{head}.{payload}".encode()
    (folder / "sm2-input").write_bytes(signing_input)
    raw = b64url(sig)
    assert len(raw) == 64
    (folder / "sm2-sig.der").write_bytes(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")))
    checked = subprocess.run(["openssl", "dgst", "-sm3", "-verify", str(folder / "sm2-pub.pem"), "-sigopt", "distid:1234567812345678",
                              "-signature", str(folder / "sm2-sig.der"), str(folder / "sm2-input")], capture_output=True, text=True)
    if checked.returncode != 0 or "Verified OK" not in checked.stdout:
        raise ValueError("openssl refused the SM2 signature: " + checked.stdout + checked.stderr)
    point = subprocess.run(["openssl", "pkey", "-pubin", "-in", str(folder / "sm2-pub.pem"), "-outform", "DER"], capture_output=True, check=True).stdout[-64:]
    if not gmssl_verifier(point).verify_with_sm3(raw.hex(), signing_input):
        raise ValueError("gmssl refused the SM2 signature")
    return json.loads(b64url(payload)), leaf


def gmssl_verifier(point):
    """gmssl's verifier for the 64-byte public point X ‖ Y. Its constructor strips every leading
    '0' and '4' character from a key that starts with "04" (meaning to drop an uncompressed-point
    prefix), so a key whose X begins with byte 0x04 (1 in 256) lost digits and verify crashed;
    the key is set after construction, as it is."""
    verifier = sm2.CryptSM2(private_key=None, public_key=point.hex())
    verifier.public_key = point.hex()
    return verifier


def der_children(data):
    """The TLVs inside one DER element (a minimal reader, enough to cut out what was signed)."""
    def header(i):
        length = data[i + 1]
        start = i + 2
        if length & 0x80:
            n = length & 0x7F
            length = int.from_bytes(data[start:start + n], "big")
            start += n
        return start, start + length
    start, end = header(0)
    children, i = [], start
    while i < end:
        content, stop = header(i)
        children.append((data[i:stop], data[content:stop]))
        i = stop
    return children


def independent_ses_check(ses, token, folder):
    """A GB/T 38540 SES_Signature: the openssl command parses it (naming SM2-with-SM3); the
    sealer's signature over TBS_Sign verifies with the openssl command and with gmssl, with the
    key of the certificate it carries; TBS_Sign's hash is gmssl's SM3 of the licence's signing
    input."""
    (folder / "ses.der").write_bytes(ses)
    parsed = subprocess.run(["openssl", "asn1parse", "-inform", "DER", "-in", str(folder / "ses.der")], capture_output=True, text=True)
    assert parsed.returncode == 0 and "SM2-with-SM3" in parsed.stdout, parsed.stdout + parsed.stderr
    (tbs, _), (_, cert), (_, oid), (_, bits) = der_children(ses)[:4]
    assert oid == bytes.fromhex("2a811ccf55018375")  # 1.2.156.10197.1.501
    signature = bits[1:]
    (folder / "ses-cert.der").write_bytes(cert)
    (folder / "ses-tbs.der").write_bytes(tbs)
    (folder / "ses-sig.der").write_bytes(signature)
    pub = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", str(folder / "ses-cert.der"), "-pubkey", "-noout"], capture_output=True, text=True, check=True).stdout
    (folder / "ses-pub.pem").write_text(pub)
    checked = subprocess.run(["openssl", "dgst", "-sm3", "-verify", str(folder / "ses-pub.pem"), "-sigopt", "distid:1234567812345678",
                              "-signature", str(folder / "ses-sig.der"), str(folder / "ses-tbs.der")], capture_output=True, text=True)
    if checked.returncode != 0:
        raise ValueError("openssl refused the SES signature: " + checked.stdout + checked.stderr)
    point = subprocess.run(["openssl", "pkey", "-pubin", "-in", str(folder / "ses-pub.pem"), "-outform", "DER"], capture_output=True, check=True).stdout[-64:]
    r, s_ = decode_dss_signature(signature)
    if not gmssl_verifier(point).verify_with_sm3(r.to_bytes(32, "big").hex() + s_.to_bytes(32, "big").hex(), tbs):
        raise ValueError("gmssl refused the SES signature")
    version, seal, when, (_, data_hash), (_, prop) = der_children(tbs)[:5]
    head, payload, _ = token.split(".")
    assert data_hash[1:].hex() == sm3.sm3_hash(func.bytes_to_list(f"{head}.{payload}".encode()))
    return prop.decode()


def independent_check(token, root_pem, alg, folder=None):
    """joserfc verifies the signature with the key of the x5c certificate, whose signature by the
    root the cryptography package checks; nothing of CityHub's code is involved."""
    if alg == "SM2SM3":
        return independent_sm2_check(token, root_pem, folder)
    header = json.loads(b64url(token.split(".")[0]))
    assert header["alg"] == alg and len(header["x5c"]) == 2
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    root = x509.load_pem_x509_certificate(root_pem.encode())
    assert leaf.issuer == root.subject
    root.public_key().verify(leaf.signature, leaf.tbs_certificate_bytes, ec.ECDSA(leaf.signature_hash_algorithm or hashes.SHA256()))
    pem = leaf.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    key = OKPKey.import_key(pem) if alg == "Ed25519" else ECKey.import_key(pem)
    obj = jws.deserialize_compact(token, key, registry=x5c_registry(alg))
    return json.loads(obj.payload), leaf


@pytest.mark.parametrize("database", engines(), indirect=True)
def test_licences_sealed_with_each_algorithm_verify_everywhere_and_fail_for_the_right_reason(database, tmp_path):
    server = Server(database).start()
    try:
        # A market regulator's clerk; a company in the registry.
        admin = server.token("admin", ADMIN_PASSWORD)
        status, _, body = request("POST", server.url + "/api/v1/staff", {"username": "amr.clerk", "displayName": "孙丽", "organisationCode": "411600-AMR",
                                                                        "roles": ["departmentHandler"], "password": DEMO_PASSWORD}, token=admin)
        assert status == 201, body
        clerk = server.token("amr.clerk")
        csv = tmp_path / "entities.csv"
        subprocess.run([BINARY, "generate", "entities", "--count", "20", "--out", str(csv)], check=True, capture_output=True)
        imported = server.cli("import", "entities", str(csv), "--source", "market-regulation")
        assert imported.returncode == 0, imported.stderr
        rows = [line.split(",") for line in csv.read_text().splitlines()[1:]]
        company = next(r for r in rows if r[5].startswith("4116"))

        status, _, root_pem = request("GET", server.url + "/api/v1/seals/root.pem")
        assert status == 200 and "BEGIN CERTIFICATE" in root_pem
        root_file = tmp_path / "root.pem"
        root_file.write_text(root_pem)
        status, _, seals = request("GET", server.url + "/api/v1/seals?organisation=411600-AMR", token=admin)
        assert status == 200 and sorted(s["algorithm"] for s in seals["items"] if s["state"] == "active") == ["ed25519", "p256", "sm2"]
        # The openssl command agrees that the seal certificates chain to the root.
        for seal in seals["items"]:
            (tmp_path / "seal.pem").write_text(seal["certificatePem"])
            check = subprocess.run(["openssl", "verify", "-CAfile", str(root_file), str(tmp_path / "seal.pem")], capture_output=True, text=True)
            assert check.returncode == 0 and ": OK" in check.stdout, check.stdout + check.stderr

        tokens = {}
        for alg, jose in (("ed25519", "Ed25519"), ("p256", "ES256"), ("sm2", "SM2SM3")):
            status, _, licence = request("POST", server.url + "/api/v1/licences", {
                "type": "business-licence", "holder": company[0], "algorithm": alg,
                "fields": {"legalRepresentative": "王建国", "establishedOn": "2020-05-01"}}, token=clerk)
            assert status == 201, licence
            token = licence["jws"]
            claims, leaf = independent_check(token, root_pem, jose, tmp_path)
            assert claims["jti"] == licence["id"] and claims["sub"] == company[0] and claims["holder"]["name"] == company[1]
            # Once only: the kind and address came from the registry.
            assert claims["fields"]["address"] and claims["fields"]["kind"]
            assert "411600-AMR" not in leaf.subject.rfc4514_string() and "周口市市场监督管理局" in leaf.subject.rfc4514_string()
            status, _, verdict = request("POST", server.url + "/api/v1/licences/verify", {"licence": token})
            assert status == 200 and verdict["ok"] and verdict["seal"]["algorithm"] == alg, verdict
            path = tmp_path / f"{alg}.jws"
            path.write_text(token)
            offline = subprocess.run([BINARY, "licence", "verify", str(path), "--root", str(root_file)], capture_output=True, text=True)
            assert offline.returncode == 0, offline.stdout + offline.stderr
            # A changed byte in the payload: every verifier refuses.
            head, payload, sig = token.split(".")
            claims["fields"]["address"] = claims["fields"]["address"] + "附1号"
            forged = head + "." + base64.urlsafe_b64encode(json.dumps(claims, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()).decode().rstrip("=") + "." + sig
            (tmp_path / "forged.jws").write_text(forged)
            refused = subprocess.run([BINARY, "licence", "verify", str(tmp_path / "forged.jws"), "--root", str(root_file), "--json"], capture_output=True, text=True)
            assert refused.returncode == 1 and json.loads(refused.stdout)["reason"] == "badSignature", refused.stdout + refused.stderr
            with pytest.raises(Exception):
                independent_check(forged, root_pem, jose, tmp_path)
            status, _, verdict = request("POST", server.url + "/api/v1/licences/verify", {"licence": forged})
            assert not verdict["ok"] and verdict["reason"] == "alteredField" and verdict["alteredFields"] == ["fields.address"], verdict
            tokens[alg] = (licence, path)

        # The SM2 licence's GB/T 38540 SES_Signature: independent tools accept it; the CLI verifies it
        # offline with the root alone, the API for anyone; a changed byte is refused.
        licence, path = tokens["sm2"]
        req = urllib.request.Request(server.url + f"/api/v1/licences/{licence['id']}/ses", headers={"Authorization": "Bearer " + clerk})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.headers["Content-Type"] == "application/octet-stream"
            ses = r.read()
        assert independent_ses_check(ses, licence["jws"], tmp_path) == "licence:" + licence["id"]
        (tmp_path / "sm2.ses").write_bytes(ses)
        offline = subprocess.run([BINARY, "licence", "verify-ses", str(tmp_path / "sm2.ses"), "--root", str(root_file), "--licence", str(path), "--json"],
                                 capture_output=True, text=True)
        assert offline.returncode == 0 and json.loads(offline.stdout)["ok"], offline.stdout + offline.stderr
        status, _, verdict = request("POST", server.url + "/api/v1/licences/verify-ses", {"signature": base64.b64encode(ses).decode(), "licence": licence["jws"]})
        assert status == 200 and verdict["ok"] and verdict["organisation"] == "周口市市场监督管理局" and verdict["dataChecked"], verdict
        forged = bytearray(ses)
        forged[len(forged) // 2] ^= 1
        (tmp_path / "forged.ses").write_bytes(bytes(forged))
        refused = subprocess.run([BINARY, "licence", "verify-ses", str(tmp_path / "forged.ses"), "--root", str(root_file), "--json"], capture_output=True, text=True)
        assert refused.returncode == 1 and json.loads(refused.stdout)["reason"] != "valid", refused.stdout
        with pytest.raises(Exception):
            independent_ses_check(bytes(forged), licence["jws"], tmp_path)
        status, _, verdict = request("POST", server.url + "/api/v1/licences/verify-ses", {"signature": base64.b64encode(ses).decode(), "licence": tokens["p256"][0]["jws"]})
        assert not verdict["ok"] and verdict["reason"] == "dataMismatch", verdict
        # The seal itself as GB/T 38540's SESeal, public; the P-256 licence has no SES_Signature.
        sm2_seal = next(s for s in seals["items"] if s["algorithm"] == "sm2" and s["state"] == "active")
        status, headers, _ = request("GET", server.url + f"/api/v1/seals/{sm2_seal['id']}/ses")
        assert status == 200 and headers["Content-Type"] == "application/octet-stream"
        status, _, problem = request("GET", server.url + f"/api/v1/licences/{tokens['p256'][0]['id']}/ses", token=clerk)
        assert status == 404 and problem["code"] == "licences.no-gb-signature", problem

        # The QR code decodes (zbarimg) to this server's verification page, which says valid; a
        # real browser shows the verdict for a pasted licence, with no serious accessibility finding.
        licence, path = tokens["ed25519"]
        qr_png = tmp_path / "qr.png"
        status, _, _ = request("GET", server.url + f"/api/v1/licences/{licence['id']}/qr?format=svg", token=clerk)
        assert status == 200
        req = urllib.request.Request(server.url + f"/api/v1/licences/{licence['id']}/qr?format=png", headers={"Authorization": "Bearer " + clerk})
        with urllib.request.urlopen(req, timeout=30) as r:
            qr_png.write_bytes(r.read())
        decoded = subprocess.run(["zbarimg", "--raw", "-q", str(qr_png)], capture_output=True, text=True).stdout.strip()
        assert decoded.startswith(server.url + "/verify?id=" + licence["id"] + "&d="), decoded
        status, _, page = request("GET", decoded)
        assert status == 200 and 'data-reason="valid"' in page and company[1] in page
        status, _, page = request("GET", decoded[:-3] + "AAA")
        assert status == 200 and 'data-reason="malformed"' in page
        browse_the_verification_page(server.url, licence["jws"])

        # Revoke the Ed25519 licence: online at once; offline once the status list is fetched.
        licence, path = tokens["ed25519"]
        status, _, changed = request("POST", server.url + f"/api/v1/licences/{licence['id']}/status", {"status": "revoked", "reason": "以欺骗手段取得登记"}, token=clerk)
        assert status == 200 and changed["status"] == "revoked", changed
        status, _, verdict = request("POST", server.url + "/api/v1/licences/verify", {"licence": licence["jws"]})
        assert verdict["reason"] == "revoked" and verdict["detail"] == "以欺骗手段取得登记"
        status, headers, status_list = request("GET", server.url + "/api/v1/licences/status-list")
        assert status == 200 and headers["Content-Type"] == "application/jose"
        (tmp_path / "status.jws").write_text(status_list)
        offline = subprocess.run([BINARY, "licence", "verify", str(path), "--root", str(root_file), "--status", str(tmp_path / "status.jws"), "--json"],
                                 capture_output=True, text=True)
        assert offline.returncode == 1 and json.loads(offline.stdout)["reason"] == "revoked", offline.stdout
        # The status list is itself verifiable by anyone with the root.
        root_key = ECKey.import_key(x509.load_pem_x509_certificate(root_pem.encode()).public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
        listed = json.loads(jws.deserialize_compact(status_list, root_key, registry=x5c_registry("ES256")).payload)
        assert [e["id"] for e in listed["licences"]] == [licence["id"]]

        # Revoke the P-256 and the SM2 seals: their licences are refused online and, with the next
        # list, offline.
        for alg in ("p256", "sm2"):
            licence, path = tokens[alg]
            seal_id = next(s["id"] for s in seals["items"] if s["algorithm"] == alg and s["state"] == "active")
            status, _, revoked = request("POST", server.url + f"/api/v1/seals/{seal_id}/revoke", {"reason": "私钥疑似泄露"}, token=admin)
            assert status == 200 and revoked["state"] == "revoked", revoked
            status, _, verdict = request("POST", server.url + "/api/v1/licences/verify", {"licence": licence["jws"]})
            assert verdict["reason"] == "sealRevoked"
            (tmp_path / "status.jws").write_text(request("GET", server.url + "/api/v1/licences/status-list")[2])
            offline = subprocess.run([BINARY, "licence", "verify", str(path), "--root", str(root_file), "--status", str(tmp_path / "status.jws"), "--json"],
                                     capture_output=True, text=True)
            assert offline.returncode == 1 and json.loads(offline.stdout)["reason"] == "sealRevoked", offline.stdout

        # The CLI issues too, and its licence verifies offline.
        out = tmp_path / "cli.jws"
        issued = server.cli("licence", "issue", "--type", "food-business", "--holder", company[0], "--field", "mainBusiness=食品销售经营者",
                            "--field", "items=预包装食品销售", "--alg", "ed25519", "--out", str(out))
        assert issued.returncode == 0, issued.stderr
        offline = subprocess.run([BINARY, "licence", "verify", str(out), "--root", str(root_file)], capture_output=True, text=True)
        assert offline.returncode == 0 and "VALID" in offline.stdout, offline.stdout
        verify = server.cli("audit", "verify")
        assert verify.returncode == 0, verify.stdout + verify.stderr
    finally:
        server.stop()


def browse_the_verification_page(url, token):
    from test_browser import chrome, serious_violations
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
    browser = chrome(1280, 900)
    try:
        browser.get(url + "/verify")
        assert serious_violations(browser) == []
        field = browser.find_element(By.ID, "licence-text")
        browser.execute_script("arguments[0].value = arguments[1]", field, token)
        browser.find_element(By.ID, "verify").click()
        verdict = WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "verdict")))
        assert verdict.get_attribute("data-reason") == "valid" and "有效" in verdict.text
        assert serious_violations(browser) == []
        browser.get(url + "/verify?licence=" + token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
        verdict = WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "verdict")))
        assert verdict.get_attribute("data-reason") in ("badSignature", "malformed") and "无效" in verdict.text
    finally:
        browser.quit()
