# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet_report runs in the controller process: the report is the controller's, no module is sent anywhere."""

from __future__ import annotations

import os
import re

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.interdict.bans.plugins.plugin_utils import _report, _selectors
from ansible_collections.interdict.bans.plugins.plugin_utils._plain import type_name
from ansible_collections.interdict.bans.plugins.plugin_utils._status import ACCEPTABLE, SEVERITY

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

ARGUMENT_SPEC = {
    "report_dir": {"type": "path", "default": ""},
    "host_results": {"type": "list", "elements": "dict", "default": []},
    "expected_hosts": {"type": "list", "elements": "str", "default": []},
    "render": {"type": "bool", "default": True},
    "run_id": {"type": "str"},
    "fresh_since": {"type": "str"},
    "query": {"type": "str"},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        given = self._task.args.get("report_dir")
        # Before the argument spec, which would turn a list into its text and take that as a folder name.
        # Empty means not set (resolve_report_dir then decides); blank or multi-line is a mistake.
        if given is not None and (
            not isinstance(given, str) or (given and not given.strip()) or _CONTROL.search(given)
        ):
            raise AnsibleActionFail(
                "report_dir: expected a folder path on one line, got "
                + (repr(str(given)[:80]) if isinstance(given, str) else type_name(given))
            )
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        task_vars = task_vars or {}
        under_awx = any(task_vars.get(name) not in (None, "") for name in ("awx_job_id", "tower_job_id"))
        try:
            report_dir = _report.resolve_report_dir(args["report_dir"], os.environ, under_awx)
        except ValueError as exc:
            raise AnsibleActionFail(str(exc)) from None
        result["report_dir"] = report_dir
        check_mode = bool(self._task.check_mode)
        if args["query"]:
            try:
                _selectors.compile_query(args["query"])  # a bad query fails before anything is written
            except _selectors.SelectorError as exc:
                raise AnsibleActionFail(str(exc)) from None
        changed, written = False, []
        for index, host_result in enumerate(args["host_results"]):
            if not host_result.get("host") or host_result.get("status") not in SEVERITY:
                raise AnsibleActionFail(f"host_results[{index}]: not a host result (needs 'host' and a known 'status')")
            try:
                path, result_changed = _report.write_host_result(report_dir, host_result, check_mode=check_mode)
            except OSError as exc:
                raise AnsibleActionFail(f"cannot write the host result under {report_dir}: {exc}") from None
            if result_changed:
                changed = True
                written.append(path)
        result["written"] = written
        if args["render"]:
            try:
                fleet, fleet_changed = _report.write_fleet(
                    report_dir,
                    args["expected_hosts"],
                    check_mode=check_mode,
                    run_id=args["run_id"] or None,
                    fresh_since=args["fresh_since"] or None,
                )
            except (OSError, RuntimeError) as exc:
                raise AnsibleActionFail(f"cannot write the fleet report under {report_dir}: {exc}") from None
            changed = changed or fleet_changed
            change = fleet["history"]["changes"]
            files = {kind: os.path.join(report_dir, f"fleet.{kind}") for kind in ("json", "csv", "html")}
            files["run"] = os.path.join(report_dir, _report.RUNS_DIR, f"{_report.run_key(fleet)}.json")
            result.update(
                summary=fleet["summary"],
                files=files,
                changes={
                    "previous_run": change["previous"],
                    "newly_non_compliant": len(change["newly_non_compliant"]),
                    "remediated": len(change["remediated"]),
                    "expired_exceptions": len(change["expired_exceptions"]),
                },
                errors=fleet["errors"],
                not_compliant=[host["host"] for host in fleet["hosts"] if host["status"] not in ACCEPTABLE],
            )
        if args["query"]:
            try:
                fleet = fleet if args["render"] else _report.read_fleet(report_dir)
                result["query_result"] = _report.query_fleet(fleet, args["query"])
            except _selectors.SelectorError as exc:
                raise AnsibleActionFail(str(exc)) from None
        result["changed"] = changed
        return result
