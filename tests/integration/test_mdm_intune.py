# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Intune modules, inventory plugin and engine path against the simulated tenant.

No real Intune tenant is reachable from the test machines: every test here runs
against tests/integration/mdm_simulator, which speaks the documented Graph API on
127.0.0.1. The modules take graph_url/login_url, so they point at a real tenant unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from ansible_collections.interdict.bans.plugins.module_utils import intune_changes, intune_graph, intune_inventory
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import MDMError
from ansible_collections.interdict.bans.plugins.plugin_utils import _mdm_fleet

sys.path.insert(0, os.path.dirname(__file__))
from mdm_simulator import Simulator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
PLAYBOOK = os.path.join(os.path.dirname(__file__), "mdm_playbooks", "intune.yml")
FAULTS = {
    "rate_429": 0.05,
    "rate_429_no_header": 0.03,
    "rate_5xx": 0.04,
    "rate_reset": 0.03,
    "token_ttl": 0.5,
    "latency_ms": 2,
}

print("NOTE: no real Intune tenant is reachable here; these tests run against the loopback simulator.")


@pytest.fixture(scope="module")
def catalog():
    return CompiledCatalog(load_bans(["wechat", "tiktok", "kaspersky"]))


BANS = ["wechat", "tiktok", "kaspersky"]


def fast_api(sim, **extra):
    # Backoff waits are shortened so fault runs stay quick; the retry logic is the real one.
    return intune_graph.Intune(**sim.module_args(), sleep=lambda s: time.sleep(min(s, 0.02)), **extra)


def read(sim, catalog, **options):
    return intune_inventory.inventory(fast_api(sim), catalog, now=sim.fleet.now, **options)


def results(inventory, bans=None, **planning):
    """Every device planned by the one planner, then one host result each (an audit)."""
    loaded = load_bans(bans or BANS)
    fleet = _mdm_fleet.plan_fleet(inventory, loaded, now="2026-11-28", **planning)
    return _mdm_fleet.fleet_results(fleet, loaded, run={"id": "test-run", "started": "2026-11-28T12:00:00Z"})


def infected(result):
    return sorted({(f["device_id"], f["ban"], f["app"]["name"]) for f in result["findings"]})


def visible_truth(sim):
    return sorted(
        {(t["device_id"], t["app"]) for t in sim.fleet.truth() if t["visible"] and t["platform"] in ("ios", "android")}
    )


@pytest.mark.parametrize("method", ["export", "detected_apps"])
def test_inventory_finds_exactly_the_visible_infections(catalog, method):
    with Simulator(devices=1500, page_size=100) as sim:
        result = read(sim, catalog, method=method)
        assert result["complete"], result["problems"]
        assert result["method"] == method
        assert sorted({(d, a) for d, _b, a in infected(result)}) == visible_truth(sim)
        assert result["devices_scanned"] == sum(d.os in ("ios", "android") for d in sim.fleet.devices)
        # Look-alikes are on the fleet and never flagged.
        names = {f["app"]["name"] for f in result["findings"]}
        assert not names & {"TickTick", "QQ", "Tencent Meeting", "WeCom", "CapCut - Video Editor"}
        # Asked only about what is banned: far fewer calls than devices.
        assert sim.stats["requests"] < 60
        # Every device carries its evidence; the app objects the planner needs come along.
        states = {(d["inventory"], d["sources"][0]["state"]) for d in result["devices"]}
        assert states == {("read", "read"), ("managed_apps_only", "partial"), ("stale", "failed")}
        assert {(a["platform"], a["identifier"]) for a in result["mdm_apps"]} == {
            ("ios", "com.tencent.xin"),
            ("ios", "com.zhiliaoapp.musically"),
            ("android", "com.tencent.mm"),
            ("android", "com.zhiliaoapp.musically"),
        }
        assert all(f["software"]["device_id"] == f["device_id"] for f in result["findings"])


def test_fault_runs_lose_nothing(catalog):
    with Simulator(devices=1500, page_size=100) as sim:
        clean = read(sim, catalog)
        for method in ("export", "detected_apps"):
            sim.set_faults(**FAULTS)
            faulty = read(sim, catalog, method=method)
            sim.set_faults()
            assert sum(sim.stats["faults"].values()) > 0
            if faulty["complete"]:
                assert infected(faulty) == infected(clean)
                assert faulty["devices_scanned"] == clean["devices_scanned"]
            else:
                assert all(r["status"] != "compliant" for r in results(faulty, ["wechat"]))


def test_server_ignoring_filter_flags_nothing_extra(catalog):
    with Simulator(devices=800, faults={"ignore_filter": True}) as sim:
        result = read(sim, catalog)
        assert result["complete"]
        assert sorted({(d, a) for d, _b, a in infected(result)}) == visible_truth(sim)


def test_incomplete_listing_is_never_compliant(catalog):
    with Simulator(devices=800, page_size=50, faults={"rate_truncate": 0.5}) as sim:
        result = read(sim, catalog)
        assert not result["complete"]
        assert any("paging ended" in p for p in result["problems"])
        records = results(result)
        assert "compliant" not in {r["status"] for r in records}
        # The tenant itself is in the report: devices the listing lost have no other name there.
        tenant = [r for r in records if r["host"] == f"intune:{sim.tenant_id}"]
        assert tenant and tenant[0]["status"] == "unknown" and "paging ended" in tenant[0]["reason"]


def test_stale_and_personal_devices_are_unknown(catalog):
    with Simulator(devices=600) as sim:
        records = results(read(sim, catalog))
        by_state = {}
        for record in records:
            by_state.setdefault(record["mdm"]["inventory"], set()).add(record["status"])
            assert record["per_ban"].keys() == set(BANS)
            if record["mdm"]["inventory"] != "read":
                assert "compliant" not in record["per_ban"].values(), record
        assert by_state["stale"] <= {"unknown", "non_compliant"}
        assert by_state["managed_apps_only"] <= {"unknown", "non_compliant"}
        assert "compliant" in by_state["read"]
        assert all(r["source"] == "mdm" and r["platform"] in ("ios", "android") for r in records)
        assert all(r["run_id"] == "test-run" for r in records)


def test_device_missing_from_the_listing_stays_in_the_report(catalog):
    with Simulator(devices=600) as sim:
        carriers = {t["device_id"]: t["device_name"] for t in sim.fleet.truth() if t["visible"] and not t["stale"]}
        infected_id, infected_name = sorted(carriers.items())[0]
        clean = next(d for d in sim.fleet.devices if d.os == "ios" and d.id not in carriers)
        sim.set_faults(unlisted_devices=[infected_id, clean.id])
        result = read(sim, catalog)
        assert result["complete"], "the listing itself says nothing is missing"
        assert infected_id not in {d["id"] for d in result["devices"] if d["listed"]}
        # The inventory plugin knew the clean device; the report must say it was not seen, not forget it.
        records = {r["host"]: r for r in results(result, expected_devices=[clean.name])}
        assert records[clean.name]["status"] == "unknown"
        assert "not in the intune device listing" in records[clean.name]["reason"].lower()
        # The infected device is named only by the app report: still there, never compliant.
        assert records[infected_name]["status"] in ("unknown", "non_compliant")
        assert records[infected_name]["sources"][0]["state"] == "failed"
        assert "not in the Intune device listing" in records[infected_name]["sources"][0]["reason"]


def test_failed_listing_is_an_error_and_the_tenant_is_unknown(catalog):
    with Simulator(devices=300, faults={"listing_status": 503}) as sim:
        result = read(sim, catalog)
        assert result["listing_error"] and "managedDevices" in result["listing_error"]
        assert not result["complete"] and result["devices_scanned"] == 0
        records = results(result)
        tenant = next(r for r in records if r["host"] == f"intune:{sim.tenant_id}")
        assert tenant["status"] == "unknown" and "device listing failed" in tenant["reason"]
        # What the app reports named is still reported, never compliant.
        named = {f["device_name"] for f in result["findings"]}
        assert named and named <= {r["host"] for r in records}
        assert all(r["status"] != "compliant" for r in records)


def run_playbook(sim, tmp_path, *args, check=False, extra=None):
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages",
        ANSIBLE_NOCOLOR="1",
        **sim.client_env(),
    )
    out = tmp_path / "result.json"
    command = [f"{VENV_BIN}/ansible-playbook", "-i", "localhost,", "-c", "local", PLAYBOOK, "-e", f"result_file={out}"]
    command += ["-e", f"ansible_python_interpreter={sys.executable}"]
    command += list(args) + (["--check", "--diff"] if check else [])
    if extra:
        command += ["-e", json.dumps(extra)]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc, json.loads(out.read_text()) if out.exists() else None


def test_playbook_enforces_idempotently_and_state_changes_at_sync(tmp_path):
    with Simulator(devices=800) as sim:
        # Check mode changes nothing in the tenant.
        before = json.dumps(sim.fleet.mobile_apps, sort_keys=True)
        proc, _check = run_playbook(sim, tmp_path, check=True)
        assert "changed=" in proc.stdout
        assert json.dumps(sim.fleet.mobile_apps, sort_keys=True) == before

        _proc, first = run_playbook(sim, tmp_path)
        assert first["uninstall"]["changed"] and first["block"]["changed"]
        deleted = [a for a in first["uninstall"]["actions"] if a["action"] == "delete"]
        assert any(a["intent"] == "required" and a["app"] == "TikTok" for a in deleted)
        touched = {a["app"] for a in first["uninstall"]["actions"]}
        assert "TickTick" not in touched and "Microsoft Outlook" not in touched
        assert {a["outcome"] for a in first["uninstall"]["apps"]} == {"pending"}
        # A copy Intune did not install is reported with the reason, never silently skipped.
        skipped = [s["reason"] for r in first["results"] for s in r["skipped"]]
        assert "not managed by Intune: cannot be uninstalled through Intune" in skipped
        assert {r["mode"] for r in first["results"]} == {"enforce"}
        # The customer's own profile entry survives; our profile was created with the banned bundle ids.
        configs = {c["displayName"]: c for c in sim.fleet.configurations.values()}
        ours = configs["interdict.bans blocked apps (iOS)"]
        assert {i["appId"] for i in ours["appsVisibilityList"]} >= {"com.tencent.xin", "com.zhiliaoapp.musically"}
        assert ours["assignments"], "a profile this collection creates is assigned"
        assert configs["Contoso iOS restrictions"]["compliantAppsList"][0]["appId"] == "com.epicgames.fortnite"

        _proc, second = run_playbook(sim, tmp_path)
        assert not second["uninstall"]["changed"] and not second["block"]["changed"]
        pending = [a for r in second["results"] for a in r["actions"] if a["method"] == "mdm_uninstall"]
        assert pending and {a["outcome"] for a in pending} == {"pending"}

        # Devices check in: managed copies go, user-installed ones stay.
        managed_before = [t for t in sim.fleet.truth() if t["managed"] and t["platform"] in ("ios", "android")]
        sim.fleet.sync()
        after = sim.fleet.truth()
        assert managed_before and not [t for t in after if t["managed"] and t["platform"] in ("ios", "android")]
        assert [t for t in after if not t["managed"] and t["platform"] in ("ios", "android")]
        _proc, third = run_playbook(sim, tmp_path)
        assert len(third["phones"]["findings"]) < len(first["phones"]["findings"])


def exempt_holder(sim, app="WeChat", platform="ios"):
    """A company device Intune fully reads whose copy of ``app`` Intune installed, and the other such devices."""
    holders = sorted(
        (t["device_name"], t["device_id"])
        for t in sim.fleet.truth()
        if t["app"] == app
        and t["platform"] == platform
        and t["managed"]
        and t["ownership"] == "company"
        and not t["stale"]
    )
    assert len(holders) >= 2, "the fleet needs two devices with a managed copy"
    return holders[0], holders[1:]


# Within a year of the plans' date (now='2026-11-28' in the playbook): a longer exception needs allow_wide.
EXCEPTION = {"approver": "CISO", "reason": "liaison with a partner agency", "expires": "2027-05-31"}


def test_exception_without_exclusion_group_refuses_that_app_only(tmp_path):
    with Simulator(devices=600, infected_rate=0.1) as sim:
        (exempt_name, _exempt_id), others = exempt_holder(sim)
        wechat_ios = next(a for a in sim.fleet.mobile_apps.values() if a.get("bundleId") == "com.tencent.xin")
        before = json.dumps(wechat_ios["assignments"], sort_keys=True)
        _proc, run = run_playbook(
            sim, tmp_path, extra={"exceptions": [dict(EXCEPTION, hosts=[exempt_name], bans=["wechat"])]}
        )
        # An uninstall assignment would reach the exempt device too: WeChat on iOS is left as it is.
        assert json.dumps(wechat_ios["assignments"], sort_keys=True) == before
        refused = next(a for a in run["uninstall"]["apps"] if a["id"] == wechat_ios["id"])
        assert refused["outcome"] == "failed" and exempt_name in refused["msg"] and "exclusion" in refused["msg"]
        # Every other banned app still gets its uninstall.
        assert {a["outcome"] for a in run["uninstall"]["apps"] if a["id"] != wechat_ios["id"]} == {"pending"}
        records = {r["host"]: r for r in run["results"]}
        assert records[exempt_name]["status"] == "exempt"
        for name, _id in others:
            action = next(a for a in records[name]["actions"] if a["method"] == "mdm_uninstall")
            assert action["outcome"] == "failed" and "exclusion group" in action["msg"]
            assert records[name]["status"] == "failed"
        # The iOS block of WeChat would hide it on the exempt device as well.
        ours = next(
            c
            for c in sim.fleet.configurations.values()
            if c["displayName"].endswith("(iOS)") and c.get("description") == intune_changes.OWNED_MARKER
        )
        listed = {i["appId"] for i in ours["appsVisibilityList"]}
        assert "com.tencent.xin" not in listed and "com.zhiliaoapp.musically" in listed
        sim.fleet.sync()
        assert (exempt_name, "WeChat") in {(t["device_name"], t["app"]) for t in sim.fleet.truth()}


def test_customer_profile_patched_not_replaced(tmp_path):
    with Simulator(devices=200) as sim:
        api = fast_api(sim)
        bans = load_bans(["tiktok"])
        configs = api.device_configurations()
        plan = intune_changes.plan_block(
            bans, configs, "ios", "Contoso iOS restrictions", {"compliantAppsList": "compliantAppListType"}
        )
        assert plan["action"] == "update" and not plan["owned"]
        api.update_configuration(plan["id"], plan["body"])
        again = intune_changes.plan_block(
            bans,
            api.device_configurations(),
            "ios",
            "Contoso iOS restrictions",
            {"compliantAppsList": "compliantAppListType"},
        )
        assert again["action"] == "none"
        assert set(again["after"]["compliantAppsList"]) == {
            "com.epicgames.fortnite",
            "com.zhiliaoapp.musically",
            "com.ss.iphone.ugc.now",
        }


def test_secret_never_in_verbose_output(tmp_path):
    with Simulator(devices=300, faults={"rate_429": 0.05, "token_ttl": 0.3}) as sim:
        proc, result = run_playbook(sim, tmp_path, "-vvv")
        output = proc.stdout + proc.stderr
        assert sim.client_secret not in output
        assert not any(token in output for token in sim.tokens)
        assert sim.client_secret not in json.dumps(result)


def test_wrong_secret_names_endpoint_not_secret(catalog):
    with Simulator(devices=50) as sim:
        args = {**sim.module_args(), "client_secret": "wrong-secret-value-123"}
        api = intune_graph.Intune(**args)
        with pytest.raises(MDMError) as error:
            api.managed_devices()
        message = str(error.value)
        assert "oauth2/v2.0/token" in message and "401" in message and "invalid_client" in message
        assert "wrong-secret-value-123" not in message and sim.client_secret not in message


def test_inventory_plugin_groups_devices(tmp_path):
    with Simulator(devices=300) as sim:
        source = tmp_path / "lab.intune.yml"
        source.write_text(
            "plugin: interdict.bans.intune\nplatforms: [ios, android]\n"
            "cache: true\ncache_plugin: ansible.builtin.jsonfile\n"
            f"cache_connection: {tmp_path}/cache\n"
            "groups:\n  supervised: intune_supervised\n"
        )
        env = dict(
            os.environ,
            ANSIBLE_COLLECTIONS_PATH=f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages",
            ANSIBLE_INVENTORY_ENABLED="interdict.bans.intune",
            **sim.client_env(),
        )
        proc = subprocess.run(
            [f"{VENV_BIN}/ansible-inventory", "-i", str(source), "--list"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        phones = [d for d in sim.fleet.devices if d.os in ("ios", "android")]
        assert len(data["_meta"]["hostvars"]) == len(phones)
        assert set(data["intune_os_ios"]["hosts"]) == {d.name for d in phones if d.os == "ios"}
        assert set(data["intune_ownership_personal"]["hosts"]) == {d.name for d in phones if d.ownership == "personal"}
        assert set(data["supervised"]["hosts"]) == {d.name for d in phones if d.supervised}
        # Phones are MDM hosts: nothing tells Ansible to run on the controller in their place.
        targets = [v["interdict_target"] for v in data["_meta"]["hostvars"].values()]
        # ansible-inventory shows a plugin's strings as unsafe ({"__ansible_unsafe": value}).
        assert {t.get("__ansible_unsafe") if isinstance(t, dict) else t for t in targets} == {"mdm"}
        assert not [v for v in data["_meta"]["hostvars"].values() if "ansible_connection" in v]
        assert sim.client_secret not in proc.stdout


def test_ios_compliance_policy_is_created_once_assigned_and_left_alone_on_the_next_run(tmp_path):
    name = "interdict.bans restricted apps (iOS)"
    with Simulator(devices=200) as sim:
        excluded = sorted(sim.fleet.group_ids.values())[0]
        extra = {"ios_compliance_policy": name, "exclusion_group_ids": [excluded]}
        # Check mode writes nothing, and its diff names the policy.
        proc, _result = run_playbook(sim, tmp_path, check=True, extra=extra)
        assert f"ios compliance policy: {name}" in proc.stdout
        assert sim.fleet.compliance_policies == {}

        # The first create commits but its answer is lost: re-read, never created twice.
        sim.set_faults(lose_create_response={"compliance_policy": "reset"})
        _proc, first = run_playbook(sim, tmp_path, extra=extra)
        assert sim.stats["faults"].get("lost_create") == 1
        (policy,) = sim.fleet.compliance_policies.values()
        assert policy["@odata.type"] == "#microsoft.graph.iosCompliancePolicy" and policy["displayName"] == name
        assert {i["appId"] for i in policy["restrictedApps"]} >= {"com.tencent.xin", "com.zhiliaoapp.musically"}
        targets = sorted(a["target"]["@odata.type"] for a in policy["assignments"].values())
        assert targets == [
            "#microsoft.graph.allDevicesAssignmentTarget",
            "#microsoft.graph.exclusionGroupAssignmentTarget",
        ]
        assert excluded in {a["target"].get("groupId") for a in policy["assignments"].values()}
        (entry,) = [c for c in first["block"]["configurations"] if c["kind"] == "compliance_policy"]
        assert entry["action"] == "create" and entry["id"] == policy["id"]

        before = json.dumps(sim.fleet.compliance_policies, sort_keys=True)
        _proc, second = run_playbook(sim, tmp_path, extra=extra)
        (entry,) = [c for c in second["block"]["configurations"] if c["kind"] == "compliance_policy"]
        assert entry["action"] == "none" and not second["block"]["changed"]
        assert json.dumps(sim.fleet.compliance_policies, sort_keys=True) == before
