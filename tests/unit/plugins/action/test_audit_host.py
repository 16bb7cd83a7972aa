"""One task per host: audit_host reads the host once, then matches, plans and judges on the controller.

The host side is a recorded software_facts result (what the module returns for a Debian host with
Kaspersky's Linux agent installed); everything on the controller side is the collection's real code.
"""

from __future__ import annotations

import copy
from unittest import mock

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.interdict.bans.plugins.action import audit_policy
from ansible_collections.interdict.bans.plugins.action.audit_host import ActionModule
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans

BANS = load_bans(["kaspersky", "wechat"])
KESL = {
    "name": "kesl",
    "version": "12.1.0.1297",
    "publisher": "AO Kaspersky Lab <support@kaspersky.com>",
    "platform": "linux",
    "source": "dpkg",
    "identifier": "kesl",
    "arch": "amd64",
}
OTHER = {**KESL, "name": "curl", "identifier": "curl", "publisher": "Debian curl Maintainers", "version": "7.88"}
SOURCES = {"platform": "linux", "sources": [{"source": "dpkg", "state": "read", "count": 2}]}


def facts(records):
    return {
        "changed": False,
        "ansible_facts": {"interdict_software": records, "interdict_blocks": {}, "interdict_sources": SOURCES},
    }


def run(args, check_mode=False, inventories=None, apply_result=None):
    """Run the action; return (result, module names executed)."""
    task = mock.MagicMock()
    task.args = {"bans": copy.deepcopy(BANS), **args}
    task.check_mode = check_mode
    task.diff = True
    task.async_val = 0
    task.no_log = False
    task.action = "interdict.bans.audit_host"
    connection = mock.MagicMock()
    connection._shell.tmpdir = "/tmp/x"
    plugin = ActionModule(task, connection, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock())
    inventories = list(inventories or [facts([KESL, OTHER])])
    called = []

    def execute(module_name, module_args, task_vars):
        called.append(module_name)
        if module_name == "interdict.bans.software_facts":
            return inventories.pop(0)
        return apply_result

    with mock.patch.object(ActionModule, "_execute_module", side_effect=execute):
        result = plugin.run(task_vars={"inventory_hostname": "web01"})
    return result, called


def test_audit_reads_the_host_once_and_reports_the_plan():
    result, called = run({"mode": "audit", "today": "2026-01-01"})
    assert called == ["interdict.bans.software_facts"]
    host = result["host_result"]
    assert host["host"] == "web01" and host["status"] == "non_compliant" and host["mode"] == "audit"
    assert [f["software"]["identifier"] for f in host["findings"]] == ["kesl"]
    assert {a["outcome"] for a in host["actions"]} == {"planned"}
    assert result["diff"] and not result["changed"]
    assert "software" not in result  # the inventory is not echoed unless asked for


def test_the_inventory_is_returned_only_when_asked():
    result, _called = run({"return_software": True})
    assert [r["identifier"] for r in result["software"]] == ["kesl", "curl"]


def test_enforce_applies_then_verifies():
    applied = {"changed": True, "actions": [], "failed_steps": [], "reboot_pending": False}
    result, called = run(
        {"mode": "enforce", "blocks": False},
        inventories=[facts([KESL, OTHER]), facts([OTHER])],
        apply_result=applied,
    )
    assert called == [
        "interdict.bans.software_facts",
        "interdict.bans.software_apply",
        "interdict.bans.software_facts",
    ]
    host = result["host_result"]
    assert result["changed"] and host["mode"] == "enforce" and host["remaining"] == []


def test_enforce_in_check_mode_changes_nothing_and_says_audit():
    result, called = run({"mode": "enforce"}, check_mode=True)
    assert called == ["interdict.bans.software_facts"]
    assert result["host_result"]["mode"] == "audit" and result["check_mode"]


def test_an_unreadable_inventory_is_unknown_not_compliant():
    result, _called = run({}, inventories=[{"failed": True, "msg": "no software source could be read under /"}])
    assert result["host_result"]["status"] == "unknown"
    assert "no software source" in result["host_result"]["reason"]


def test_bans_are_validated_on_the_host_unless_the_policy_sealed_them():
    result, _called = run({})
    assert result["bans_validated"] == "on this host"
    result, _called = run({"bans_seal": audit_policy.seal(BANS)})
    assert result["bans_validated"] == "once per play"
    tampered = copy.deepcopy(BANS)
    tampered[0]["platforms"]["linux"]["names"][0]["pattern"] = ".*"
    assert not audit_policy.sealed(tampered, audit_policy.seal(BANS))


def test_malformed_bans_fail_with_one_message():
    with pytest.raises(AnsibleActionFail, match=r"audit_host: bans\[0\]"):
        run({"bans": [{"id": "x"}]})
