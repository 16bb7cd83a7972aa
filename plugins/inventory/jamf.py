# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleError

from ansible_collections.interdict.bans.plugins.module_utils.jamf import JamfProvider, host_names
from ansible_collections.interdict.bans.plugins.plugin_utils._mdm_inventory import MDMInventory

DOCUMENTATION = r"""
name: jamf
short_description: Macs, iPhones and iPads Jamf Pro manages as inventory hosts
version_added: 0.3.0
description:
  - Reads the Jamf Pro computer and mobile device inventories (paged, cross-checked) through the collection's MDM
    provider and adds one host per device, grouped by platform (C(jamf_os_macos), C(jamf_os_ios)), ownership
    (C(jamf_ownership_company)) and supervision (C(jamf_supervised)), plus any C(constructed) groups.
  - The inventory file must end in C(jamf.yml) or C(jamf.yaml). Keep secrets out of it - the options read the
    C(JAMF_*) environment variables, which is how an AWX/AAP credential injects them.
  - Device data from the API is marked unsafe, so a device name is never evaluated as a template.
  - Every host carries C(interdict_target=mdm), so the collection's roles treat it as a device the MDM reaches and
    never inventory the controller in its place.
  - A listing that fails stops the inventory with an error naming the endpoint; it never gives a partial fleet.
author:
  - interdict.bans contributors (@interdict)
extends_documentation_fragment:
  - interdict.bans.jamf.inventory
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin.
    type: str
    required: true
    choices: [interdict.bans.jamf]
  platforms:
    description: Platforms to include.
    type: list
    elements: str
    choices: [ios, macos]
    default: [ios, macos]
  hostname:
    description: The device property used as the host name; a name two devices share gets the Jamf id appended.
    type: str
    choices: [device_name, id, serial_number]
    default: device_name
  group_prefix:
    description: Prefix of the built-in groups.
    type: str
    default: jamf_
"""

EXAMPLES = r"""
# jamf.yml - credentials come from JAMF_URL, JAMF_CLIENT_ID, JAMF_CLIENT_SECRET
plugin: interdict.bans.jamf
platforms: [ios, macos]
groups:
  unsupervised_iphones: not jamf_supervised and jamf_os == 'ios'
"""

OPTIONS = tuple(JamfProvider.argument_spec)


class InventoryModule(MDMInventory):
    NAME = "interdict.bans.jamf"
    FILE_NAMES = ("jamf.yml", "jamf.yaml")
    # The same names the engine's reports and exceptions use (jamf_app_inventory's hostname).
    HOST_NAMES = staticmethod(host_names)

    def _devices(self):
        provider = JamfProvider.from_params({key: self.get_option(key) for key in OPTIONS})
        devices, error = provider.list_devices(self.get_option("platforms"))
        if error:
            raise AnsibleError(f"Jamf Pro inventory: {provider.client.redact(error)}")
        return devices

    def _host(self, device, prefix):
        variables = {f"jamf_{key}": value for key, value in device.items() if key != "listed"}
        variables["jamf_os"] = device["platform"]
        groups = [f"{prefix}os_{device['platform']}", f"{prefix}ownership_{device['ownership']}"]
        if device.get("supervised"):
            groups.append(f"{prefix}supervised")
        return variables, groups
