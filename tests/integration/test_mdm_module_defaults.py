# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine takes its MDM connection from the play's module_defaults (group/interdict.bans.intune, .jamf).

No credential is in the environment or in the role's settings; a connection key set in the role's settings wins over
the play's value for that key only. Runs against the loopback simulators.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from mdm_simulator import Simulator
from mdm_simulator.jamf import JamfSimulator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(os.path.dirname(__file__), "mdm_playbooks", "engine_module_defaults.yml")
CREDENTIAL_ENV = re.compile(r"^(INTUNE|AZURE|JAMF|AMAPI)_|^GOOGLE_APPLICATION_CREDENTIALS$")
PHONES = {"platforms": ["ios", "android"]}  # settings that turn Intune on
JAMF_BANS = ("wechat", "tiktok", "kaspersky")  # the Jamf simulator's devices carry all three


def run_play(sim, report_dir, connection, intune=None, mdms=None, bans=("wechat",)):
    # No MDM credential variable: the connection can only come from the play.
    env = {key: value for key, value in os.environ.items() if not CREDENTIAL_ENV.match(key)}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages",
        ANSIBLE_NOCOLOR="1",
    )
    if mdms is None:
        connection, mdms = {"intune": connection}, {"intune": dict(PHONES, **(intune or {}))}
    extra = {"report_dir": str(report_dir), "bans": list(bans), "connection": connection, "mdms": mdms}
    command = [os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", "localhost,", "-c", "local", PLAYBOOK]
    command += ["-e", f"ansible_python_interpreter={sys.executable}", "-e", json.dumps(extra), "-vvv"]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert sim.client_secret not in proc.stdout + proc.stderr, "the client secret was printed"
    return proc


def fleet(report_dir):
    return {h["host"]: h for h in json.loads((report_dir / "fleet.json").read_text(encoding="utf-8"))["hosts"]}


def wechat_phones(sim):
    return {
        t["device_name"]
        for t in sim.fleet.truth()
        if t["visible"] and t["platform"] in ("ios", "android") and t["app"] in ("WeChat", "微信", "Weixin")
    }


def test_play_module_defaults_connect_the_role(tmp_path):
    with Simulator(devices=300) as sim:
        apps_before = json.dumps(sim.fleet.mobile_apps, sort_keys=True)
        proc = run_play(sim, tmp_path / "audit", sim.module_args())
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

        hosts = fleet(tmp_path / "audit")
        flagged = {name for name, host in hosts.items() if host["status"] == "non_compliant"}
        assert wechat_phones(sim) and flagged == wechat_phones(sim)
        assert json.dumps(sim.fleet.mobile_apps, sort_keys=True) == apps_before, "an audit changed the tenant"


def test_role_setting_overrides_the_play_default_for_its_key(tmp_path):
    with Simulator(devices=300) as sim:
        connection = dict(sim.module_args(), tenant_id="wrong-tenant")

        # The play's value is the one used when the role sets none ...
        proc = run_play(sim, tmp_path / "play", connection)
        assert proc.returncode != 0, "the run passed against a tenant that does not exist"
        assert "Tenant 'wrong-tenant' not found" in proc.stdout
        assert not wechat_phones(sim) & {n for n, h in fleet(tmp_path / "play").items() if h["status"] == "compliant"}

        # ... and the role's tenant_id wins for that key, the play still giving the client and the secret.
        proc = run_play(sim, tmp_path / "role", connection, intune={"tenant_id": sim.tenant_id})
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        hosts = fleet(tmp_path / "role")
        assert {name for name, host in hosts.items() if host["status"] == "non_compliant"} == wechat_phones(sim)


def test_jamf_connection_from_the_play_and_the_role(tmp_path):
    with JamfSimulator(devices=200, infected_rate=0.1, seed=5) as sim:
        # The play gives the server and the client, with a stale secret; the role's secret wins.
        connection = {"jamf": dict(sim.module_args(), client_secret="revoked-secret")}
        settings = {"jamf": {"client_secret": sim.client_secret}}
        proc = run_play(sim, tmp_path / "audit", connection, mdms=settings, bans=JAMF_BANS)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        hosts = fleet(tmp_path / "audit")
        infected = {t["device"] for t in sim.fleet.truth() if t["ownership"] != "UserEnrollment" or t["managed"]}
        assert infected and all(hosts[name]["status"] == "non_compliant" for name in infected)

        # Without the role's secret, the play's stale one is used and refused.
        proc = run_play(
            sim, tmp_path / "stale", connection, mdms={"jamf": {"platforms": ["ios", "macos"]}}, bans=JAMF_BANS
        )
        assert proc.returncode != 0, "the run passed with a revoked secret"
        assert not infected & {n for n, h in fleet(tmp_path / "stale").items() if h["status"] == "compliant"}
