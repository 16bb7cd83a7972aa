# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Android Management API modules, inventory plugin and provider against the simulated enterprise.

No real AMAPI enterprise is reachable from the test machines: every test here runs
against tests/integration/mdm_simulator/amapi.py, which speaks the documented API
on 127.0.0.1. The modules take api_url and the key file's token_uri, so they point
at Google unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ansible_collections.interdict.bans.plugins.module_utils import amapi
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import MDMError

sys.path.insert(0, os.path.dirname(__file__))
from mdm_simulator.amapi import AmapiSimulator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
PLAYBOOK = os.path.join(os.path.dirname(__file__), "mdm_playbooks", "amapi.yml")
BANS = ["wechat", "tiktok", "kaspersky"]
# Every transport fault at once, and AMAPI's short pages.
FAULTS = {
    "rate_429": 0.05,
    "rate_429_no_header": 0.03,
    "rate_5xx": 0.04,
    "rate_reset": 0.03,
    "token_ttl": 0.3,
    "latency_ms": 2,
    "short_pages": True,
}
JWT_HEADER = "eyJhbGciOiAiUlMyNTYi"  # base64url of '{"alg": "RS256"': the start of every signed assertion

print("NOTE: no real Android Management enterprise is reachable here; these tests run against the loopback simulator.")


@pytest.fixture(scope="module")
def catalog():
    return CompiledCatalog(load_bans(BANS))


def provider(sim, **extra):
    # Backoff waits are shortened so fault runs stay quick; the retry logic is the real one.
    api = amapi.AndroidManagement.from_params(
        {**sim.module_args(), "deadline": 120.0, **extra}, sleep=lambda s: time.sleep(min(s, 0.02))
    )
    return amapi.AmapiProvider(api)


def read(sim, catalog, **extra):
    return provider(sim, **extra).inventory(catalog, now=sim.fleet.now)


def infected(result):
    return sorted({(f["device_id"], f["ban"], f["app"]["identifier"]) for f in result["findings"]})


def visible_truth(sim):
    return sorted({(t["device_id"], t["identifier"]) for t in sim.fleet.truth() if t["visible"]})


def test_inventory_finds_exactly_the_reported_infections(catalog):
    with AmapiSimulator(devices=1200, infected_rate=0.08) as sim:
        result = read(sim, catalog)
        assert result["complete"], result["problems"]
        assert sorted({(d, i) for d, _b, i in infected(result)}) == visible_truth(sim)
        assert result["devices_scanned"] == len(sim.fleet.devices)
        # One call per 100 devices, one per policy, one token: never one per device.
        assert sim.stats["requests"] == 12 + 3 + 1
        names = {f["app"]["name"] for f in result["findings"]}
        assert not names & {"TickTick", "QQ", "Tencent Meeting", "WeCom"}
        states = {(d["inventory"], d["sources"][0]["state"]) for d in result["devices"]}
        assert states == {("read", "read"), ("read", "partial"), ("stale", "failed"), ("reports_off", "failed")}
        # Application reports off in a policy: each of its devices is unknown, with the reason.
        legacy = [d for d in result["devices"] if d["policy"].endswith("/legacy")]
        assert legacy and all(d["sources"][0]["state"] == "failed" for d in legacy)
        reasons = [d["sources"][0]["reason"] for d in legacy if d["inventory"] != "stale"]
        assert reasons and all("applicationReportsEnabled" in reason for reason in reasons)
        assert {p["name"].rsplit("/", 1)[-1]: p["application_reports"] for p in result["policies"]} == {
            "default": True,
            "kiosk": True,
            "legacy": False,
        }
        # App objects are per policy: the unit one policy change removes.
        assert all(a["id"] == f"{a['scope']}#{a['identifier']}" for a in result["mdm_apps"])
        assert all(f["software"]["mdm_scope"] == f["policy"] for f in result["findings"])


def test_fault_runs_lose_nothing(catalog):
    # Small pages: many requests, so every kind of fault happens in one run.
    with AmapiSimulator(devices=1200, infected_rate=0.08, page_size=20) as sim:
        clean = read(sim, catalog)
        sim.set_faults(**FAULTS)
        faulty = read(sim, catalog)
        faults = dict(sim.stats["faults"])
        sim.set_faults()
        assert faults, "the faults were on"
        if faulty["complete"]:
            assert infected(faulty) == infected(clean)
            assert faulty["devices_scanned"] == clean["devices_scanned"]
            assert [d["sources"] for d in faulty["devices"]] == [d["sources"] for d in clean["devices"]]
        else:
            assert all(d["sources"][0]["state"] == "failed" for d in faulty["devices"])


def test_looping_page_token_is_incomplete_and_every_device_unknown(catalog):
    with AmapiSimulator(devices=500, faults={"repeat_page_token": True}) as sim:
        result = read(sim, catalog)
        assert not result["complete"]
        assert "points back" in result["listing_error"]
        assert result["devices"] and all(d["sources"][0]["state"] == "failed" for d in result["devices"])


def test_failed_listing_is_an_error_and_nothing_is_clean(catalog):
    with AmapiSimulator(devices=200, faults={"listing_status": 503}) as sim:
        result = read(sim, catalog, max_retries=1)
        assert not result["complete"] and "503" in result["listing_error"]
        assert "/devices" in result["listing_error"]
        assert result["devices"] == [] and result["findings"] == []


def test_unreadable_policy_leaves_reported_devices_read_and_silent_ones_unknown(catalog):
    with AmapiSimulator(devices=400, faults={"policy_status": 503}) as sim:
        result = read(sim, catalog, max_retries=1)
        assert result["complete"]
        assert all(p["error"] and p["application_reports"] is None for p in result["policies"])
        silent = [d for d in result["devices"] if not d["reports"]]
        assert silent and all(d["sources"][0]["state"] == "failed" for d in silent)
        assert all("could not be read" in d["sources"][0]["reason"] for d in silent if d["inventory"] != "stale")


def test_one_change_blocks_and_removes_idempotently(catalog):
    with AmapiSimulator(devices=600, infected_rate=0.1) as sim:
        mdm = provider(sim)
        before = json.loads(json.dumps(sim.fleet.policies))
        block = {"android": BANS}
        # Check mode reads and reports the change, writes nothing.
        planned, failure = mdm.change(catalog, block_bans=block, check_mode=True)
        assert not failure and planned["changed"]
        assert {s["outcome"] for s in planned["policies"]} == {"planned"}
        assert sim.fleet.policies == before
        assert "com.tencent.mm" in planned["_diff"]["after"]["enterprises/LC00sim42/policies/default"]

        first, failure = mdm.change(catalog, block_bans=block)
        assert not failure and first["changed"]
        default = sim.fleet.policies["default"]
        apps = default["applications"]
        # The customer's entries stay, in place; TikTok allowed before the ban is BLOCKED where it was.
        assert apps[:2] == before["default"]["applications"][:2]
        assert apps[2] == {"packageName": "com.zhiliaoapp.musically", "installType": "BLOCKED"}
        assert apps[3] == before["default"]["applications"][3]  # WhatsApp with its managed configuration
        assert {a["packageName"] for a in apps if a["installType"] == "BLOCKED"} >= {"com.tencent.mm", "com.kms.free"}
        assert len({a["packageName"] for a in apps}) == len(apps), "one entry per package"
        # Nothing but the applications changed (updateMask=applications).
        for key in ("statusReportingSettings", "passwordPolicies", "playStoreMode"):
            assert default[key] == before["default"][key]
        state = {s["name"].rsplit("/", 1)[-1]: s for s in first["policies"]}
        assert state["default"]["reblocked"] == {"com.zhiliaoapp.musically": "AVAILABLE"}

        second, failure = mdm.change(catalog, block_bans=block)
        assert not failure and not second["changed"]
        assert {s["outcome"] for s in second["policies"]} == {"ok"}
        assert not second["_diff"]["before"]

        # Devices sync: every banned app in a managed profile goes; personal-profile copies stay.
        sim.fleet.sync()
        left = sim.fleet.truth()
        assert left and not [t for t in left if t["visible"]]
        assert not read(sim, catalog)["findings"]


def test_removal_orders_change_only_their_policy_and_never_an_unbanned_package(catalog):
    with AmapiSimulator(devices=300, infected_rate=0.2) as sim:
        mdm = provider(sim)
        inventory = mdm.inventory(catalog, now=sim.fleet.now)
        kiosk = [a for a in inventory["mdm_apps"] if a["scope"].endswith("/kiosk")]
        assert kiosk
        orders = [{"app_id": a["id"]} for a in kiosk]
        orders += [
            {"app_id": "enterprises/LC00sim42/policies/kiosk#com.whatsapp"},
            {"app_id": "enterprises/other/policies/kiosk#com.tencent.mm"},
            {"app_id": f"{kiosk[0]['id']}", "refused": "an exempt device holds it"},
        ]
        default_before = json.loads(json.dumps(sim.fleet.policies["default"]))
        result, failure = mdm.change(catalog, removals=orders)
        assert not failure
        assert sim.fleet.policies["default"] == default_before
        kiosk_apps = sim.fleet.policies["kiosk"]["applications"]
        blocked = {a["packageName"] for a in kiosk_apps if a["installType"] == "BLOCKED"}
        assert blocked == {a["identifier"] for a in kiosk}
        assert sorted(result["unknown"]) == sorted(o["app_id"] for o in orders[len(kiosk) : len(kiosk) + 2])
        assert {a["outcome"] for a in result["apps"]} == {"pending"}
        assert not result["platforms"]


def test_bad_keys_name_the_problem_never_the_key(catalog):
    with AmapiSimulator(devices=20) as sim:
        info = sim.service_account_info()
        for key, expected in (
            ("{not json", "not JSON"),
            (json.dumps({**info, "type": "authorized_user"}), "not a service account key"),
            (json.dumps({**info, "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n"}), "PEM"),
        ):
            mdm = amapi.AmapiProvider.from_params({**sim.module_args(), "service_account_key": key})
            with pytest.raises(MDMError) as error:
                mdm.inventory(catalog)
            assert expected in str(error.value) and "AAAA" not in str(error.value)
        # A key Google does not know: the token endpoint refuses the signature, and the message says where.
        pem = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            .decode()
        )
        foreign = json.dumps({**info, "private_key": pem})
        mdm = amapi.AmapiProvider.from_params({**sim.module_args(), "service_account_key": foreign, "max_retries": 0})
        result = mdm.inventory(catalog)
        message = result["listing_error"]
        assert not result["complete"] and not result["devices"]
        assert "/token" in message and "invalid_grant" in message
        assert pem.splitlines()[1] not in message and JWT_HEADER not in message


def run_playbook(sim, tmp_path, *args, check=False, extra=None, playbook=PLAYBOOK):
    out = tmp_path / "result.json"
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages",
        ANSIBLE_LOCALHOST_WARNING="false",
        **sim.client_env(),
    )
    command = [f"{VENV_BIN}/ansible-playbook", playbook, "-i", "localhost,", "-c", "local", "-e", f"result_file={out}"]
    command += ["-e", f"ansible_python_interpreter={sys.executable}"]
    command += list(args) + (["--check", "--diff"] if check else [])
    if extra:
        command += ["-e", json.dumps(extra)]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc, json.loads(out.read_text()) if out.exists() else None


def test_secret_never_in_verbose_output(tmp_path):
    # Tokens die after 2 s (several refreshes in a run): shorter than a request's round trip on a loaded machine,
    # a token could die before any request reached the server with it.
    with AmapiSimulator(devices=300, faults={"rate_429": 0.05, "token_ttl": 2.0, "rate_reset": 0.02}) as sim:
        proc, result = run_playbook(sim, tmp_path, "-vvv")
        output = proc.stdout + proc.stderr + json.dumps(result)
        key_lines = [line for line in sim.service_account_info()["private_key"].splitlines() if "-----" not in line]
        assert not [line for line in key_lines if line in output]
        assert not [token for token in sim.tokens if token in output]
        assert JWT_HEADER not in output
        assert sim.stats["by_route"].get("token", 0) >= 1


def test_inventory_plugin_groups_devices(tmp_path):
    with AmapiSimulator(devices=250) as sim:
        source = tmp_path / "lab.amapi.yml"
        source.write_text(
            "plugin: interdict.bans.amapi\n"
            "cache: true\ncache_plugin: ansible.builtin.jsonfile\n"
            f"cache_connection: {tmp_path}/cache\n"
            "groups:\n  work_profiles: amapi_management_mode == 'PROFILE_OWNER'\n"
        )
        env = dict(
            os.environ,
            ANSIBLE_COLLECTIONS_PATH=f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages",
            ANSIBLE_INVENTORY_ENABLED="interdict.bans.amapi",
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
        devices = sim.fleet.devices
        assert len(data["_meta"]["hostvars"]) == len(devices)
        assert set(data["amapi_os_android"]["hosts"]) == {d.serial for d in devices}
        assert set(data["amapi_policy_legacy"]["hosts"]) == {d.serial for d in devices if d.policy == "legacy"}
        assert set(data["work_profiles"]["hosts"]) == {d.serial for d in devices if d.work}
        targets = [v["interdict_target"] for v in data["_meta"]["hostvars"].values()]
        assert {t.get("__ansible_unsafe") if isinstance(t, dict) else t for t in targets} == {"mdm"}
        key_lines = [line for line in sim.service_account_info()["private_key"].splitlines() if "-----" not in line]
        assert not [line for line in key_lines if line in proc.stdout + proc.stderr]


# -- through the one planner -------------------------------------------------------------------------------

# Within a year of the plans' date (now='2026-11-28' in the playbook): a longer exception needs allow_wide.
EXCEPTION = {"approver": "CISO", "reason": "liaison with a partner agency", "expires": "2027-05-31"}


def blocked_in(sim, policy):
    return {a["packageName"] for a in sim.fleet.policies[policy]["applications"] if a["installType"] == "BLOCKED"}


def test_playbook_enforces_idempotently_and_state_changes_at_sync(tmp_path):
    with AmapiSimulator(devices=500, infected_rate=0.1) as sim:
        before = json.dumps(sim.fleet.policies, sort_keys=True)
        proc, checked = run_playbook(sim, tmp_path, check=True)
        assert json.dumps(sim.fleet.policies, sort_keys=True) == before, "check mode writes nothing"
        assert checked["change"]["changed"] and "com.tencent.mm" in proc.stdout  # the diff names the change

        _proc, first = run_playbook(sim, tmp_path)
        assert first["change"]["changed"]
        assert {a["outcome"] for a in first["change"]["apps"]} == {"pending"}
        records = {r["host"]: r for r in first["results"]}
        assert {r["mode"] for r in first["results"]} == {"enforce"}
        # Every device is in the report, labelled with its MDM; unread ones are unknown, never compliant.
        assert len(records) == len(sim.fleet.devices)
        assert {r["mdm"]["provider"] for r in first["results"]} == {"amapi"}
        legacy = [d.serial for d in sim.fleet.devices if d.policy == "legacy"]
        assert legacy and {records[h]["status"] for h in legacy} == {"unknown"}
        for policy in ("default", "kiosk", "legacy"):
            assert blocked_in(sim, policy) >= {"com.tencent.mm", "com.zhiliaoapp.musically", "com.kms.free"}

        _proc, second = run_playbook(sim, tmp_path)
        assert not second["change"]["changed"], "a second enforce run changes nothing"
        assert json.dumps(sim.fleet.policies, sort_keys=True) == json.dumps(sim.fleet.policies, sort_keys=True)

        sim.fleet.sync()
        _proc, third = run_playbook(sim, tmp_path)
        assert not third["android"]["findings"] and not third["change"]["changed"]


def test_exception_protected_list_and_cap_through_the_one_planner(tmp_path):
    with AmapiSimulator(devices=400, infected_rate=0.15) as sim:
        truth = sim.fleet.truth()
        carried = {}
        for t in truth:
            carried.setdefault(t["device_name"], set()).add(t["identifier"])
        holders = sorted(
            (t["device_name"], t["policy"])
            for t in truth
            if carried[t["device_name"]] == {"com.tencent.mm"} and t["visible"] and not t["stale"]
        )
        exempt, policy = holders[0]
        others = {p for _n, p in holders[1:] if p != policy}
        exceptions = [dict(EXCEPTION, hosts=[exempt], bans=["wechat"])]
        _proc, run = run_playbook(sim, tmp_path, extra={"exceptions": exceptions})
        # BLOCKED would remove WeChat from the exempt device: its policy keeps it; other policies still lose it.
        assert "com.tencent.mm" not in blocked_in(sim, policy)
        for other in others:
            assert "com.tencent.mm" in blocked_in(sim, other)
        assert {"com.zhiliaoapp.musically", "com.kms.free"} <= blocked_in(sim, policy)
        records = {r["host"]: r for r in run["results"]}
        assert records[exempt]["status"] == "exempt"
        refused = [o for o in run["mdm"]["uninstall"] if o["refused"]]
        wechat = f"enterprises/LC00sim42/policies/{policy}#com.tencent.mm"
        assert refused and all(o["app_id"] == wechat for o in refused)
        assert exempt in refused[0]["refused"]

    with AmapiSimulator(devices=200, infected_rate=0.15) as sim:
        before = json.dumps(sim.fleet.policies, sort_keys=True)
        # Kaspersky protected, a cap of zero removals: nothing the planner leaves alone is written.
        _proc, run = run_playbook(sim, tmp_path, extra={"protected": ["com.kms.free"], "max_removals": 0})
        assert json.dumps(sim.fleet.policies, sort_keys=True) == before
        assert not run["change"]["changed"]
        skipped = {s["reason"] for r in run["results"] for s in r.get("skipped") or ()}
        assert any("protected" in reason for reason in skipped) and any("max_removals" in r for r in skipped)


def run_role_playbook(name, sim, report_dir, *extra):
    """playbooks/<name>.yml with only the AMAPI credential in the environment, as an AWX credential injects it."""
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages",
        ANSIBLE_NOCOLOR="1",
        **sim.client_env(),
    )
    for key in [k for k in env if k.startswith(("INTUNE_", "AZURE_", "JAMF_"))]:
        env.pop(key)
    command = [f"{VENV_BIN}/ansible-playbook", "-i", "localhost,", "-c", "local", f"{ROOT}/playbooks/{name}.yml"]
    command += ["-e", f"ansible_python_interpreter={sys.executable}", "-e", f"interdict_report_dir={report_dir}"]
    command += ["-e", "interdict_today=2026-11-28", "-e", "interdict_target=mdm", "-vvv", *extra]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
    output = proc.stdout + proc.stderr
    key_lines = [line for line in sim.service_account_info()["private_key"].splitlines() if "-----" not in line]
    assert not [line for line in key_lines if line in output], "the private key was printed"
    assert not [token for token in sim.tokens if token in output], "a bearer token was printed"
    assert JWT_HEADER not in output, "a signed assertion was printed"
    return proc


def test_ban_roles_audit_and_block_amapi_devices_from_the_credential_alone(tmp_path):
    with AmapiSimulator(devices=150, infected_rate=0.15, seed=5) as sim:
        audit = run_role_playbook("audit", sim, tmp_path / "audit")
        assert audit.returncode == 0, audit.stdout[-3000:]
        task = "TASK [interdict.bans.engine : Find banned apps on the enterprise's Android devices]"
        assert audit.stdout.count(task) == 1, "read once per job"
        fleet = json.loads((tmp_path / "audit" / "fleet.json").read_text(encoding="utf-8"))
        hosts = {h["host"]: h for h in fleet["hosts"]}
        # Every device is in the report, labelled with its MDM.
        assert {d.serial for d in sim.fleet.devices} <= set(hosts)
        assert {hosts[d.serial]["mdm"]["provider"] for d in sim.fleet.devices} == {"amapi"}
        assert '<option value="amapi">amapi</option>' in (tmp_path / "audit" / "fleet.html").read_text(encoding="utf-8")
        infected = {t["device_name"] for t in sim.fleet.truth() if t["visible"] and not t["stale"]}
        assert infected and all(hosts[name]["status"] == "non_compliant" for name in infected)
        legacy = {d.serial for d in sim.fleet.devices if d.policy == "legacy"}
        assert all(hosts[name]["status"] == "unknown" for name in legacy)
        assert json.dumps(sim.fleet.policies["default"]).count("BLOCKED") == 0, "an audit writes nothing"

        enforce = run_role_playbook("enforce", sim, tmp_path / "enforce")
        assert enforce.returncode == 0, enforce.stdout[-3000:]
        assert {"com.tencent.mm", "com.zhiliaoapp.musically", "com.kms.free"} <= blocked_in(sim, "default")
        again = run_role_playbook("enforce", sim, tmp_path / "again")
        assert again.returncode == 0, again.stdout[-3000:]
        recap = again.stdout.rsplit("PLAY RECAP", 1)[1]
        assert "changed=0" in recap, recap
