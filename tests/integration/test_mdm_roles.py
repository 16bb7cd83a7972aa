# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A ban role reaches phones and tablets: interdict.bans.wechat with an Intune tenant configured.

Runs against the loopback simulator (no real Intune tenant is reachable here).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys

from mdm_simulator import Simulator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(os.path.dirname(__file__), "mdm_playbooks", "wechat_role.yml")
# Within a year of today: a longer exception needs allow_wide.
EXCEPTION = {
    "approver": "CISO",
    "reason": "liaison with a partner agency",
    "expires": (datetime.date.today() + datetime.timedelta(days=180)).isoformat(),
}


def run_role(sim, report_dir, mode, extra=None, inventory="localhost,", expect_failure=False, playbook=PLAYBOOK):
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages",
        ANSIBLE_NOCOLOR="1",
        **sim.client_env(),  # credentials the way an AWX credential injects them
    )
    command = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", str(inventory), "-c", "local", playbook]
    command += ["-e", f"ansible_python_interpreter={sys.executable}", "-e", f"report_dir={report_dir}"]
    command += ["-e", f"mode={mode}", "-vvv"]
    if extra:
        command += ["-e", json.dumps(extra)]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    if expect_failure is None:
        pass  # the run's end, not this role's MDM part, decides whether it fails
    elif expect_failure:
        assert proc.returncode != 0, "the run passed although Intune could not be read"
    else:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    output = proc.stdout + proc.stderr
    assert sim.client_secret not in output, "the client secret was printed"
    return proc, json.loads((report_dir / "fleet.json").read_text(encoding="utf-8"))


def device_results(report_dir):
    """This run's host result files, by host."""
    folder = report_dir / "hosts"
    return {r["host"]: r for r in (json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json"))}


def managed_holders(sim, app="WeChat"):
    """Company devices Intune fully reads whose copy of ``app`` it installed, by name."""
    return sorted(
        (t["device_name"], t["device_id"], t["platform"])
        for t in sim.fleet.truth()
        if t["app"] == app and t["managed"] and t["ownership"] == "company" and not t["stale"]
    )


def test_wechat_role_audits_and_enforces_on_phones(tmp_path):
    with Simulator(devices=600) as sim:
        apps_before = json.dumps(sim.fleet.mobile_apps, sort_keys=True)
        _proc, fleet = run_role(sim, tmp_path / "audit", "audit")
        assert json.dumps(sim.fleet.mobile_apps, sort_keys=True) == apps_before, "an audit changed the tenant"

        devices = {host["host"]: host for host in fleet["hosts"]}
        flagged = {name for name, host in devices.items() if host["status"] == "non_compliant"}
        visible_wechat = {
            t["device_name"]
            for t in sim.fleet.truth()
            if t["visible"] and t["platform"] in ("ios", "android") and t["app"] in ("WeChat", "微信", "Weixin")
        }
        assert visible_wechat and flagged == visible_wechat
        assert {f["ban"] for name in flagged for f in devices[name]["findings"]} == {"wechat"}
        unread = [h for h in fleet["hosts"] if "personal device" in (h.get("reason") or "")]
        assert unread and all(h["status"] != "compliant" for h in unread), "a partly read device is never compliant"

        # An enforce inside a play with check_mode: true stays in check mode: nothing changes in the tenant.
        _proc, _fleet = run_role(sim, tmp_path / "dry", "enforce", extra={"dry_run": True})
        assert json.dumps(sim.fleet.mobile_apps, sort_keys=True) == apps_before, "check_mode: true was overridden"
        assert {r["mode"] for r in device_results(tmp_path / "dry").values()} == {"audit"}

        proc, _fleet = run_role(sim, tmp_path / "enforce", "enforce")
        assert "changed=" in proc.stdout and "changed=0" not in proc.stdout.split("PLAY RECAP")[-1]
        again, _fleet = run_role(sim, tmp_path / "enforce", "enforce")
        assert "changed=0" in again.stdout.split("PLAY RECAP")[-1], "a second enforce changed something"

        managed = [t for t in sim.fleet.truth() if t["managed"] and t["app"] == "WeChat"]
        sim.fleet.sync()  # devices check in: Intune-managed WeChat copies are uninstalled
        assert managed and not [t for t in sim.fleet.truth() if t["managed"] and t["app"] == "WeChat"]


def test_exception_on_a_phone_is_honoured(tmp_path):
    with Simulator(devices=600, infected_rate=0.1) as sim:
        holders = managed_holders(sim)
        exempt_name, exempt_id, exempt_platform = holders[0]
        others = [h for h in holders[1:] if h[2] == exempt_platform]
        assert others, "the fleet needs a second managed copy on the same platform"
        excepted = sim.fleet.add_group("Devices with an approved WeChat exception", [exempt_id])
        extra = {
            "exceptions": [dict(EXCEPTION, hosts=[exempt_name.lower()], bans=["wechat"])],  # host globs ignore case
            "intune": {"exclusion_group_ids": [excepted]},
        }
        _proc, fleet = run_role(sim, tmp_path / "enforce", "enforce", extra=extra)

        results = device_results(tmp_path / "enforce")
        exempt = results[exempt_name]
        assert exempt["status"] == "exempt" and exempt["per_ban"] == {"wechat": "exempt"}
        assert not [a for a in exempt["actions"] if a["kind"] == "remove"], "an exempt device got a removal"
        assert exempt["exceptions"] and exempt["exceptions"][0]["approver"] == "CISO"
        for name, _id, _platform in others:
            action = next(a for a in results[name]["actions"] if a["method"] == "mdm_uninstall")
            assert action["outcome"] == "pending", action
        # The uninstall reaches every device but the excepted group.
        app = next(
            a
            for a in sim.fleet.mobile_apps.values()
            if a.get("bundleId", a.get("packageId")) in ("com.tencent.xin", "com.tencent.mm")
            and ("bundleId" in a) == (exempt_platform == "ios")
        )
        targets = {
            (x["intent"], x["target"]["@odata.type"].rsplit(".", 1)[-1], x["target"].get("groupId"))
            for x in app["assignments"].values()
        }
        assert ("uninstall", "exclusionGroupAssignmentTarget", excepted) in targets
        assert ("uninstall", "allDevicesAssignmentTarget", None) in targets

        sim.fleet.sync()
        left = {(t["device_name"], t["app"]) for t in sim.fleet.truth()}
        assert (exempt_name, "WeChat") in left, "the exempt device lost its WeChat"
        assert not [name for name, _id, _p in others if (name, "WeChat") in left], "other devices kept theirs"
        assert fleet["hosts"], "the fleet report was written"


def test_device_the_listing_lost_is_unknown(tmp_path):
    with Simulator(devices=300) as sim:
        phone = next(d for d in sim.fleet.devices if d.os == "ios")
        sim.set_faults(unlisted_devices=[phone.id])
        # The inventory knows the phone (as the Intune inventory plugin would have listed it last time).
        inventory = tmp_path / "hosts.yml"
        inventory.write_text(
            "all:\n  hosts:\n    localhost: {ansible_connection: local}\n"
            f"  children:\n    intune_os_ios:\n      hosts:\n        {phone.name}: {{}}\n"
        )
        _proc, _fleet = run_role(sim, tmp_path / "audit", "audit", inventory=inventory)
        record = device_results(tmp_path / "audit")[phone.name]
        assert record["status"] == "unknown" and "not in the intune device listing" in record["reason"].lower()


def test_failed_device_listing_is_kept_for_the_run_and_reported_unknown(tmp_path):
    with Simulator(devices=300, faults={"listing_status": 503}) as sim:
        proc, fleet = run_role(sim, tmp_path / "audit", "audit", expect_failure=None)
        # The failure is kept for the end of the run, after every host's result is written.
        kept = proc.stdout.split("Keep what went wrong with Intune for the end of the run")[1]
        assert "__engine_mdm_failures" in kept and "device listing failed" in kept.split("TASK [")[0]
        tenant = next(h for h in fleet["hosts"] if h["host"] == f"intune:{sim.tenant_id}")
        assert tenant["status"] == "unknown" and "managedDevices" in tenant["reason"]
        # Devices the app reports name are in the report, never compliant.
        named = {t["device_name"] for t in sim.fleet.truth() if t["visible"] and t["app"] == "WeChat"}
        hosts = {h["host"]: h for h in fleet["hosts"]}
        assert named and named <= set(hosts) and all(hosts[n]["status"] != "compliant" for n in named)
