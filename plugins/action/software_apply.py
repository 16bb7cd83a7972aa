# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of software_apply: check mode and empty plans never reach the host.

The result says whether the steps ran for real (``check_mode``): a play, block or
command line in check mode keeps the task in check mode, and the host result
then reports an audit, never an enforcement.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.interdict.bans.plugins.module_utils.contract import step_error
from ansible_collections.interdict.bans.plugins.plugin_utils._planning import step_text


def plan_diff(steps):
    """The plan as Ansible diffs: file contents before/after, commands as "prepared" text."""
    diffs = []
    for step in steps:
        if step.get("content") is not None and step.get("path"):
            diffs.append(
                {
                    "before_header": step["path"],
                    "after_header": step["path"],
                    "before": step.get("previous_content") or "",
                    "after": step["content"],
                }
            )
        else:
            diffs.append({"prepared": f"[{step['id']}] {step_text(step)}\n"})
    return diffs


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("steps", "fail_on_step_failure"))
    # Subclassed by win_software_apply: the module to run and how its arguments are prepared.
    MODULE_NAME = "interdict.bans.software_apply"

    def module_args(self, steps):
        return dict(self._task.args)

    def step_error(self, step, index):
        """Why a step cannot be run (None when it can); the module checks the same before it runs anything."""
        return step_error(step, index)

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        if "steps" not in self._task.args:
            raise AnsibleActionFail("steps: required, the steps of a plan from interdict.bans.removal_plan")
        steps = self._task.args["steps"]
        if steps is None:
            steps = []
        try:
            boolean(self._task.args.get("fail_on_step_failure", True), strict=True)
        except TypeError:
            value = str(self._task.args.get("fail_on_step_failure"))[:40]
            raise AnsibleActionFail(f"fail_on_step_failure: expected true or false, got {value!r}") from None
        if not isinstance(steps, list) or not all(isinstance(step, dict) and step.get("id") for step in steps):
            raise AnsibleActionFail("steps: expected a list of plan steps, each a mapping with an 'id'")
        for index, step in enumerate(steps):
            error = self.step_error(step, index)
            if error:
                raise AnsibleActionFail(error)

        result["check_mode"] = bool(self._task.check_mode)
        if not steps:
            result.update(changed=False, actions=[], failed_steps=[], reboot_pending=False, msg="nothing to do")
            return result
        if self._task.check_mode:
            result.update(
                changed=True,
                actions=[{"step": step["id"], "outcome": "planned", "changed": True, "msg": ""} for step in steps],
                failed_steps=[],
                reboot_pending=False,
                msg=f"{len(steps)} step(s) planned, none run (check mode)",
            )
            if self._task.diff:
                result["diff"] = plan_diff(steps)
            return result

        result.update(
            self._execute_module(
                module_name=self.MODULE_NAME,
                module_args=self.module_args(steps),
                task_vars=task_vars,
            )
        )
        return result
