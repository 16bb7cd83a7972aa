# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Selectors through the playbooks on Ansible hosts: scope, where, host attributes, report queries, and the
interdict_fail_on_non_compliant gate (out_of_scope never passes).

Audits this machine (read-only, check mode, local connection) under inventory names inside the scope and
outside it by their ``interdict_attributes``, then asks the report playbook and the report lookup about the
result.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCOPE = "ownership != 'personal'"
WHERE = "contains(groups, 'lab') && attributes.department == 'liaison'"


PLAYBOOK = os.path.join(ROOT, ".venv", "bin", "ansible-playbook")
PASSING = ("compliant", "remediated", "exempt")


def run(args, returncode=0, **env):
    environ = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages",
        ANSIBLE_NOCOLOR="1",
        **env,
    )
    proc = subprocess.run(args, env=environ, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == returncode, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def test_scope_and_where_on_hosts_and_a_query_over_the_report(tmp_path):
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "all": {
                    "hosts": {
                        "inside": dict(local, interdict_attributes={"ownership": "company", "department": "liaison"}),
                        "outside": dict(local, interdict_attributes={"ownership": "personal"}),
                    },
                    "children": {"lab": {"hosts": {"inside": {}, "outside": {}}}},
                }
            }
        )
    )
    report = tmp_path / "report"
    exceptions = [{"where": WHERE, "approver": "CISO", "reason": "liaison lab", "expires": "2026-12-31"}]
    extra = {
        "interdict_report_dir": str(report),
        "interdict_bans": ["wechat"],
        "interdict_scope": SCOPE,
        "interdict_exceptions": exceptions,
        "interdict_today": "2026-11-29",
    }
    run([PLAYBOOK, "-i", str(inventory), "interdict.bans.audit", "-e", json.dumps(extra)])

    fleet = json.loads((report / "fleet.json").read_text(encoding="utf-8"))
    hosts = {host["host"]: host for host in fleet["hosts"]}
    assert fleet["schema_version"] == 1
    assert hosts["outside"]["status"] == "out_of_scope" and SCOPE in hosts["outside"]["reason"]
    assert hosts["outside"]["scope"] == SCOPE and not hosts["outside"]["actions"]
    assert hosts["inside"]["status"] != "out_of_scope"
    view = hosts["inside"]["view"]
    assert view["groups"] == ["lab"] and view["ownership"] == "company"
    assert view["attributes"]["department"] == "liaison"
    assert [e.get("where") for e in hosts["inside"]["exceptions"]] == [WHERE]
    assert fleet["summary"]["compliant"] <= 1

    query = "hosts[?status=='out_of_scope'].{host: host, why: reason}"
    extra = {"interdict_query": query, "interdict_report_dir": str(report)}
    proc = run([PLAYBOOK, "-i", str(inventory), "interdict.bans.report", "-e", json.dumps(extra)])
    assert '"host": "outside"' in proc.stdout and "outside the scope" in proc.stdout

    adhoc = os.path.join(ROOT, ".venv", "bin", "ansible")
    lookup = "{{ lookup('interdict.bans.report', \"hosts[?view.attributes.department=='liaison'].host\") }}"
    command = [adhoc, "localhost", "-m", "ansible.builtin.debug", "-a", f"msg={lookup}"]
    proc = run(command, INTERDICT_REPORT_DIR=str(report))
    assert '"inside"' in proc.stdout and '"outside"' not in proc.stdout


def gate_audit(tmp_path, returncode, **extra):
    """Audit three names for this machine, two of them outside the scope; (output, failed per host, statuses)."""
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
    proc = run(
        [PLAYBOOK, "-i", str(inventory), "interdict.bans.audit", "-e", json.dumps(variables)], returncode=returncode
    )
    failed = {
        host: int(count) for host, count in re.findall(r"^(gate-\S+)\s+:.*\bfailed=(\d+)", proc.stdout, re.MULTILINE)
    }
    statuses = {h["host"]: h["status"] for h in json.loads((report / "fleet.json").read_text())["hosts"]}
    return proc, failed, statuses


def test_the_gate_fails_exactly_the_hosts_that_do_not_pass_and_the_report_counts_them(tmp_path):
    proc, failed, statuses = gate_audit(tmp_path, 2, interdict_fail_on_non_compliant=True)
    assert statuses["gate-out-1"] == statuses["gate-out-2"] == "out_of_scope", statuses
    assert set(statuses) == {"gate-in", "gate-out-1", "gate-out-2"}
    assert failed == {host: int(status not in PASSING) for host, status in statuses.items()}, proc.stdout[-3000:]
    assert "gate-out-1 is out_of_scope: outside the scope \"ownership != 'personal'\"" in proc.stdout


def test_without_the_gate_nothing_fails(tmp_path):
    proc, failed, statuses = gate_audit(tmp_path, 0)
    assert set(failed.values()) == {0}, proc.stdout[-3000:]
    assert statuses["gate-out-1"] == "out_of_scope"
