# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a play audits against, loaded and checked once per play on the controller (docs: modules/audit_policy.py).

The engine runs this with ``run_once``: the ban files are read and validated, and the
exceptions and planning options checked, once, before any host is contacted. Its
registered result reaches every host's worker with the task variables (workers are
forked from the controller process), so no host reads the ban files again, and its
``seal`` (a digest keyed by a secret of this controller process) lets audit_host skip
validating the same definitions again on every host.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.interdict.bans.plugins.lookup.catalog import env_paths
from ansible_collections.interdict.bans.plugins.module_utils.catalog import BanError, load_bans
from ansible_collections.interdict.bans.plugins.plugin_utils import _planning
from ansible_collections.interdict.bans.plugins.plugin_utils._plain import plain, type_name
from ansible_collections.interdict.bans.plugins.plugin_utils._status import ACCEPTABLE

# Made when the controller process loads this plugin (the linear and free strategies load it before forking the
# task's workers), so every worker of this ansible-playbook run shares it and nothing else has it.
_KEY = os.urandom(32)


def seal(bans):
    """A keyed digest of ban definitions this process validated; audit_host skips validating them again."""
    text = json.dumps(bans, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(_KEY, text.encode(), hashlib.sha256).hexdigest()


def sealed(bans, digest):
    """True when ``bans`` are exactly what audit_policy validated in this run."""
    return isinstance(digest, str) and hmac.compare_digest(seal(bans), digest)


ARGUMENT_SPEC = {
    "bans": {"type": "list", "elements": "str", "default": []},
    "ban_paths": {"type": "list", "elements": "str", "default": []},
    "exceptions": {"type": "list", "elements": "raw", "default": []},
    "protected": {"type": "list", "elements": "raw", "default": []},
    "max_removals": {"type": "raw"},
    "today": {"type": "str", "default": ""},
    "options": {"type": "dict", "default": {}},
    "scope": {"type": "str", "default": ""},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        # Before the argument spec, which would turn a number into its text and look for a ban of that name.
        for index, ban_id in enumerate(self._task.args.get("bans") or ()):
            if not isinstance(ban_id, str):
                raise AnsibleActionFail(f"bans[{index}]: expected a ban id (string), got {type_name(ban_id)}")
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        basedir = self._loader.get_basedir() if self._loader else os.getcwd()
        paths = []
        for index, path in enumerate([*args["ban_paths"], *env_paths()]):
            if not path or "\x00" in path:
                raise AnsibleActionFail(f"ban_paths[{index}]: expected a file or folder path")
            paths.append(path if os.path.isabs(path) else os.path.join(basedir, path))
        try:
            bans = load_bans(names=args["bans"] or None, paths=paths)
        except BanError as exc:
            raise AnsibleActionFail(str(exc)) from None
        exceptions = plain(args["exceptions"])
        try:
            # The planner's own checks (exceptions and their policy, scope, protected list, cap, builder
            # options), once for the play: the planner repeats them per host with the same messages.
            _planning.check_policy(
                bans,
                exceptions=exceptions,
                scope=args["scope"] or None,
                protected=plain(args["protected"]),
                max_removals=None if args["max_removals"] in (None, "") else args["max_removals"],
                options=plain(args["options"]) or None,
                now=args["today"] or None,
            )
        except ValueError as exc:
            raise AnsibleActionFail(str(exc)) from None
        result.update(
            changed=False,
            bans=bans,
            ban_ids=[ban["id"] for ban in bans],
            seal=seal(bans),
            acceptable=list(ACCEPTABLE),
        )
        # Every ban definition is in the result (the registered variable needs them): callbacks and AWX job
        # events show it censored rather than echo the catalog once per play. A failure above is shown whole.
        result["_ansible_no_log"] = True
        return result
