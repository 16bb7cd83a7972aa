# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.interdict.bans.plugins.module_utils import planning, reporting


def _plain(value):
    """Template results arrive as Ansible's tagged types; the planning code wants plain data."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


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
    records=None,
    sources=None,
    platform=None,
    now=None,
    allow_reboot=False,
    package_manager=None,
    builder_options=None,
):
    """Ordered remove/block steps for one host (see docs/architecture.md, "Plan step")."""
    if not isinstance(findings, list):
        raise AnsibleFilterError("removal_plan: the input must be the list of findings from the match filter")
    if not isinstance(bans, list) or not all(isinstance(ban, dict) and "id" in ban for ban in bans):
        raise AnsibleFilterError("removal_plan: bans must be ban definitions from the interdict.bans.catalog lookup")
    if isinstance(sources, dict):
        sources = list(sources.get("read") or ())
    try:
        return planning.removal_plan(
            _plain(findings),
            _plain(bans),
            host=str(host),
            mode=str(mode),
            exceptions=_plain(exceptions),
            protected=_plain(protected),
            max_removals=None if max_removals in (None, "") else int(max_removals),
            blocks=bool(blocks),
            current_blocks=_plain(current_blocks),
            records=_plain(records),
            sources=_plain(sources),
            platform=platform or None,
            now=now or None,
            allow_reboot=bool(allow_reboot),
            package_manager=package_manager or None,
            builder_options=_plain(builder_options) or None,
        )
    except (planning.PlanError, ValueError) as exc:
        raise AnsibleFilterError(f"removal_plan: {exc}") from None


def host_result(
    plan,
    host,
    apply=None,
    verify_findings=None,
    verified=False,
    mode="audit",
    platform="",
    bans=None,
    facts_error=None,
    sources=None,
    timestamp=None,
):
    """The host result record (status, findings, actions, blocks, exceptions)."""
    if plan is not None and not isinstance(plan, dict):
        raise AnsibleFilterError("host_result: the input must be a plan from removal_plan (or none when facts failed)")
    return reporting.host_result(
        str(host),
        plan=_plain(plan) if plan else None,
        apply=_plain(apply) if isinstance(apply, dict) else None,
        verify_findings=_plain(verify_findings),
        verified=bool(verified),
        mode=str(mode),
        platform=str(platform or ""),
        bans=_plain(bans),
        facts_error=str(facts_error) if facts_error else None,
        sources=_plain(sources) if isinstance(sources, dict) else None,
        timestamp=timestamp,
    )


class FilterModule:
    def filters(self):
        return {"removal_plan": removal_plan, "host_result": host_result}
