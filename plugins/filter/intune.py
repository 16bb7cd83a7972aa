# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.interdict.bans.plugins.filter.mdm import mdm_plans, mdm_results

# What passes through to mdm_plans (and run to mdm_results).
PLANNING_OPTIONS = frozenset(
    (
        "exceptions",
        "protected",
        "max_removals",
        "now",
        "blocks",
        "expected_devices",
        "target_group_ids",
        "exclusion_group_ids",
        "block_profiles",
        "platforms",
        "options",
        "run",
    )
)


def intune_device_results(inventory, bans, mode="audit", uninstall=None, block=None, **planning):
    """One host result record per device of an intune_app_inventory result, planned by the one planner.

    The same as ``mdm_plans`` followed by ``mdm_results``; planning options
    (exceptions, protected, max_removals, now, run, ...) pass through.
    """
    if not isinstance(inventory, dict) or "findings" not in inventory:
        raise AnsibleFilterError("intune_device_results: input must be the registered result of intune_app_inventory")
    unknown = sorted(set(planning) - PLANNING_OPTIONS)
    if unknown:
        allowed = ", ".join(sorted(PLANNING_OPTIONS))
        raise AnsibleFilterError(f"intune_device_results: unknown option {str(unknown[0])[:64]!r} (options: {allowed})")
    run = planning.pop("run", None)
    fleet = mdm_plans(inventory, bans, mode=mode, **planning)
    return mdm_results(fleet, bans, uninstall=uninstall, block=block, run=run)


class FilterModule:
    def filters(self):
        return {"intune_device_results": intune_device_results}
