# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of win_software_apply: software_apply's check mode and diff, plus secret values.

The steps name the secrets their placeholders need (``[{name, env, encoding}]``,
declared by the ban). Their values come from the task's ``secrets`` mapping or,
when a value there is missing or empty, from the declared environment variable
of the controller process (what an AWX credential injects). They leave the
controller only as ``secret_values``, a no_log option of the module holding the
encoded value of each placeholder. The steps run as planned: this plugin adds
no ordering of its own.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail

from ansible_collections.interdict.bans.plugins.action.software_apply import ActionModule as SoftwareApplyAction
from ansible_collections.interdict.bans.plugins.plugin_utils._windows_steps import secret_values


class ActionModule(SoftwareApplyAction):
    _VALID_ARGS = frozenset(("steps", "fail_on_step_failure", "secrets"))
    MODULE_NAME = "interdict.bans.win_software_apply"

    def module_args(self, steps):
        args = self._task.args
        provided = args.get("secrets") or {}
        if not isinstance(provided, dict):
            raise AnsibleActionFail("secrets: expected a mapping of secret name to value")
        try:
            values = secret_values(steps, provided, os.environ)
        except ValueError as exc:
            # The message names the secret, never its value.
            raise AnsibleActionFail(str(exc)) from None
        module_args = {"steps": steps, "secret_values": values}
        if "fail_on_step_failure" in args:
            module_args["fail_on_step_failure"] = args["fail_on_step_failure"]
        return module_args
