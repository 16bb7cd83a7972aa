# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleError

from ansible_collections.interdict.bans.plugins.module_utils.intune_graph import (
    AUTH_ARGUMENT_SPEC,
    Intune,
    device_platform,
    host_names,
)
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import MDMError
from ansible_collections.interdict.bans.plugins.plugin_utils._mdm_inventory import MDMInventory

DOCUMENTATION = r"""
name: intune
short_description: Microsoft Intune managed devices as inventory hosts
version_added: 0.1.0
description:
  - Reads the managed devices of an Intune tenant through Microsoft Graph and adds one host per device, grouped by
    operating system (C(intune_os_ios)), ownership (C(intune_ownership_company)) and compliance state
    (C(intune_compliance_noncompliant)), plus any C(constructed) groups.
  - The inventory file must end in C(intune.yml) or C(intune.yaml). Keep secrets out of it - the options read the
    C(INTUNE_*) (or C(AZURE_*)) environment variables, which is how an AWX/AAP credential injects them.
  - Device data from the API is marked unsafe, so a device name is never evaluated as a template.
  - Devices are not reachable over SSH or WinRM; the hosts carry their Intune facts for reports and for limiting
    the Intune modules (which run on the controller) to a group.
  - Every host carries C(interdict_target=mdm), so the collection's roles treat it as a device the MDM reaches and
    never inventory the controller in its place. Do not give these hosts C(ansible_connection=local).
author:
  - interdict.bans contributors (@interdict)
extends_documentation_fragment:
  - interdict.bans.intune.inventory
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin.
    type: str
    required: true
    choices: [interdict.bans.intune]
  platforms:
    description: Operating systems to include (all when empty).
    type: list
    elements: str
    choices: [ios, android, windows, macos]
    default: []
  hostname:
    description:
      - The device property used as the host name. Two devices with the same name get their Intune ID appended.
      - The engine names devices in reports and matches exceptions the same way (its C(engine_mdms.intune.hostname)),
        so set both alike.
    type: str
    choices: [device_name, id, serial_number]
    default: device_name
  group_prefix:
    description: Prefix of the built-in groups.
    type: str
    default: intune_
"""

EXAMPLES = r"""
# intune.yml - credentials come from INTUNE_TENANT_ID, INTUNE_CLIENT_ID, INTUNE_CLIENT_SECRET
plugin: interdict.bans.intune
platforms: [ios, android]
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: /tmp/intune-inventory
cache_timeout: 3600
keyed_groups:
  - key: intune_model
    prefix: model
groups:
  supervised_iphones: intune_supervised and intune_os == 'ios'
"""


HOST_FIELDS = {
    "intune_id": "id",
    "intune_device_name": "deviceName",
    "intune_os_version": "osVersion",
    "intune_ownership": "managedDeviceOwnerType",
    "intune_compliance": "complianceState",
    "intune_last_sync": "lastSyncDateTime",
    "intune_supervised": "isSupervised",
    "intune_serial_number": "serialNumber",
    "intune_model": "model",
    "intune_manufacturer": "manufacturer",
    "intune_user": "userPrincipalName",
}


class InventoryModule(MDMInventory):
    NAME = "interdict.bans.intune"
    FILE_NAMES = ("intune.yml", "intune.yaml")
    HOST_NAMES = staticmethod(host_names)

    def _devices(self):
        options = {key: self.get_option(key) for key in AUTH_ARGUMENT_SPEC}
        platforms = self.get_option("platforms") or None
        try:
            return Intune(**options).managed_devices(platforms)
        except MDMError as error:
            raise AnsibleError(f"Intune inventory: {error}") from None

    def _host(self, device, prefix):
        variables = {var: device.get(field) for var, field in HOST_FIELDS.items()}
        variables["intune_os"] = device_platform(device.get("operatingSystem")) or "unknown"
        groups = (
            f"{prefix}os_{variables['intune_os']}",
            f"{prefix}ownership_{device.get('managedDeviceOwnerType') or 'unknown'}",
            f"{prefix}compliance_{device.get('complianceState') or 'unknown'}",
        )
        return variables, groups
