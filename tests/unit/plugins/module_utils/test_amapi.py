# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Android Management pieces that decide without the network: the signed assertion, key loading,
names, evidence, the BLOCKED change, and planning scoped to a device's policy."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ansible_collections.interdict.bans.plugins.module_utils import amapi
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import MDMClient, MDMError
from ansible_collections.interdict.bans.plugins.plugin_utils import _planning, _report_html

ENTERPRISE = "enterprises/LC0test"


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def info(key):
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "client_email": "sa@project.iam.gserviceaccount.com",
        "private_key": pem,
        "private_key_id": "k1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }


def _decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_assertion_is_an_rs256_jwt_google_accepts(key, info):
    credentials = amapi.ServiceAccountCredentials(info, wall_clock=lambda: 1_800_000_000)
    client = MDMClient("https://androidmanagement.googleapis.com", credentials)
    form = credentials.grant(client)
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    header, claims, signature = form["assertion"].split(".")
    assert json.loads(_decode(header)) == {"alg": "RS256", "typ": "JWT", "kid": "k1"}
    assert json.loads(_decode(claims)) == {
        "iss": "sa@project.iam.gserviceaccount.com",
        "scope": "https://www.googleapis.com/auth/androidmanagement",
        "aud": "https://oauth2.googleapis.com/token",
        "iat": 1_800_000_000,
        "exp": 1_800_003_600,
    }
    key.public_key().verify(_decode(signature), f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())
    # The assertion and the key are secrets of the client: no error message carries them.
    text = f"failed with {form['assertion']} and {info['private_key']}"
    assert form["assertion"] not in client.redact(text) and "PRIVATE KEY" not in client.redact(text)


def test_token_url_option_overrides_the_key_file(info):
    credentials = amapi.ServiceAccountCredentials(info, token_url="https://oauth2.example/token")
    assert credentials.token_url == "https://oauth2.example/token"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not json {", "not JSON"),
        ('["a list"]', "not a service account key"),
        ('{"type": "authorized_user", "client_email": "x", "private_key": "y"}', "not a service account key"),
        ('{"type": "service_account", "private_key": "SECRETKEYBODY"}', "client_email is missing"),
        ("x" * (amapi.MAX_KEY_BYTES + 1), "larger than"),
    ],
)
def test_bad_keys_say_what_is_wrong_never_their_content(text, expected):
    with pytest.raises(MDMError) as error:
        amapi.load_service_account(text)
    assert expected in str(error.value)
    assert "SECRETKEYBODY" not in str(error.value) and "xxxx" not in str(error.value)


def test_key_from_a_file_and_no_key_at_all(tmp_path, info):
    path = tmp_path / "key.json"
    path.write_text(json.dumps(info))
    assert amapi.load_service_account(path=str(path))["client_email"] == info["client_email"]
    with pytest.raises(MDMError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        amapi.load_service_account()
    with pytest.raises(MDMError, match="cannot be read"):
        amapi.load_service_account(path=str(tmp_path / "missing.json"))


def test_a_key_that_is_not_an_rsa_pem_is_refused(info):
    with pytest.raises(MDMError, match="PEM RSA private key") as error:
        amapi.ServiceAccountCredentials(dict(info, private_key="-----BEGIN PRIVATE KEY-----\nQUJD\n"))
    assert "QUJD" not in str(error.value)


def test_names_stay_in_the_enterprise():
    assert amapi.enterprise_name("LC0test") == ENTERPRISE
    assert amapi.policy_name(ENTERPRISE, "default") == f"{ENTERPRISE}/policies/default"
    assert amapi.policy_name(ENTERPRISE, f"{ENTERPRISE}/policies/kiosk") == f"{ENTERPRISE}/policies/kiosk"
    for bad in ("enterprises/other/policies/default", "../devices", "a/b", "", "x" * 200):
        with pytest.raises(MDMError):
            amapi.policy_name(ENTERPRISE, bad)
    with pytest.raises(MDMError):
        amapi.enterprise_name("enterprises/LC0/devices")


def test_rfc3339_with_nanoseconds():
    when = amapi.parse_time("2026-11-28T10:00:00.123456789Z")
    assert when == datetime(2026, 11, 28, 10, 0, 0, 123456, tzinfo=timezone.utc)  # noqa: UP017
    assert amapi.parse_time("yesterday") is None and amapi.parse_time(None) is None


POLICY = {
    "name": f"{ENTERPRISE}/policies/default",
    "applications": [
        {"packageName": "com.microsoft.teams", "installType": "FORCE_INSTALLED"},
        {"packageName": "com.zhiliaoapp.musically", "installType": "AVAILABLE", "managedConfiguration": {"a": 1}},
        {"packageName": "com.kms.free", "installType": "BLOCKED"},
    ],
}


def test_blocked_applications_changes_only_what_it_must():
    packages = ["com.tencent.mm", "com.zhiliaoapp.musically", "com.kms.free"]
    applications, added, reblocked, already = amapi.blocked_applications(POLICY, packages)
    assert added == ["com.tencent.mm"] and reblocked == {"com.zhiliaoapp.musically": "AVAILABLE"}
    assert already == ["com.kms.free"]
    assert applications == [
        POLICY["applications"][0],
        {"packageName": "com.zhiliaoapp.musically", "installType": "BLOCKED", "managedConfiguration": {"a": 1}},
        POLICY["applications"][2],
        {"packageName": "com.tencent.mm", "installType": "BLOCKED"},
    ]
    assert POLICY["applications"][1]["installType"] == "AVAILABLE", "the policy read is not modified"
    # Applied again: nothing to change.
    again = amapi.blocked_applications({"applications": applications}, packages)
    assert again[0] is None and again[3] == packages
    assert amapi.not_blocked({"applications": applications}, [*packages, "com.whatsapp"]) == ["com.whatsapp"]


def test_a_policy_never_grows_past_its_limit():
    full = {"applications": [{"packageName": f"com.example.app{i}"} for i in range(amapi.MAX_POLICY_APPLICATIONS)]}
    with pytest.raises(MDMError, match="3000"):
        amapi.blocked_applications(full, ["com.tencent.mm"])


def test_only_packages_a_ban_names_are_written():
    catalog = CompiledCatalog(load_bans(["wechat", "tiktok"]))
    allowed, refused = amapi.module_packages(catalog, ["com.tencent.mm", "com.whatsapp", "x; rm -rf /"], "orders")
    assert allowed == ["com.tencent.mm"]
    assert len(refused) == 2 and all("left alone" in text for text in refused)


def _device(**overrides):
    device = {"listed": True, "inventory": "read", "policy": "p", "reports": 5, "management_mode": "DEVICE_OWNER"}
    return dict(device, **overrides)


@pytest.mark.parametrize(
    ("device", "policies", "complete", "state", "reason"),
    [
        (_device(), {"p": {"application_reports": True}}, True, "read", ""),
        (_device(), {"p": {"application_reports": True}}, False, "failed", "incomplete"),
        (_device(inventory="stale"), {}, True, "failed", "too old"),
        (_device(), {"p": {"application_reports": False}}, True, "failed", "applicationReportsEnabled"),
        (_device(reports=None), {"p": {"application_reports": None, "error": "HTTP 503"}}, True, "failed", "HTTP 503"),
        (_device(management_mode="PROFILE_OWNER"), {"p": {"application_reports": True}}, True, "partial", "profile"),
        (_device(listed=False), {}, True, "failed", "not in the AMAPI device listing"),
    ],
)
def test_device_evidence(device, policies, complete, state, reason):
    source = amapi.device_sources(device, complete, ["devices.list: HTTP 503"], policies, 30)[0]
    assert source["source"] == "amapi" and source["state"] == state and reason in source["reason"]


def test_planning_picks_the_app_object_of_the_devices_policy():
    bans = load_bans(["wechat"])
    apps = [
        {"id": f"{ENTERPRISE}/policies/{p}#com.tencent.mm", "name": "WeChat", "platform": "android"}
        | {"identifier": "com.tencent.mm", "scope": f"{ENTERPRISE}/policies/{p}"}
        for p in ("default", "kiosk")
    ]
    software = {
        "name": "WeChat",
        "version": "8",
        "publisher": "",
        "platform": "android",
        "source": "mdm",
        "identifier": "com.tencent.mm",
        "mdm_scope": f"{ENTERPRISE}/policies/kiosk",
    }
    finding = CompiledCatalog(bans).match_record(software)[0]
    finding["software"] = software
    plan = _planning.removal_plan(
        [finding],
        bans,
        host="AMA1",
        mode="enforce",
        platform="android",
        sources=[{"source": "amapi", "state": "read", "records": 1, "reason": ""}],
        options={"provider": "amapi", "mdm_apps": apps, "device": {"id": "d1"}},
    )
    removal = [s for s in plan["steps"] if s["method"] == "mdm_uninstall"]
    assert [s["app_id"] for s in removal] == [f"{ENTERPRISE}/policies/kiosk#com.tencent.mm"]
    assert "BLOCKED" in removal[0]["note"]
    block = [s for s in plan["steps"] if s["method"] == "mdm_block"]
    assert block and block[0]["identifiers"] == ["com.tencent.mm"]


def test_fleet_report_labels_a_device_with_its_mdm():
    from ansible_collections.interdict.bans.plugins.plugin_utils import _report

    bans = load_bans(["wechat"])
    sources = [{"source": "amapi", "state": "failed", "records": 0, "reason": "application reports are off"}]
    device = _report.host_result(
        "AMA1", mode="audit", platform="android", bans=bans, sources=sources, extra={"mdm": {"provider": "amapi"}}
    )
    laptop = _report.host_result("laptop", mode="audit", platform="linux", bans=bans, sources=sources)
    fleet = _report.merge_fleet([device, laptop])
    assert {h["host"]: (h["mdm"] or {}).get("provider", "") for h in fleet["hosts"]} == {"AMA1": "amapi", "laptop": ""}
    assert {h["host"]: h["status"] for h in fleet["hosts"]}["AMA1"] == "unknown"
    rows = _report.render_csv(fleet).splitlines()
    assert rows[0].endswith(",mdm") and rows[1].startswith("AMA1,") and rows[1].endswith(",amapi")
    # The page offers the MDM as a filter: the device is found by the MDM that reported it.
    assert '<option value="amapi">amapi</option>' in _report_html.render_html(fleet)


def test_a_hostile_device_name_or_serial_never_becomes_a_host_name():
    good = amapi._device_summary(
        {"name": f"{ENTERPRISE}/devices/abc123", "hardwareInfo": {"serialNumber": "R58M1234"}}, ENTERPRISE
    )
    assert good["id"] == "abc123" and good["serial_number"] == "R58M1234"
    odd = amapi._device_summary(
        {"name": f"{ENTERPRISE}/devices/abc123", "hardwareInfo": {"serialNumber": "x\n{{ lookup('pipe','id') }}"}},
        ENTERPRISE,
    )
    assert odd["serial_number"] is None and amapi.host_names([odd])["abc123"] == "abc123"
    for name in ("enterprises/other/devices/abc", f"{ENTERPRISE}/devices/a b", f"{ENTERPRISE}/devices/", None):
        assert amapi._device_summary({"name": name}, ENTERPRISE)["id"] == ""
