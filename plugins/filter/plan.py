# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side face of the planner and the host result (docs in the sidecar .yml files)."""

from __future__ import annotations

import os

from ansible.errors import AnsibleFilterError

from ansible_collections.interdict.bans.plugins.plugin_utils import _planning, _report


def _plain(value):
    """Template results arrive as Ansible's tagged types; the planning code wants plain data."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def _check_bans(name, bans):
    if not isinstance(bans, list) or not all(isinstance(ban, dict) and "id" in ban for ban in bans):
        raise AnsibleFilterError(f"{name}: bans must be ban definitions from the interdict.bans.catalog lookup")


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
):
    """Ordered remove/residue/block steps for one host (docs/architecture.md, "Plan")."""
    if not isinstance(findings, list):
        raise AnsibleFilterError("removal_plan: the input must be the list of findings from the match filter")
    _check_bans("removal_plan", bans)
    if secrets is not None and not isinstance(secrets, dict):
        raise AnsibleFilterError("removal_plan: secrets must be a mapping of secret name to value")
    bans = _plain(bans)
    try:
        return _planning.removal_plan(
            _plain(findings),
            bans,
            host=str(host),
            mode=str(mode),
            exceptions=_plain(exceptions),
            protected=_plain(protected),
            max_removals=None if max_removals in (None, "") else max_removals,
            blocks=bool(blocks),
            current_blocks=_plain(current_blocks),
            sources=_plain(sources),
            platform=platform or None,
            now=now or None,
            allow_reboot=bool(allow_reboot),
            package_manager=package_manager or None,
            options=_plain(options) or None,
            # Only which secrets have a value enters the plan; an AWX credential injects them as variables.
            secrets_set=_planning.secrets_available(bans, secrets or {}, os.environ),
        )
    except ValueError as exc:
        raise AnsibleFilterError(f"removal_plan: {exc}") from None


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
    if plan is not None and not isinstance(plan, dict):
        raise AnsibleFilterError("host_result: the input must be a plan from removal_plan (or none when facts failed)")
    if bans is not None:
        _check_bans("host_result", bans)
    if isinstance(actions, dict):
        # The registered result of software_apply / win_software_apply.
        actions = actions.get("actions")
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


class FilterModule:
    def filters(self):
        return {"removal_plan": removal_plan, "host_result": host_result}
