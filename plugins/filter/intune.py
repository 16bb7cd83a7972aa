# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.interdict.bans.plugins.module_utils.intune import device_results


def intune_device_results(inventory, bans, mode="audit", uninstall=None, block=None):
    """One host result record per device of an intune_app_inventory result."""
    if not isinstance(inventory, dict) or "findings" not in inventory:
        raise AnsibleFilterError("intune_device_results: input must be the registered result of intune_app_inventory")
    return device_results(inventory, bans, mode=mode, uninstall=uninstall, block=block)


class FilterModule:
    def filters(self):
        return {"intune_device_results": intune_device_results}
