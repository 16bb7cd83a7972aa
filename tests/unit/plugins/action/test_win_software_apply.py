"""The Windows apply action: generic secrets in, encoded no_log values out, the steps untouched."""

from __future__ import annotations

import copy
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
        "secret_values": {"<secret:agent_password>": "61006200"},
        "fail_on_step_failure": False,
    }


def test_empty_value_falls_back_to_the_declared_environment_variable(monkeypatch):
    monkeypatch.setenv(SECRET["env"], "ab")
    steps = copy.deepcopy(STEPS)
    args = action({"steps": steps, "secrets": {"agent_password": ""}}).module_args(steps)
    assert args["secret_values"] == {"<secret:agent_password>": "61006200"}
    assert "fail_on_step_failure" not in args


def test_no_value_anywhere_leaves_the_placeholder_for_the_executor_to_report(monkeypatch):
    monkeypatch.delenv(SECRET["env"], raising=False)
    steps = copy.deepcopy(STEPS)
    assert action({"steps": steps}).module_args(steps)["secret_values"] == {}


def test_secrets_must_be_a_mapping():
    with pytest.raises(AnsibleActionFail, match="secrets: expected a mapping of secret name to value"):
        action({"steps": STEPS, "secrets": ["x"]}).module_args(STEPS)


def test_a_secret_value_that_is_not_a_string_is_refused_without_echoing_it(monkeypatch):
    monkeypatch.delenv(SECRET["env"], raising=False)
    with pytest.raises(AnsibleActionFail) as error:
        action({"steps": STEPS, "secrets": {"agent_password": {"v": "hunter2"}}}).module_args(STEPS)
    assert "agent_password" in str(error.value) and "hunter2" not in str(error.value)
