"""The MDM filters: every device planned by the one planner, one result each, nobody missing."""

import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.interdict.bans.plugins.filter.intune import intune_device_results
from ansible_collections.interdict.bans.plugins.filter.mdm import mdm_plans, mdm_providers, mdm_results
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.contract import source_state
from ansible_collections.interdict.bans.plugins.module_utils.mdm_provider import CREDENTIAL_ENV

BANS = load_bans(["wechat", "tiktok"])
RUN = {"id": "run-7", "started": "2026-11-28T12:00:00Z"}
EXCEPTION = {
    "hosts": ["IPH-1"],
    "bans": ["wechat"],
    "approver": "CISO",
    "reason": "liaison",
    "expires": "2099-12-31",
    "allow_wide": True,
}


def device(host, platform="ios", state="read", reason=""):
    return {
        "id": f"id-{host}",
        "name": host,
        "host": host,
        "platform": platform,
        "ownership": "company",
        "supervised": True,
        "inventory": "read",
        "listed": True,
        "sources": [source_state("intune", state, reason=reason)],
    }


def finding(host, name="WeChat", identifier="com.tencent.xin", ban="wechat", platform="ios"):
    software = {
        "name": name,
        "identifier": identifier,
        "platform": platform,
        "source": "mdm",
        "device_id": f"id-{host}",
        "device_name": host,
    }
    return {
        "ban": ban,
        "software": software,
        "rule": {"kind": "identifier", "value": identifier},
        "device_id": f"id-{host}",
        "device_name": host,
        "platform": platform,
    }


INVENTORY = {
    "provider": "intune",
    "tenant_id": "contoso",
    "complete": True,
    "problems": [],
    "listing_error": "",
    "devices": [device("IPH-1"), device("IPH-2"), device("IPH-3", state="partial", reason="personal device")],
    "findings": [finding("IPH-1"), finding("IPH-2"), finding("IPH-9")],
    "mdm_apps": [{"id": "app-1", "name": "WeChat", "platform": "ios", "identifier": "com.tencent.xin"}],
}


def by_host(results):
    return {r["host"]: r for r in results}


def test_an_excepted_phone_is_exempt_and_only_the_others_are_uninstalled():
    fleet = mdm_plans(
        INVENTORY, BANS, mode="enforce", exceptions=[EXCEPTION], exclusion_group_ids=["g-x"], now="2026-11-28"
    )
    (order,) = fleet["uninstall"]
    assert order["refused"] == "" and order["hosts"] == ["IPH-2", "IPH-9"] and order["exclusion_group_ids"] == ["g-x"]
    uninstall = {"apps": [{"id": "app-1", "outcome": "pending", "msg": "assigned"}], "check_mode": False}
    block = {"platforms": {"ios": {"outcome": "ok", "msg": ""}}, "check_mode": False}
    results = by_host(mdm_results(fleet, BANS, uninstall=uninstall, block=block, run=RUN))
    assert results["IPH-1"]["per_ban"]["wechat"] == "exempt"
    assert not [a for a in results["IPH-1"]["actions"] if a["method"] == "mdm_uninstall"]
    pending = next(a for a in results["IPH-2"]["actions"] if a["method"] == "mdm_uninstall")
    assert pending["outcome"] == "pending" and results["IPH-2"]["status"] == "non_compliant"
    assert all(r["run_id"] == "run-7" and r["mode"] == "enforce" for r in results.values())


def test_without_an_exclusion_group_the_app_is_refused_on_every_device_that_holds_it():
    fleet = mdm_plans(INVENTORY, BANS, mode="enforce", exceptions=[EXCEPTION], now="2026-11-28")
    (order,) = fleet["uninstall"]
    assert "IPH-1" in order["refused"]
    uninstall = {"apps": [{"id": "app-1", "outcome": "failed", "msg": order["refused"]}], "check_mode": False}
    results = by_host(mdm_results(fleet, BANS, uninstall=uninstall, run=RUN))
    for host in ("IPH-2", "IPH-9"):
        action = next(a for a in results[host]["actions"] if a["method"] == "mdm_uninstall")
        assert action["outcome"] == "failed" and "IPH-1" in action["msg"]
    assert fleet["block_refused"] == {"ios": {"wechat": fleet["block_refused"]["ios"]["wechat"]}}
    assert "wechat" not in fleet["block_bans"]["ios"] and "tiktok" in fleet["block_bans"]["ios"]


def test_devices_missing_from_the_listing_are_reported():
    fleet = mdm_plans(INVENTORY, BANS, expected_devices=["IPH-2", "iph-404"], now="2026-11-28")
    results = by_host(mdm_results(fleet, BANS, run=RUN))
    assert (
        results["iph-404"]["status"] == "unknown"
        and "not in the intune device listing" in results["iph-404"]["reason"].lower()
    )
    # IPH-9 is only in a finding: the inventory gave it no evidence of its own.
    assert results["IPH-9"]["status"] in ("unknown", "non_compliant")
    assert results["IPH-3"]["status"] == "unknown"
    assert "intune:contoso" not in results, "a complete listing needs no tenant record"


def test_a_failed_inventory_reports_the_tenant_unknown():
    failed = {
        "failed": True,
        "msg": "Intune tenant contoso: the device listing failed: HTTP 401",
        "provider": "intune",
        "tenant_id": "contoso",
        "devices": [],
        "findings": [],
    }
    results = by_host(intune_device_results(failed, BANS, run=RUN))
    assert list(results) == ["intune:contoso"]
    assert results["intune:contoso"]["status"] == "unknown" and "HTTP 401" in results["intune:contoso"]["reason"]


def test_a_write_in_check_mode_makes_the_results_an_audit():
    fleet = mdm_plans(INVENTORY, BANS, mode="enforce", now="2026-11-28")
    uninstall = {"apps": [{"id": "app-1", "outcome": "planned", "msg": ""}], "check_mode": True}
    results = mdm_results(fleet, BANS, uninstall=uninstall, run=RUN)
    assert {r["mode"] for r in results} == {"audit"}
    assert {a["outcome"] for r in results for a in r["actions"]} == {"planned"}


def test_bad_input_is_named():
    with pytest.raises(AnsibleFilterError, match="mdm_plans: exceptions"):
        mdm_plans(INVENTORY, BANS, exceptions=[{"hosts": ["x"]}])
    with pytest.raises(AnsibleFilterError, match="mdm_results: the input"):
        mdm_results([], BANS)


CREDENTIAL_VARS = [var for groups in CREDENTIAL_ENV.values() for group in groups for var in group]


@pytest.fixture
def bare_environment(monkeypatch):
    for var in CREDENTIAL_VARS:
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def test_no_settings_and_no_credential_reach_no_mdm(bare_environment):
    assert mdm_providers({}) == []
    assert mdm_providers(None) == []
    assert mdm_providers({"intune": {}, "jamf": None}) == []


def test_settings_turn_an_mdm_on(bare_environment):
    assert mdm_providers({"jamf": {"platforms": ["ios"]}}) == ["jamf"]
    assert mdm_providers({"amapi": {"enterprise": "e"}, "intune": {"tenant_id": "t"}}) == ["intune", "amapi"]


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"AZURE_TENANT_ID": "t", "INTUNE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s"}, ["intune"]),
        ({"INTUNE_TENANT_ID": "t", "INTUNE_CLIENT_ID": "c"}, []),  # no secret: not a credential
        ({"JAMF_PRO_URL": "u", "JAMF_CLIENT_ID": "c", "JAMF_CLIENT_SECRET": "s"}, ["jamf"]),
        ({"AMAPI_ENTERPRISE": "e", "GOOGLE_APPLICATION_CREDENTIALS": "/k.json"}, ["amapi"]),
        ({"AMAPI_ENTERPRISE": "e", "AMAPI_SERVICE_ACCOUNT_FILE": ""}, []),  # empty is unset
    ],
)
def test_a_complete_credential_in_the_environment_alone_turns_its_mdm_on(bare_environment, environment, expected):
    for var, value in environment.items():
        bare_environment.setenv(var, value)
    assert mdm_providers({}) == expected


def test_a_disabled_mdm_stays_off_whatever_its_settings(bare_environment):
    bare_environment.setenv("JAMF_URL", "u")
    bare_environment.setenv("JAMF_CLIENT_ID", "c")
    bare_environment.setenv("JAMF_CLIENT_SECRET", "s")
    assert mdm_providers({"intune": {"platforms": ["ios"]}}, disabled=["jamf", "intune"]) == []


@pytest.mark.parametrize(
    ("mdms", "message"),
    [
        ("intune", "mdm_providers: mdms: expected a mapping, got str"),
        ({"mobileiron": {}}, "mdm_providers: mdms.mobileiron: expected one of intune, jamf, amapi"),
        ({"jamf": ["ios"]}, "mdm_providers: mdms.jamf: expected a mapping, got list"),
    ],
)
def test_bad_settings_are_named(bare_environment, mdms, message):
    with pytest.raises(AnsibleFilterError, match="^" + re.escape(message) + "$"):
        mdm_providers(mdms)
