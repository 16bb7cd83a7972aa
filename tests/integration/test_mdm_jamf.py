# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jamf Pro against the loopback simulator (no Jamf Pro server is reachable here).

The provider, the modules and the collection's playbooks run for real against
a server built from Jamf's documented shapes (tests/integration/mdm_simulator/jamf.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.jamf import JamfProvider
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.plugin_utils import _mdm_fleet

sys.path.insert(0, os.path.dirname(__file__))
from mdm_simulator.jamf import JamfSimulator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BANS = load_bans(["wechat", "tiktok", "kaspersky"])
CATALOG = CompiledCatalog(BANS)
SIZE = {"devices": 600, "infected_rate": 0.08, "seed": 11}
EVERY_FAULT = {
    "rate_429": 0.05,
    "retry_after": "0",
    "rate_429_no_header": 0.03,
    "rate_5xx": 0.04,
    "rate_reset": 0.03,
    "token_ttl": 1.0,
    "rate_truncate": 0.05,
    "total_drift": 0.03,
    "page_shift": 0.03,
}

print("Jamf Pro: these tests run against a simulated server; no real Jamf Pro instance is contacted.")


def provider(sim, **options):
    jamf = JamfProvider.from_params(dict(sim.module_args(), page_size=50, **options))
    jamf.client.backoff_base = 0.01  # the simulator's faults need no real waiting
    return jamf


def findings(inventory):
    return sorted((f["device_id"], f["ban"], f["software"]["name"]) for f in inventory["findings"])


def visible_truth(sim):
    """What Jamf can see: every banned app, except the unmanaged ones on User Enrollment devices."""
    return sorted(
        (t["device"], t["app"].removesuffix(".app"))
        for t in sim.fleet.truth()
        if t["ownership"] != "UserEnrollment" or t["managed"]
    )


def test_inventory_finds_what_is_there_in_few_calls():
    with JamfSimulator(**SIZE) as sim:
        jamf = provider(sim)
        inventory = jamf.inventory(CATALOG)
        assert inventory["complete"] and not inventory["problems"]
        assert sorted((f["device_name"], f["software"]["name"]) for f in inventory["findings"]) == visible_truth(sim)
        assert inventory["devices_scanned"] == len(sim.fleet.devices)
        assert {app["name"] for app in inventory["mdm_apps"]} == {"WeChat", "TikTok"}
        # Paged listings, not one call per device.
        assert jamf.client.stats["requests"] < len(sim.fleet.devices) / 10


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_fault_on_loses_nothing(seed):
    with JamfSimulator(**SIZE, fault_seed=seed) as sim:
        clean = findings(provider(sim).inventory(CATALOG))
        sim.set_faults(**EVERY_FAULT)
        jamf = provider(sim)
        inventory = jamf.inventory(CATALOG)
        faults = sim.stats["faults"]
        assert sum(faults.values()) > 0, "no fault was injected"
        if inventory["complete"]:
            assert findings(inventory) == clean
        else:
            # Incomplete: every device is unknown, none compliant.
            assert all(d["sources"][0]["state"] == "failed" for d in inventory["devices"])
            fleet = _mdm_fleet.plan_fleet(inventory, BANS, platforms=("ios", "macos"), now="2026-11-28")
            results = _mdm_fleet.fleet_results(fleet, BANS)
            assert results and all(r["status"] != "compliant" for r in results)


def test_enforce_removes_managed_apps_blocks_and_a_second_run_changes_nothing():
    with JamfSimulator(**SIZE) as sim:
        jamf = provider(sim)
        inventory = jamf.inventory(CATALOG)
        fleet = _mdm_fleet.plan_fleet(inventory, BANS, mode="enforce", platforms=("ios", "macos"), now="2026-11-28")
        block = {"bans": BANS, "platforms": ["ios", "macos"], "delete_executable": True}
        # Check mode changes nothing.
        before = json.dumps(sim.fleet.mobile_apps, sort_keys=True)
        result, failure = jamf.apply(CATALOG, "remove", fleet["uninstall"], True)
        assert not failure and result["changed"] and json.dumps(sim.fleet.mobile_apps, sort_keys=True) == before
        result, failure = jamf.apply(CATALOG, "remove", fleet["uninstall"], False)
        assert not failure and result["changed"] and all(a["outcome"] == "pending" for a in result["apps"])
        result, failure = jamf.apply(CATALOG, "block", fleet["block_bans"], False, **block)
        assert not failure and result["changed"]
        # A second enforce run changes nothing.
        assert not jamf.apply(CATALOG, "remove", fleet["uninstall"], False)[0]["changed"]
        assert not jamf.apply(CATALOG, "block", fleet["block_bans"], False, **block)[0]["changed"]
        sim.fleet.sync()
        after = jamf.inventory(CATALOG)
        left = {(f["device_name"], f["software"]["name"]) for f in after["findings"]}
        # Managed copies the plans removed are gone; Mac WeChat deleted by restricted software; what stays is
        # only what the plans called not enforceable.
        planned = {
            (e["host"], f["software"]["name"])
            for e in fleet["devices"]
            for s in e["plan"]["steps"]
            if s["kind"] == "remove"
            for f in e["plan"]["findings"]
            if f["ban"] == s["ban"]
        }
        assert planned and not (planned & left)
        assert not any(name == "WeChat" and host.startswith("MAC-") for host, name in left)
        reasons = {s["reason"] for e in fleet["devices"] for s in e["plan"]["skipped"]}
        assert any(r.startswith("not enforceable") for r in reasons)


def run_playbook(name, sim, report_dir, *extra):
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages",
        ANSIBLE_NOCOLOR="1",
        **sim.client_env(),  # the credential alone turns the MDM on, as an AWX credential injects it
    )
    for key in [k for k in env if k.startswith(("INTUNE_", "AZURE_"))]:
        env.pop(key)
    command = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", "localhost,", "-c", "local"]
    command += [f"{ROOT}/playbooks/{name}.yml", "-e", f"ansible_python_interpreter={sys.executable}"]
    command += ["-e", f"interdict_report_dir={report_dir}", "-e", "interdict_today=2026-11-28", "-vvv", *extra]
    command += ["-e", "interdict_target=mdm"]  # the controller itself is not audited here
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
    output = proc.stdout + proc.stderr
    assert sim.client_secret not in output, "the client secret was printed"
    for token in sim.tokens:
        assert token not in output, "a bearer token was printed"
    return proc


def test_playbooks_run_jamf_once_from_the_credential_alone_with_no_secret_printed(tmp_path):
    with JamfSimulator(devices=200, infected_rate=0.1, seed=5) as sim:
        audit = run_playbook("audit", sim, tmp_path / "audit")
        assert audit.returncode == 0, audit.stdout[-3000:]
        assert (
            audit.stdout.count("TASK [interdict.bans.engine : Find banned apps on the devices Jamf Pro manages]") == 1
        )
        fleet = json.loads((tmp_path / "audit" / "fleet.json").read_text(encoding="utf-8"))
        hosts = {h["host"]: h for h in fleet["hosts"]}
        infected = {t["device"] for t in sim.fleet.truth() if t["ownership"] != "UserEnrollment" or t["managed"]}
        assert infected and infected <= set(hosts)
        assert all(hosts[name]["status"] == "non_compliant" for name in infected)
        enforce = run_playbook("enforce", sim, tmp_path / "enforce")
        assert enforce.returncode == 0, enforce.stdout[-3000:]
        again = run_playbook("enforce", sim, tmp_path / "again")
        assert again.returncode == 0, again.stdout[-3000:]
        recap = again.stdout.rsplit("PLAY RECAP", 1)[1]
        assert "changed=0" in recap, recap


def test_inventory_plugin_lists_every_device_as_an_mdm_target(tmp_path):
    with JamfSimulator(devices=120, seed=9) as sim:
        source = tmp_path / "fleet.jamf.yml"
        source.write_text("plugin: interdict.bans.jamf\n", encoding="utf-8")
        env = dict(
            os.environ,
            ANSIBLE_COLLECTIONS_PATH=f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages",
            ANSIBLE_INVENTORY_ENABLED="interdict.bans.jamf",
            **sim.client_env(),
        )
        command = [os.path.join(ROOT, ".venv", "bin", "ansible-inventory"), "-i", str(source), "--list"]
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert sim.client_secret not in proc.stdout + proc.stderr
        listed = json.loads(proc.stdout)
        hostvars = listed["_meta"]["hostvars"]
        assert len(hostvars) == len(sim.fleet.devices)
        # --list shows unsafe values (device data is never templated) as {"__ansible_unsafe": value}.
        targets = {
            str((v["interdict_target"] or {}).get("__ansible_unsafe", v["interdict_target"])) for v in hostvars.values()
        }
        assert targets == {"mdm"}
        macs = {d.name for d in sim.fleet.computers}
        assert set(listed["jamf_os_macos"]["hosts"]) == macs
