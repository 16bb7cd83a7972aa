# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""interdict_fail_on_non_compliant as a CI gate through the audit playbook.

Audits this machine (read-only, check mode, local connection) under three inventory names, two of them outside
the run's scope (out_of_scope never passes). With the option, exactly the hosts whose status does not pass fail,
and the fleet report is still written with every host; without it, nothing fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSING = ("compliant", "remediated", "exempt")


def audit(tmp_path, **extra):
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "all": {
                    "hosts": {
                        "gate-in": dict(local, interdict_attributes={"ownership": "company"}),
                        "gate-out-1": dict(local, interdict_attributes={"ownership": "personal"}),
                        "gate-out-2": dict(local, interdict_attributes={"ownership": "personal"}),
                    }
                }
            }
        )
    )
    report = tmp_path / "report"
    variables = {
        "interdict_report_dir": str(report),
        "interdict_bans": ["wechat"],
        "interdict_scope": "ownership != 'personal'",
        **extra,
    }
    environ = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages",
        ANSIBLE_NOCOLOR="1",
    )
    playbook = os.path.join(ROOT, ".venv", "bin", "ansible-playbook")
    proc = subprocess.run(
        [playbook, "-i", str(inventory), "interdict.bans.audit", "-e", json.dumps(variables)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    failed = {
        host: int(count) for host, count in re.findall(r"^(gate-\S+)\s+:.*\bfailed=(\d+)", proc.stdout, re.MULTILINE)
    }
    statuses = {h["host"]: h["status"] for h in json.loads((report / "fleet.json").read_text())["hosts"]}
    return proc, failed, statuses


def test_the_gate_fails_exactly_the_hosts_that_do_not_pass_and_the_report_counts_them(tmp_path):
    proc, failed, statuses = audit(tmp_path, interdict_fail_on_non_compliant=True)
    assert statuses["gate-out-1"] == statuses["gate-out-2"] == "out_of_scope", statuses
    assert set(statuses) == {"gate-in", "gate-out-1", "gate-out-2"}
    assert failed == {host: int(status not in PASSING) for host, status in statuses.items()}, proc.stdout[-3000:]
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert "gate-out-1 is out_of_scope: outside the scope \"ownership != 'personal'\"" in proc.stdout


def test_without_the_gate_nothing_fails(tmp_path):
    proc, failed, statuses = audit(tmp_path)
    assert proc.returncode == 0 and set(failed.values()) == {0}, proc.stdout[-3000:]
    assert statuses["gate-out-1"] == "out_of_scope"
