# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A ban role reaches phones and tablets: interdict.bans.wechat with an Intune tenant configured.

Runs against the loopback simulator (no real Intune tenant is reachable here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from mdm_simulator import Simulator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(os.path.dirname(__file__), "mdm_playbooks", "wechat_role.yml")


def run_role(sim, report_dir, mode):
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages",
        ANSIBLE_NOCOLOR="1",
        **sim.client_env(),  # credentials the way an AWX credential injects them
    )
    command = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", "localhost,", "-c", "local", PLAYBOOK]
    command += ["-e", f"ansible_python_interpreter={sys.executable}", "-e", f"report_dir={report_dir}"]
    command += ["-e", f"mode={mode}", "-vvv"]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    output = proc.stdout + proc.stderr
    assert sim.client_secret not in output, "the client secret was printed"
    return proc, json.loads((report_dir / "fleet.json").read_text(encoding="utf-8"))


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
        assert all(h["status"] != "compliant" for h in unread), "a device Intune cannot fully read is never compliant"

        proc, _fleet = run_role(sim, tmp_path / "enforce", "enforce")
        assert "changed=" in proc.stdout and "changed=0" not in proc.stdout.split("PLAY RECAP")[-1]
        again, _fleet = run_role(sim, tmp_path / "enforce", "enforce")
        assert "changed=0" in again.stdout.split("PLAY RECAP")[-1], "a second enforce changed something"

        managed = [t for t in sim.fleet.truth() if t["managed"] and t["app"] == "WeChat"]
        sim.fleet.sync()  # devices check in: Intune-managed WeChat copies are uninstalled
        assert managed and not [t for t in sim.fleet.truth() if t["managed"] and t["app"] == "WeChat"]
