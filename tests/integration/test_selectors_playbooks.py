# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Selectors through the playbooks on Ansible hosts: scope, where, host attributes, and report queries.

Audits this machine (read-only, check mode, local connection) under two inventory names, one inside the
scope and one outside it by its ``interdict_attributes``, then asks the report playbook and the report
lookup about the result.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCOPE = "ownership != 'personal'"
WHERE = "contains(groups, 'lab') && attributes.department == 'liaison'"


def run(args, **env):
    environ = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=f"{ROOT}/.collections:{ROOT}/.venv/lib/python3.11/site-packages",
        ANSIBLE_NOCOLOR="1",
        **env,
    )
    proc = subprocess.run(args, env=environ, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
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
    playbook = os.path.join(ROOT, ".venv", "bin", "ansible-playbook")
    extra = {
        "interdict_report_dir": str(report),
        "interdict_bans": ["wechat"],
        "interdict_scope": SCOPE,
        "interdict_exceptions": exceptions,
        "interdict_today": "2026-11-29",
    }
    run([playbook, "-i", str(inventory), "interdict.bans.audit", "-e", json.dumps(extra)])

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
    proc = run([playbook, "-i", str(inventory), "interdict.bans.report", "-e", json.dumps(extra)])
    assert '"host": "outside"' in proc.stdout and "outside the scope" in proc.stdout

    adhoc = os.path.join(ROOT, ".venv", "bin", "ansible")
    lookup = "{{ lookup('interdict.bans.report', \"hosts[?view.attributes.department=='liaison'].host\") }}"
    command = [adhoc, "localhost", "-m", "ansible.builtin.debug", "-a", f"msg={lookup}"]
    proc = run(command, INTERDICT_REPORT_DIR=str(report))
    assert '"inside"' in proc.stdout and '"outside"' not in proc.stdout
