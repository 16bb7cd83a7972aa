# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An AWX/AAP credential supplies the Kaspersky passwords as environment variables, through the playbook.

No Windows host runs here, so the Windows inventory comes from a stand-in for
``win_software_facts`` that returns what that module returns on a host with
Kaspersky Endpoint Security and its Network Agent (the stand-in is a ``.py``
in place of the real ``.ps1`` in a throw-away overlay of the collection).
Everything else is the real
playbook, engine role, planner and apply action, run by ``ansible-playbook
interdict.bans.enforce`` in check mode, so the host result shows the planned
command lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KES_CODE = "{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}"
AGENT_CODE = "{2924BEDA-E0D7-4DAF-A224-50D2E0B12F5B}"
KES_PASSWORD = "Kes-Pa55 word!"
AGENT_PASSWORD = "Agent-S3cret"

STAND_IN = """#!/usr/bin/python
# Test stand-in for win_software_facts on a host with Kaspersky (no Windows host runs here).
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec={
            "load_user_hives": {"type": "bool", "default": True},
            "residue": {"type": "bool", "default": True},
            "registry_keys": {"type": "list", "elements": "str", "default": []},
        },
        supports_check_mode=True,
    )
    records = [
        {"name": "Kaspersky Endpoint Security for Windows", "version": "12.9.0.0", "publisher": "AO Kaspersky Lab",
         "platform": "windows", "source": "registry", "identifier": "%(kes)s", "windows_installer": True,
         "uninstall_string": "MsiExec.exe /X%(kes)s"},
        {"name": "Kaspersky Security Center Network Agent", "version": "15.1.0.0", "publisher": "AO Kaspersky Lab",
         "platform": "windows", "source": "registry", "identifier": "%(agent)s", "windows_installer": True,
         "uninstall_string": "MsiExec.exe /X%(agent)s"},
    ]
    sources = [{"source": name, "state": "read", "records": count, "reason": ""}
               for name, count in (("registry", 2), ("registry_wow64", 0), ("registry_user", 0), ("appx", 0))]
    module.exit_json(changed=False, ansible_facts={
        "interdict_software": records,
        "interdict_blocks": {"applocker": []},
        "interdict_sources": {"platform": "windows", "sources": sources},
    })


main()
""" % {"kes": KES_CODE, "agent": AGENT_CODE}


def overlay(tmp_path):
    """A collections tree whose interdict.bans is this checkout plus the stand-in module."""
    collection = tmp_path / "collections" / "ansible_collections" / "interdict" / "bans"
    modules = collection / "plugins" / "modules"
    modules.mkdir(parents=True)
    for entry in ROOT.iterdir():
        if entry.name not in ("plugins", ".git", ".venv", ".collections", ".cache"):
            (collection / entry.name).symlink_to(entry)
    for entry in (ROOT / "plugins").iterdir():
        if entry.name != "modules":
            (collection / "plugins" / entry.name).symlink_to(entry)
    for entry in (ROOT / "plugins" / "modules").iterdir():
        # The real facts module is PowerShell, which no host here runs: the stand-in takes its place.
        if not entry.name.startswith("win_software_facts."):
            (modules / entry.name).symlink_to(entry)
    (modules / "win_software_facts.py").write_text(STAND_IN)
    return tmp_path / "collections"


def run_enforce(tmp_path, environment):
    collections = overlay(tmp_path)
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        json.dumps(
            {
                "all": {
                    "hosts": {
                        "win-laptop-01": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
                    }
                }
            }
        )
    )
    report = tmp_path / "report"
    env = dict(os.environ)
    env.pop("INTERDICT_KASPERSKY_KES_PASSWORD", None)
    env.pop("INTERDICT_KASPERSKY_KLNAGENT_PASSWORD", None)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=f"{collections}:{ROOT / '.venv/lib/python3.11/site-packages'}",
        ANSIBLE_NOCOLOR="1",
        **environment,
    )
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible-playbook")),
            "interdict.bans.enforce",
            "-i",
            str(inventory),
            "--check",
            "-v",
            "-e",
            json.dumps(
                {"interdict_bans": ["kaspersky"], "interdict_target": "windows", "interdict_report_dir": str(report)}
            ),
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((report / "hosts" / "win-laptop-01@kaspersky.json").read_text())
    everything = proc.stdout + proc.stderr + "".join(p.read_text() for p in report.rglob("*") if p.is_file())
    return result, everything


def msi_lines(result):
    """Product code -> planned command line, in plan order."""
    return {
        code: action["what"]
        for action in result["actions"]
        if action.get("method") == "msi"
        for code in (KES_CODE, AGENT_CODE)
        if code in action["what"]
    }


@pytest.mark.slow
def test_awx_credential_environment_supplies_the_passwords_as_placeholders(tmp_path):
    result, everything = run_enforce(
        tmp_path,
        {"INTERDICT_KASPERSKY_KES_PASSWORD": KES_PASSWORD, "INTERDICT_KASPERSKY_KLNAGENT_PASSWORD": AGENT_PASSWORD},
    )
    lines = msi_lines(result)
    assert "KLPASSWD=<secret:kaspersky_kes_password>" in lines[KES_CODE]
    assert "KLLOGIN=KLAdmin" in lines[KES_CODE]
    assert "KLUNINSTPASSWD=<secret:kaspersky_klnagent_password>" in lines[AGENT_CODE]
    # Endpoint Security before its Network Agent, and the values themselves nowhere.
    assert list(lines) == [KES_CODE, AGENT_CODE]
    for secret in (KES_PASSWORD, AGENT_PASSWORD, AGENT_PASSWORD.encode("utf-16-le").hex().upper()):
        assert secret not in everything
    assert result["mode"] == "audit" and result["run_id"]


@pytest.mark.slow
def test_without_the_credential_no_password_property_is_planned(tmp_path):
    result, _everything = run_enforce(tmp_path, {})
    lines = msi_lines(result)
    assert "KLPASSWD" not in lines[KES_CODE] and "KLUNINSTPASSWD" not in lines[AGENT_CODE]
