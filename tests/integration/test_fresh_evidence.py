# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Only today's evidence counts: a host that reported last run and not this one is unknown.

Two inventory hosts are this machine over a local connection (a read-only
audit). The first run audits both; the second audits only one of them. The
fleet report of the second run must not show the other host's old status.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = str(Path(sys.executable).with_name("ansible-playbook"))


def run(tmp_path, name, *args):
    inventory = tmp_path / "inventory.yml"
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory.write_text(json.dumps({"all": {"hosts": {"lab-a": host, "lab-b": host}}}))
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=f"{ROOT / '.collections'}:{ROOT / '.venv/lib/python3.11/site-packages'}",
        ANSIBLE_NOCOLOR="1",
    )
    cmd = [PLAYBOOK, f"interdict.bans.{name}", "-i", str(inventory), "-e", f"interdict_report_dir={tmp_path / 'r'}"]
    proc = subprocess.run(
        [*cmd, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    fleet = json.loads((tmp_path / "r" / "fleet.json").read_text())
    return {host["host"]: host for host in fleet["hosts"]}, fleet


@pytest.mark.slow
def test_a_result_from_an_earlier_run_is_unknown_never_its_old_status(tmp_path):
    hosts, _fleet = run(tmp_path, "audit", "-e", "interdict_run_id=run-1")
    assert {h: e["status"] for h, e in hosts.items()} == {"lab-a": "compliant", "lab-b": "compliant"}

    hosts, fleet = run(tmp_path, "audit", "-e", "interdict_run_id=run-2", "--limit", "lab-b")
    assert fleet["run"]["id"] == "run-2"
    assert hosts["lab-b"]["status"] == "compliant" and hosts["lab-b"]["runs"] == ["run-2"]
    stale = hosts["lab-a"]
    assert stale["status"] == "unknown"
    assert "no result from this run" in stale["reason"] and "run run-1" in stale["reason"]
    assert set(stale["per_ban"].values()) == {"unknown"}
    assert fleet["summary"]["by_status"]["compliant"] == 1

    # Re-rendering with an age window: results of the last 24 hours count, none from "0 hours ago".
    hosts, _fleet = run(tmp_path, "report", "-e", "interdict_max_age_hours=24")
    assert hosts["lab-a"]["status"] == "compliant"
    hosts, _fleet = run(tmp_path, "report", "-e", "interdict_max_age_hours=0")
    assert {e["status"] for e in hosts.values()} == {"unknown"}
