# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side face of the planner and the host result (docs in the sidecar .yml files)."""

from __future__ import annotations

import os
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.interdict.bans.plugins.filter.match import check_bans
from ansible_collections.interdict.bans.plugins.plugin_utils import _planning, _report
from ansible_collections.interdict.bans.plugins.plugin_utils._plain import plain as _plain
from ansible_collections.interdict.bans.plugins.plugin_utils._plain import type_name

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _check_bans(name, bans):
    check_bans(bans, name)


def _flag(name, argument, value):
    """A true/false argument, strictly: a string like "false" is not true."""
    try:
        return boolean(value, strict=True)
    except TypeError:
        raise AnsibleFilterError(f"{name}: {argument}: expected true or false, got {str(value)[:40]!r}") from None


def _text(name, argument, value, optional=True, limit=255):
    """A short single-line string argument (host names, modes, platforms, dates)."""
    if value is None or value == "":
        if optional:
            return value
        raise AnsibleFilterError(f"{name}: {argument}: must not be empty")
    if not isinstance(value, str):
        raise AnsibleFilterError(f"{name}: {argument}: expected a string, got {type_name(value)}")
    if len(value) > limit or _CONTROL.search(value):
        raise AnsibleFilterError(f"{name}: {argument}: longer than {limit} characters or holds a control character")
    return str(value)


def _list_of_mappings(name, argument, value, required=()):
    if value is None:
        return
    if not isinstance(value, list):
        raise AnsibleFilterError(f"{name}: {argument}: expected a list, got {type_name(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise AnsibleFilterError(f"{name}: {argument}[{index}]: expected a mapping, got {type_name(item)}")
        for key, kind in required:
            if not isinstance(item.get(key), kind):
                what = "a mapping" if kind is dict else "a string"
                raise AnsibleFilterError(f"{name}: {argument}[{index}].{key}: expected {what}")


def _check_findings(name, findings, argument="findings"):
    _list_of_mappings(name, argument, findings, (("ban", str), ("software", dict), ("rule", dict)))


def removal_plan(
    findings,
    bans,
    host="",
    mode="audit",
    exceptions=None,
    protected=None,
    max_removals=None,
    blocks=True,
    current_blocks=None,
    sources=None,
    platform=None,
    now=None,
    allow_reboot=False,
    package_manager=None,
    options=None,
    secrets=None,
    scope=None,
    host_info=None,
):
    """Ordered remove/residue/block steps for one host (docs/architecture.md, "Plan")."""
    name = "removal_plan"
    if not isinstance(findings, list):
        raise AnsibleFilterError("removal_plan: the input must be the list of findings from the match filter")
    _check_findings(name, findings)
    _check_bans(name, bans)
    host = _text(name, "host", host)
    mode = _text(name, "mode", mode, optional=False)
    platform = _text(name, "platform", platform)
    package_manager = _text(name, "package_manager", package_manager)
    now = _text(name, "now", now if not hasattr(now, "isoformat") else now.isoformat())
    blocks = _flag(name, "blocks", blocks)
    allow_reboot = _flag(name, "allow_reboot", allow_reboot)
    if secrets is not None and not isinstance(secrets, dict):
        raise AnsibleFilterError("removal_plan: secrets must be a mapping of secret name to value")
    if options is not None and not isinstance(options, dict):
        raise AnsibleFilterError(f"removal_plan: options: expected a mapping, got {type_name(options)}")
    if sources is not None and not isinstance(sources, (dict, list)):
        raise AnsibleFilterError(f"removal_plan: sources: expected the facts' evidence, got {type_name(sources)}")
    if host_info is not None and not isinstance(host_info, dict):
        raise AnsibleFilterError(f"removal_plan: host_info: expected a mapping, got {type_name(host_info)}")
    bans = _plain(bans)
    try:
        return _planning.removal_plan(
            _plain(findings),
            bans,
            host=str(host or ""),
            mode=str(mode),
            exceptions=_plain(exceptions),
            protected=_plain(protected),
            max_removals=None if max_removals in (None, "") else max_removals,
            blocks=blocks,
            current_blocks=_plain(current_blocks),
            sources=_plain(sources),
            platform=platform or None,
            now=now or None,
            allow_reboot=allow_reboot,
            package_manager=package_manager or None,
            options=_plain(options) or None,
            # Only which secrets have a value enters the plan; an AWX credential injects them as variables.
            secrets_set=_planning.secrets_available(bans, secrets or {}, os.environ),
            scope=_plain(scope),
            host_info=_plain(host_info),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise AnsibleFilterError(f"removal_plan: {_why(exc)}") from None


def _why(exc):
    if isinstance(exc, ValueError):
        return str(exc)
    return f"malformed input ({type(exc).__name__}: {str(exc)[:100]})"


def host_result(
    plan,
    host,
    actions=None,
    remaining=None,
    verified=False,
    mode="audit",
    platform="",
    bans=None,
    sources=None,
    run=None,
    facts_error=None,
):
    """The host result record (status, findings, actions, blocks, exceptions, evidence)."""
    name = "host_result"
    if plan is not None and not isinstance(plan, dict):
        raise AnsibleFilterError("host_result: the input must be a plan from removal_plan (or none when facts failed)")
    host = _text(name, "host", host, optional=False)
    for key in ("steps", "blocks", "skipped", "exempt", "exceptions"):
        _list_of_mappings(name, f"plan.{key}", (plan or {}).get(key))
    _check_findings(name, (plan or {}).get("findings"), "plan.findings")
    for index, step in enumerate((plan or {}).get("steps") or ()):
        if not isinstance(step.get("id"), str):
            raise AnsibleFilterError(f"host_result: plan.steps[{index}].id: expected a string")
    if bans is not None:
        _check_bans(name, bans)
    if isinstance(actions, dict):
        # The registered result of software_apply / win_software_apply.
        actions = actions.get("actions")
    _list_of_mappings(name, "actions", actions or None, (("step", str), ("outcome", str)))
    _check_findings(name, remaining or None, "remaining")
    verified = _flag(name, "verified", verified)
    mode = _text(name, "mode", mode, optional=False)
    try:
        return _host_result(plan, host, actions, remaining, verified, mode, platform, bans, sources, run, facts_error)
    except (ValueError, KeyError, TypeError) as exc:
        raise AnsibleFilterError(f"host_result: {_why(exc)}") from None


def _host_result(plan, host, actions, remaining, verified, mode, platform, bans, sources, run, facts_error):
    return _report.host_result(
        str(host),
        plan=_plain(plan) if plan else None,
        actions=_plain(actions) or [],
        remaining=_plain(remaining) or [],
        verified=bool(verified),
        mode=str(mode),
        platform=str(platform or ""),
        bans=_plain(bans),
        sources=_plain(sources) or None,
        run=_plain(run) if isinstance(run, dict) else None,
        facts_error=str(facts_error) if facts_error else None,
    )


def role_options(options, settings, variable):
    """A ban role's options with the ones it has variables of its own for (``_planning.role_options``)."""
    variable = _text("role_options", "variable", variable, optional=False)
    if not isinstance(settings, dict):
        raise AnsibleFilterError(f"role_options: settings: expected a mapping, got {type_name(settings)}")
    try:
        return _planning.role_options(_plain(options), _plain(settings), variable)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    def filters(self):
        return {"removal_plan": removal_plan, "host_result": host_result, "role_options": role_options}
