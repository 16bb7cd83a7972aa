"""The Windows apply action: generic secrets in, encoded no_log values out, the steps untouched.

And nothing secret in what Ansible logs or returns: the action plugin runs with the module arguments of a real
plan, against a host that leaks as badly as it could, and every form of every secret is searched for in the
registered result and in what callbacks receive.
"""

from __future__ import annotations

import copy
import json
from unittest import mock

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.interdict.bans.plugins.action.win_software_apply import ActionModule

SECRET = {"name": "agent_password", "env": "AGENT_PASSWORD_FOR_TEST", "encoding": "utf16le_hex"}
STEPS = [
    {
        "id": "demo:remove:msi:{X}",
        "ban": "demo",
        "kind": "remove",
        "method": "msi",
        "command": ["msiexec.exe", "/x", "{X}", "PASS=<secret:agent_password>", "/qn"],
        "command_line": 'msiexec.exe /x {X} PASS="<secret:agent_password>" /qn',
        "exit_codes": {"0": "ok"},
        "secrets": [SECRET],
    },
    {
        "id": "demo:block:applocker:local",
        "ban": "demo",
        "kind": "block",
        "method": "applocker",
        "exit_codes": {"0": "ok"},
        "secrets": [],
    },
]


def action(args):
    task = mock.MagicMock()
    task.args = args
    return ActionModule(task, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock())


def test_given_secret_is_encoded_and_the_steps_pass_unchanged(monkeypatch):
    monkeypatch.delenv(SECRET["env"], raising=False)
    steps = copy.deepcopy(STEPS)
    args = action({"steps": steps, "secrets": {"agent_password": "ab"}, "fail_on_step_failure": False}).module_args(
        steps
    )
    assert args == {
        "steps": STEPS,  # no ordering or links added here: the planner made them
        "secret_values": [{"placeholder": "<secret:agent_password>", "value": "61006200"}],
        "fail_on_step_failure": False,
    }


def test_empty_value_falls_back_to_the_declared_environment_variable(monkeypatch):
    monkeypatch.setenv(SECRET["env"], "ab")
    steps = copy.deepcopy(STEPS)
    args = action({"steps": steps, "secrets": {"agent_password": ""}}).module_args(steps)
    assert args["secret_values"] == [{"placeholder": "<secret:agent_password>", "value": "61006200"}]
    assert "fail_on_step_failure" not in args


def test_no_value_anywhere_leaves_the_placeholder_for_the_executor_to_report(monkeypatch):
    monkeypatch.delenv(SECRET["env"], raising=False)
    steps = copy.deepcopy(STEPS)
    assert action({"steps": steps}).module_args(steps)["secret_values"] == []


def test_secrets_must_be_a_mapping():
    with pytest.raises(AnsibleActionFail, match="secrets: expected a mapping of secret name to value"):
        action({"steps": STEPS, "secrets": ["x"]}).module_args(STEPS)


def test_a_secret_value_that_is_not_a_string_is_refused_without_echoing_it(monkeypatch):
    monkeypatch.delenv(SECRET["env"], raising=False)
    with pytest.raises(AnsibleActionFail) as error:
        action({"steps": STEPS, "secrets": {"agent_password": {"v": "hunter2"}}}).module_args(STEPS)
    assert "agent_password" in str(error.value) and "hunter2" not in str(error.value)


# ---------------------------------------------------------------- nothing secret in what Ansible logs or returns

KES_PASSWORD = 'K3s "pass" word'
AGENT_PASSWORD = "Agent-Pa55"


def _kaspersky_steps():
    """A real plan's steps: the planner's output for a host with Endpoint Security and the Network Agent."""
    from ansible_collections.interdict.bans.plugins.module_utils import catalog, matching
    from ansible_collections.interdict.bans.plugins.plugin_utils import _planning

    ban = next(ban for ban in catalog.load_bans() if ban["id"] == "kaspersky")
    records = [
        {
            "name": name,
            "platform": "windows",
            "source": "registry_wow64",
            "identifier": code,
            "uninstall_string": f"MsiExec.exe /X{code}",
            "windows_installer": True,
        }
        for name, code in (
            ("Kaspersky Endpoint Security for Windows", "{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}"),
            ("Kaspersky Security Center Network Agent", "{2924BEDA-E0D7-4DAF-A224-50D2E0B12F5B}"),
        )
    ]
    plan = _planning.removal_plan(
        matching.match(records, [ban]),
        [ban],
        host="pc01",
        mode="enforce",
        platform="windows",
        blocks=False,
        secrets_set=["kaspersky_kes_password", "kaspersky_klnagent_password"],
    )
    return plan["steps"]


def _secret_forms():
    agent_hex = AGENT_PASSWORD.encode("utf-16-le").hex().upper()
    return [KES_PASSWORD, KES_PASSWORD.replace('"', '""'), AGENT_PASSWORD, agent_hex]


def _leaky_module(module_name, module_args, task_vars):
    """The worst a host could do: echo its arguments unmasked and quote the substituted command line."""
    substituted = {entry["placeholder"]: entry["value"] for entry in module_args["secret_values"]}
    messages = []
    for step in module_args["steps"]:
        line = step.get("command_line", "")
        for placeholder, value in substituted.items():
            line = line.replace(placeholder, value)
        messages.append({"step": step["id"], "outcome": "failed", "changed": False, "rc": 1603, "msg": line})
    return {
        "failed": True,
        "msg": f"{len(messages)} step(s) failed: {messages[0]['msg']}",
        "actions": messages,
        "failed_steps": [m["step"] for m in messages],
        "reboot_pending": False,
        "invocation": {"module_args": module_args},
    }


def _run(args):
    task = mock.MagicMock()
    task.args = args
    task.check_mode = False
    task.diff = False
    task.async_val = 0
    task.no_log = False
    task.action = "interdict.bans.win_software_apply"
    connection = mock.MagicMock()
    connection._shell.tmpdir = "/tmp/x"
    plugin = ActionModule(task, connection, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock())
    sent = {}

    def execute(module_name, module_args, task_vars):
        sent.update(module_args)
        return _leaky_module(module_name, module_args, task_vars)

    with mock.patch.object(ActionModule, "_execute_module", side_effect=execute):
        result = plugin.run(task_vars={})
    return task, sent, result


def _callback_view(task, result):
    """What a callback (console at -vvvv, AWX job event) receives for this result."""
    from ansible.executor.task_result import _RawTaskResult

    host = mock.MagicMock()
    host.name = "pc01"
    raw = _RawTaskResult(host, task, result, {"name": "Remove and block banned software (Windows)"})
    return raw.as_callback_task_result().result


def test_real_module_args_carry_each_secret_only_as_a_scalar_no_log_sub_option(monkeypatch):
    monkeypatch.delenv("INTERDICT_KASPERSKY_KES_PASSWORD", raising=False)
    monkeypatch.setenv("INTERDICT_KASPERSKY_KLNAGENT_PASSWORD", AGENT_PASSWORD)  # as an AWX credential injects it
    steps = _kaspersky_steps()
    _task, sent, _result = _run({"steps": steps, "secrets": {"kaspersky_kes_password": KES_PASSWORD}})
    assert set(sent) == {"steps", "secret_values"}
    # Every value is a str under the no_log sub-option "value" (see test_windows_module_contract for the spec).
    assert all(
        set(entry) == {"placeholder", "value"} and isinstance(entry["value"], str) for entry in sent["secret_values"]
    )
    assert sorted(entry["placeholder"] for entry in sent["secret_values"]) == [
        "<secret:kaspersky_kes_password>",
        "<secret:kaspersky_klnagent_password>",
    ]
    without_values = json.dumps(
        {"steps": sent["steps"], "placeholders": [e["placeholder"] for e in sent["secret_values"]]}
    )
    assert not [form for form in _secret_forms() if form in without_values]
    assert [form for form in _secret_forms() if form in json.dumps(sent)]  # the values did go, only there


def test_nothing_ansible_logs_or_returns_holds_a_secret_even_from_a_leaky_host(monkeypatch):
    monkeypatch.delenv("INTERDICT_KASPERSKY_KES_PASSWORD", raising=False)
    monkeypatch.setenv("INTERDICT_KASPERSKY_KLNAGENT_PASSWORD", AGENT_PASSWORD)
    task, _sent, result = _run({"steps": _kaspersky_steps(), "secrets": {"kaspersky_kes_password": KES_PASSWORD}})
    returned = json.dumps(result)  # what register keeps, and so the report and the diff
    shown = json.dumps(_callback_view(task, result))  # what callbacks get
    for form in _secret_forms():
        assert form not in returned
        assert form not in shown
    assert "********" in returned  # redacted, not dropped: the step outcomes are still there
    assert [a["outcome"] for a in result["actions"]] == ["failed", "failed"]
    assert result["_ansible_no_log"] is True
    assert "censored" in shown


def test_without_secrets_sent_the_result_is_shown_as_is(monkeypatch):
    monkeypatch.delenv("INTERDICT_KASPERSKY_KES_PASSWORD", raising=False)
    monkeypatch.delenv("INTERDICT_KASPERSKY_KLNAGENT_PASSWORD", raising=False)
    steps = [step for step in _kaspersky_steps() if not step.get("secrets")]
    _task, _sent, result = _run({"steps": steps or copy.deepcopy(STEPS[1:])})
    assert "_ansible_no_log" not in result
