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

from ansible_collections.interdict.bans.plugins.module_utils import intune
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog

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


def fast_api(sim, **extra):
    # Backoff waits are shortened so fault runs stay quick; the retry logic is the real one.
    return intune.Intune(**sim.module_args(), sleep=lambda s: time.sleep(min(s, 0.02)), **extra)


def infected(result):
    return sorted({(f["device_id"], f["ban"], f["app"]["name"]) for f in result["findings"]})


def visible_truth(sim):
    return sorted(
        {(t["device_id"], t["app"]) for t in sim.fleet.truth() if t["visible"] and t["platform"] in ("ios", "android")}
    )


@pytest.mark.parametrize("method", ["export", "detected_apps"])
def test_inventory_finds_exactly_the_visible_infections(catalog, method):
    with Simulator(devices=1500, page_size=100) as sim:
        result = intune.inventory(fast_api(sim), catalog, method=method, now=sim.fleet.now)
        assert result["complete"], result["problems"]
        assert result["method"] == method
        assert sorted({(d, a) for d, _b, a in infected(result)}) == visible_truth(sim)
        assert result["devices_scanned"] == sum(d.os in ("ios", "android") for d in sim.fleet.devices)
        # Look-alikes are on the fleet and never flagged.
        names = {f["app"]["name"] for f in result["findings"]}
        assert not names & {"TickTick", "QQ", "Tencent Meeting", "WeCom", "CapCut - Video Editor"}
        # Asked only about what is banned: far fewer calls than devices.
        assert sim.stats["requests"] < 60


def test_fault_runs_lose_nothing(catalog):
    with Simulator(devices=1500, page_size=100) as sim:
        clean = intune.inventory(fast_api(sim), catalog, now=sim.fleet.now)
        for method in ("export", "detected_apps"):
            sim.set_faults(**FAULTS)
            faulty = intune.inventory(fast_api(sim), catalog, method=method, now=sim.fleet.now)
            sim.set_faults()
            assert sum(sim.stats["faults"].values()) > 0
            if faulty["complete"]:
                assert infected(faulty) == infected(clean)
                assert faulty["devices_scanned"] == clean["devices_scanned"]
            else:
                results = intune.device_results(faulty, load_bans(["wechat"]))
                assert all(r["status"] != "compliant" for r in results)


def test_server_ignoring_filter_flags_nothing_extra(catalog):
    with Simulator(devices=800, faults={"ignore_filter": True}) as sim:
        result = intune.inventory(fast_api(sim), catalog, now=sim.fleet.now)
        assert result["complete"]
        assert sorted({(d, a) for d, _b, a in infected(result)}) == visible_truth(sim)


def test_incomplete_listing_is_never_compliant(catalog):
    with Simulator(devices=800, page_size=50, faults={"rate_truncate": 0.5}) as sim:
        result = intune.inventory(fast_api(sim), catalog, now=sim.fleet.now)
        assert not result["complete"]
        assert any("paging ended" in p for p in result["problems"])
        statuses = {r["status"] for r in intune.device_results(result, load_bans(["wechat", "tiktok", "kaspersky"]))}
        assert "compliant" not in statuses


def test_stale_and_personal_devices_are_unknown(catalog):
    with Simulator(devices=600) as sim:
        result = intune.inventory(fast_api(sim), catalog, now=sim.fleet.now)
        results = intune.device_results(result, load_bans(["wechat", "tiktok", "kaspersky"]))
        by_state = {}
        for record in results:
            by_state.setdefault(record["mdm"]["inventory"], set()).add(record["status"])
        assert by_state["stale"] <= {"unknown", "non_compliant"}
        assert by_state["managed_apps_only"] <= {"unknown", "non_compliant"}
        assert "compliant" in by_state["read"]
        assert all(r["source"] == "mdm" and r["platform"] in ("ios", "android") for r in results)


def run_playbook(sim, tmp_path, *args, check=False):
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
        assert first["uninstall"]["not_enforceable"], "personal-device findings are reported as not enforceable"
        # The customer's own profile entry survives; our profile was created with the banned bundle ids.
        configs = {c["displayName"]: c for c in sim.fleet.configurations.values()}
        ours = configs["interdict.bans blocked apps (iOS)"]
        assert {i["appId"] for i in ours["appsVisibilityList"]} >= {"com.tencent.xin", "com.zhiliaoapp.musically"}
        assert ours["assignments"], "a profile this collection creates is assigned"
        assert configs["Contoso iOS restrictions"]["compliantAppsList"][0]["appId"] == "com.epicgames.fortnite"

        _proc, second = run_playbook(sim, tmp_path)
        assert not second["uninstall"]["changed"] and not second["block"]["changed"]

        # Devices check in: managed copies go, user-installed ones stay.
        managed_before = [t for t in sim.fleet.truth() if t["managed"] and t["platform"] in ("ios", "android")]
        sim.fleet.sync()
        after = sim.fleet.truth()
        assert managed_before and not [t for t in after if t["managed"] and t["platform"] in ("ios", "android")]
        assert [t for t in after if not t["managed"] and t["platform"] in ("ios", "android")]
        _proc, third = run_playbook(sim, tmp_path)
        assert len(third["phones"]["findings"]) < len(first["phones"]["findings"])


def test_customer_profile_patched_not_replaced(tmp_path):
    with Simulator(devices=200) as sim:
        api = fast_api(sim)
        bans = load_bans(["tiktok"])
        configs = api.device_configurations()
        plan = intune.plan_block(
            bans, configs, "ios", "Contoso iOS restrictions", {"compliantAppsList": "compliantAppListType"}
        )
        assert plan["action"] == "update" and not plan["owned"]
        api.update_configuration(plan["id"], plan["body"])
        again = intune.plan_block(
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
        api = intune.Intune(**args)
        with pytest.raises(intune.MDMError) as error:
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
        assert sim.client_secret not in proc.stdout
