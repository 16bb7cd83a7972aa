# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of win_software_apply: software_apply's check mode and diff, plus Windows secrets.

Passwords arrive as options (or from the environment AWX credentials inject)
and leave the controller only as ``secret_values``, a no_log option of the
module holding the already encoded values for the placeholders the steps use.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail

from ansible_collections.interdict.bans.plugins.action.software_apply import ActionModule as SoftwareApplyAction
from ansible_collections.interdict.bans.plugins.module_utils.windows_steps import secret_values

# Secret option -> environment variable it falls back to.
SECRET_OPTIONS = {
    "kaspersky_kes_password": "INTERDICT_KASPERSKY_KES_PASSWORD",
    "kaspersky_klnagent_password": "INTERDICT_KASPERSKY_KLNAGENT_PASSWORD",
}


class ActionModule(SoftwareApplyAction):
    _VALID_ARGS = frozenset(("steps", "fail_on_step_failure", "secrets", *SECRET_OPTIONS))
    MODULE_NAME = "interdict.bans.win_software_apply"

    def module_args(self, steps):
        args = self._task.args
        provided = {name: args.get(name) or os.environ.get(env) for name, env in SECRET_OPTIONS.items()}
        extra = args.get("secrets") or {}
        if not isinstance(extra, dict):
            raise AnsibleActionFail("secrets: expected a mapping of secret option name to value")
        provided.update(extra)
        removals = {}
        for step in steps:
            if step.get("kind") == "remove":
                removals.setdefault(step.get("ban"), []).append(step["id"])
        prepared = []
        for step in steps:
            if step.get("kind") == "block" and removals.get(step.get("ban")):
                # Block a ban only once its removal went through: a deny rule must not stop its own uninstaller.
                step = dict(step, depends_on=sorted(set(step.get("depends_on", [])) | set(removals[step["ban"]])))
            prepared.append(step)
        module_args = {"steps": prepared, "secret_values": secret_values(prepared, provided)}
        if "fail_on_step_failure" in args:
            module_args["fail_on_step_failure"] = args["fail_on_step_failure"]
        return module_args
