# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Audit (or enforce on) one Linux/macOS host in one task (docs: modules/audit_host.py).

The only remote work is the facts module (and, in enforce, the apply module and a second
facts run to verify). Matching, planning and the host result run here, in the controller's
worker, by the same functions the filters call: matching.CompiledCatalog, _planning.removal_plan
(the one planner, which _status.evaluate judges inside _report.host_result). The full
inventory stays here: the result carries findings, evidence and counts, and the software
list only when ``return_software`` asks for it.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail, AnsibleFilterError
from ansible.plugins.action import ActionBase

from ansible_collections.interdict.bans.plugins.action.audit_policy import sealed
from ansible_collections.interdict.bans.plugins.action.software_apply import plan_diff
from ansible_collections.interdict.bans.plugins.filter.match import check_bans, check_records
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.plugin_utils import _planning, _report
from ansible_collections.interdict.bans.plugins.plugin_utils._plain import plain

FACTS_MODULE = "interdict.bans.software_facts"
APPLY_MODULE = "interdict.bans.software_apply"

ARGUMENT_SPEC = {
    "bans": {"type": "list", "elements": "dict", "required": True},
    "bans_seal": {"type": "str", "no_log": False},
    "mode": {"type": "str", "choices": ["audit", "enforce"], "default": "audit"},
    "exceptions": {"type": "list", "elements": "dict", "default": []},
    "protected": {"type": "list", "elements": "raw", "default": []},
    "max_removals": {"type": "raw"},
    "blocks": {"type": "bool", "default": True},
    "allow_reboot": {"type": "bool", "default": False},
    "options": {"type": "dict", "default": {}},
    "secrets": {"type": "dict", "default": {}, "no_log": True},
    "today": {"type": "str", "default": ""},
    "run": {"type": "dict", "default": {}},
    "return_software": {"type": "bool", "default": False},
    "scope": {"type": "str", "default": ""},
    "host_info": {"type": "dict", "default": {}},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def _facts(self, task_vars):
        """(records, current blocks, sources, error) from one run of the facts module on the host."""
        facts = self._execute_module(module_name=FACTS_MODULE, module_args={}, task_vars=task_vars)
        if facts.get("failed") or "ansible_facts" not in facts:
            return None, None, None, str(facts.get("msg") or "software_facts failed")
        found = facts["ansible_facts"]
        records = found.get("interdict_software") or []
        try:
            check_records(records, "software_facts")
        except AnsibleFilterError as exc:  # the host's data is hostile: a malformed inventory is unknown
            return None, None, None, str(exc)
        return records, found.get("interdict_blocks") or {}, found.get("interdict_sources") or {}, None

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        bans = plain(args["bans"])
        # Bans audit_policy validated in this run carry its seal; any others are validated here.
        result["bans_validated"] = "once per play" if sealed(bans, args["bans_seal"]) else "on this host"
        if result["bans_validated"] == "on this host":
            try:
                check_bans(bans, "audit_host")
            except AnsibleFilterError as exc:  # one message naming the ban and field
                raise AnsibleActionFail(str(exc)) from None
        host = task_vars.get("inventory_hostname") or ""
        catalog = CompiledCatalog(bans)
        executed = args["mode"] == "enforce" and not self._task.check_mode
        plan, actions, remaining, verified, changed = None, [], [], False, False
        software = None

        records, current_blocks, sources, facts_error = self._facts(task_vars)
        if facts_error is None:
            software = records
            try:
                plan = _planning.removal_plan(
                    list(catalog.match(records)),
                    bans,
                    host=host,
                    mode=args["mode"],
                    exceptions=plain(args["exceptions"]),
                    protected=plain(args["protected"]),
                    max_removals=None if args["max_removals"] in (None, "") else args["max_removals"],
                    blocks=args["blocks"],
                    current_blocks=current_blocks,
                    sources=sources,
                    platform=sources.get("platform") or "linux",
                    now=args["today"] or None,
                    allow_reboot=args["allow_reboot"],
                    options=plain(args["options"]) or None,
                    secrets_set=_planning.secrets_available(bans, args["secrets"] or {}, os.environ),
                    scope=args["scope"] or None,
                    host_info=plain(args["host_info"]) or None,
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise AnsibleActionFail(f"planning {host}: {exc}") from None
            steps = plan["steps"]
            if self._task.diff and steps:
                result["diff"] = plan_diff(steps)
            if executed and steps:
                applied = self._execute_module(
                    module_name=APPLY_MODULE,
                    module_args={"steps": steps, "fail_on_step_failure": False},
                    task_vars=task_vars,
                )
                if applied.get("failed") and "actions" not in applied:
                    raise AnsibleActionFail(f"software_apply failed: {applied.get('msg', 'no message')}")
                actions = applied.get("actions") or []
                changed = bool(applied.get("changed"))
                result["reboot_pending"] = bool(applied.get("reboot_pending"))
            if changed:
                after, _blocks, after_sources, verify_error = self._facts(task_vars)
                if verify_error is None:
                    remaining = list(catalog.match(after))
                    sources, verified, software = after_sources, True, after
                else:
                    facts_error = f"verification failed: {verify_error}"
        platform = (sources or {}).get("platform") or "linux"
        try:
            host_result = _report.host_result(
                host,
                plan=plan,
                actions=actions,
                remaining=remaining,
                verified=verified,
                mode="enforce" if executed else "audit",
                platform=platform,
                bans=bans,
                sources=sources or None,
                run=plain(args["run"]) or None,
                facts_error=facts_error,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise AnsibleActionFail(f"host result for {host}: {exc}") from None
        result.update(changed=changed, host_result=host_result, check_mode=not executed)
        # Also the message of a host failed_when fails for its status (the engine's engine_fail_on_non_compliant).
        reason = host_result.get("reason")
        result["msg"] = f"{host} is {host_result['status']}" + (f": {reason}" if reason else "")
        if args["return_software"] and software is not None:
            result["software"] = software
        return result
