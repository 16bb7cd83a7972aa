# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""evidence_pack runs in the controller process: it packs the controller's report, no module is sent anywhere."""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.interdict.bans.plugins.module_utils.catalog import BanError
from ansible_collections.interdict.bans.plugins.plugin_utils import _evidence, _report

ARGUMENT_SPEC = {
    "report_dir": {"type": "path", "default": ""},
    "dest": {"type": "path"},
    "ban_paths": {"type": "list", "elements": "path", "default": []},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        task_vars = task_vars or {}
        under_awx = any(task_vars.get(name) not in (None, "") for name in ("awx_job_id", "tower_job_id"))
        try:
            # The same directory the report was written to: fleet_report's rule, decided in one place.
            report_dir = _report.resolve_report_dir(args["report_dir"], os.environ, under_awx)
            pack = _evidence.build_pack(
                report_dir, args["dest"], args["ban_paths"], check_mode=bool(self._task.check_mode)
            )
        except (_evidence.EvidenceError, BanError, ValueError) as exc:
            raise AnsibleActionFail(str(exc)) from None
        except OSError as exc:
            raise AnsibleActionFail(f"cannot write the evidence pack: {exc}") from None
        manifest = pack["manifest"]
        result.update(
            changed=True,
            path=pack["path"],
            files=len(manifest["files"]) + 2,
            bans=manifest["bans"],
            missing_bans=manifest["missing_bans"],
            catalog_version=manifest["catalog_version"],
        )
        if manifest["missing_bans"]:
            result["warnings"] = [
                "the ban files given do not hold the definitions this run used for: "
                + ", ".join(manifest["missing_bans"])
                + " (pass the ban_paths the run used)"
            ]
        return result
