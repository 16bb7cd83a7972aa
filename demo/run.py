# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: the collection's main job on an embedded default, end to end.

1. Audit this machine: read-only (check mode, local connection), bundled bans.
2. Audit a lab container that carries real banned packages (enforce on it
   with INTERDICT_DEMO_ENFORCE=1). Skipped, and said so, where podman cannot
   run containers.
3. Audit a simulated Intune tenant, a simulated Jamf Pro server and a simulated Android Management enterprise
   (loopback servers with the documented API shapes): phones and tablets in the same fleet report as the machines.

Everything lands in one report folder (fleet.json, fleet.csv, fleet.html);
a short readable summary is printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PLAYBOOK = str(VENV_BIN / "ansible-playbook")
LAB = ROOT / "tests" / "lab" / "lab.py"


def banner(text):
    print(f"\n=== {text}", flush=True)


def ansible_env():
    env = dict(os.environ)
    env["ANSIBLE_COLLECTIONS_PATH"] = f"{ROOT / '.collections'}:{ROOT / '.venv/lib/python3.11/site-packages'}"
    env.setdefault("ANSIBLE_NOCOLOR", "1")
    env.setdefault("ANSIBLE_DISPLAY_SKIPPED_HOSTS", "false")
    env.setdefault("ANSIBLE_CALLBACK_RESULT_FORMAT", "yaml")
    env["CONTAINERS_CONF"] = str(ROOT / "tests" / "lab" / "podman.conf")
    return env


# The demo's three playbook runs are one run of the report: only results of this run count in it.
RUN_ID = "demo-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())


def playbook(name, inventory, report_dir, *extra, env=None, check=False):
    cmd = [PLAYBOOK, f"interdict.bans.{name}", "-i", inventory, "-e", f"interdict_report_dir={report_dir}"]
    cmd += ["-e", f"interdict_run_id={RUN_ID}", *extra]
    if check:
        cmd.append("--check")
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, env=env or ansible_env(), cwd=ROOT, check=False).returncode


def audit_this_machine(report_dir):
    banner("1/3 Audit of this machine (check mode, local connection: nothing is changed)")
    return playbook(
        "audit",
        "localhost,",
        report_dir,
        "-c",
        "local",
        "-e",
        f"ansible_python_interpreter={sys.executable}",
        check=True,
    )


def lab(report_dir, enforce):
    banner(f"2/3 Lab container with banned packages ({'ENFORCE' if enforce else 'audit'})")
    if not shutil.which("podman"):
        print("SKIPPED: podman is not installed here, so no lab container can run (see docs/testing.md).")
        return 0
    inventory = ROOT / "lab" / "inventory.yml"
    env = ansible_env()
    up = subprocess.run([sys.executable, str(LAB), "up", "--inventory", str(inventory)], env=env, check=False)
    if up.returncode != 0:
        print("SKIPPED: the lab container could not be started (see the output above).")
        return 0
    # The lab's containers are reached as root: no become needed (nor sudo inside them).
    return playbook("enforce" if enforce else "audit", str(inventory), report_dir, env=env)


def start_simulator(module, devices, env_file):
    """One simulator in its own process; its credentials are written to ``env_file`` only."""
    command = [sys.executable, "-m", module, "--devices", str(devices), "--env-file", env_file]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    print(f"{module.rsplit('.', 1)[-1]}: {server.stdout.readline().strip()}", flush=True)
    return server


def simulated_tenant(report_dir, devices):
    banner(
        f"3/3 Simulated Intune tenant, Jamf Pro server and Android Management enterprise ({devices} devices each; "
        "no real MDM is contacted)"
    )
    env = ansible_env()
    with tempfile.TemporaryDirectory() as tmp:
        servers = []
        try:
            for module, name in (
                ("tests.integration.mdm_simulator", "tenant.env"),
                ("tests.integration.mdm_simulator.jamf", "jamf.env"),
                ("tests.integration.mdm_simulator.amapi", "amapi.env"),
            ):
                env_file = Path(tmp) / name
                servers.append(start_simulator(module, devices, env_file))
                # The credentials reach Ansible the way an AWX credential would: as environment variables,
                # and that alone turns each MDM on (the playbook's play on localhost runs them once).
                for line in env_file.read_text(encoding="utf-8").splitlines():
                    key, _sep, value = line.removeprefix("export ").partition("=")
                    env[key] = value
            return playbook(
                "audit",
                "localhost,",
                report_dir,
                "-c",
                "local",
                "-e",
                f"ansible_python_interpreter={sys.executable}",
                "-e",
                "interdict_target=mdm",
                "-e",
                json.dumps({"interdict_mdms": {"intune": {"platforms": ["ios", "android"]}}}),
                env=env,
            )
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)


def summary(report_dir):
    banner(f"Fleet report: {report_dir}/fleet.html (also fleet.json, fleet.csv)")
    fleet = json.loads((Path(report_dir) / "fleet.json").read_text(encoding="utf-8"))
    counts = fleet["summary"]["by_status"]
    print(f"{fleet['summary']['hosts']} hosts and devices: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    for ban, by_status in fleet["summary"]["by_ban"].items():
        print(f"  {ban:10} " + ", ".join(f"{n} {s}" for s, n in by_status.items() if n))
    # The fleet report labels each device with the MDM it was read through.
    devices = [h for h in fleet["hosts"] if h.get("mdm")]
    endpoints = [h for h in fleet["hosts"] if h not in devices]
    for host in endpoints:
        print(f"- {host['host']} ({host.get('platform') or '?'}): {host['status']}")
        for finding in host.get("findings", []):
            software, rule = finding["software"], finding["rule"]["kind"]
            print(f"    {finding['ban']}: {software.get('name')} [{software.get('identifier')}] via {rule}")
        if host.get("reason") and host["status"] != "compliant":
            print(f"    why: {host['reason']}")
    flagged = [d for d in devices if d["status"] == "non_compliant"]
    print(f"- {len(devices)} MDM devices, {len(flagged)} non_compliant; for example:")
    for mdm in sorted({d["mdm"]["provider"] for d in devices}):
        of_mdm = [d for d in devices if d["mdm"]["provider"] == mdm]
        statuses = sorted({d["status"] for d in of_mdm})
        counts = ", ".join(f"{sum(d['status'] == s for d in of_mdm)} {s}" for s in statuses)
        print(f"  via {mdm}: {len(of_mdm)} devices ({counts})")
        for device in [d for d in flagged if d["mdm"]["provider"] == mdm][:2]:
            apps = ", ".join(sorted({f["software"].get("name", "?") for f in device.get("findings", [])}))
            print(f"    {device['host']} ({device.get('platform')}): {apps}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--report-dir", default=str(ROOT / "report"))
    parser.add_argument("--devices", type=int, default=int(os.environ.get("INTERDICT_DEMO_DEVICES", "1000")))
    args = parser.parse_args()
    enforce = os.environ.get("INTERDICT_DEMO_ENFORCE", "") not in ("", "0", "false", "no")
    report_dir = Path(args.report_dir).resolve()
    shutil.rmtree(report_dir, ignore_errors=True)
    report_dir.mkdir(parents=True)
    try:
        results = [audit_this_machine(report_dir), lab(report_dir, enforce), simulated_tenant(report_dir, args.devices)]
    finally:
        if shutil.which("podman"):
            subprocess.run([sys.executable, str(LAB), "down"], env=ansible_env(), check=False)
    summary(report_dir)
    return 0 if all(rc == 0 for rc in results) else 1


if __name__ == "__main__":
    sys.exit(main())
