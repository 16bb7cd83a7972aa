# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of win_software_apply: software_apply's check mode and diff, plus secret values.

The steps name the secrets their placeholders need (``[{name, env, encoding}]``,
declared by the ban). Their values come from the task's ``secrets`` mapping or,
when a value there is missing or empty, from the declared environment variable
of the controller process (what an AWX credential injects). They leave the
controller only as ``secret_values``: a list of ``{placeholder, value}`` whose
``value`` is a no_log string sub-option, which Ansible.Basic masks in the
invocation and in every message (a dict or list option marked no_log is masked
by its type name only, so its contents would leak).

Whatever the host returns, every form of every secret sent (given, encoded,
command-line escaped) is redacted from the result here, and a result for which
secrets were sent is marked no_log, so callbacks (the console at any verbosity,
AWX job events) show it censored while the registered result keeps the
redacted step outcomes. The steps run as planned: this plugin adds no ordering.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail

from ansible_collections.interdict.bans.plugins.action.software_apply import ActionModule as SoftwareApplyAction
from ansible_collections.interdict.bans.plugins.plugin_utils._windows_steps import redact, secret_texts, secret_values


class ActionModule(SoftwareApplyAction):
    _VALID_ARGS = frozenset(("steps", "fail_on_step_failure", "secrets"))
    MODULE_NAME = "interdict.bans.win_software_apply"

    def _provided(self):
        provided = self._task.args.get("secrets") or {}
        if not isinstance(provided, dict):
            raise AnsibleActionFail("secrets: expected a mapping of secret name to value")
        return provided

    def step_error(self, step, index):
        # Windows steps have their own shape, checked by win_software_apply.ps1 on the target.
        return None

    def module_args(self, steps):
        provided = self._provided()
        try:
            values = secret_values(steps, provided, os.environ)
        except ValueError as exc:
            # The message names the secret, never its value.
            raise AnsibleActionFail(str(exc)) from None
        module_args = {
            "steps": steps,
            "secret_values": [{"placeholder": key, "value": value} for key, value in sorted(values.items())],
        }
        if "fail_on_step_failure" in self._task.args:
            module_args["fail_on_step_failure"] = self._task.args["fail_on_step_failure"]
        return module_args

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        steps = self._task.args.get("steps") or []
        if self._task.check_mode or not steps:
            return result  # nothing was sent: the plan holds placeholders only
        try:
            texts = secret_texts(steps, self._provided(), os.environ)
        except ValueError:
            texts = []  # module_args already failed the task with the reason
        if not texts:
            return result
        result = redact(result, texts)
        result["_ansible_no_log"] = True
        return result
