# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.errors import AnsibleError

from ansible_collections.interdict.bans.plugins.module_utils.amapi import AUTH_ARGUMENT_SPEC, AmapiProvider, host_names
from ansible_collections.interdict.bans.plugins.plugin_utils._mdm_inventory import MDMInventory

DOCUMENTATION = r"""
name: amapi
short_description: Android devices of a Google Android Management API enterprise as inventory hosts
version_added: 0.3.0
description:
  - Reads the devices of an Android Management API (AMAPI) enterprise (C(enterprises.devices.list), 100 a page) and
    adds one host per device, grouped by platform (C(amapi_os_android)), policy (C(amapi_policy_default)), ownership
    (C(amapi_ownership_company)) and policy compliance (C(amapi_compliance_noncompliant)), plus any C(constructed)
    groups.
  - The inventory file must end in C(amapi.yml) or C(amapi.yaml). Keep the service account key out of it - the options
    read the C(AMAPI_*) environment variables (or C(GOOGLE_APPLICATION_CREDENTIALS)), which is how an AWX/AAP
    credential injects them.
  - Device data from the API is marked unsafe, so nothing a device reports is evaluated as a template.
  - Devices are not reachable over SSH; every host carries C(interdict_target=mdm), so the collection's roles treat it
    as a device the MDM reaches. Do not give these hosts C(ansible_connection=local).
  - A listing that fails part-way fails the inventory, naming the endpoint; it never yields a partial fleet.
author:
  - interdict.bans contributors (@interdict)
extends_documentation_fragment:
  - interdict.bans.amapi.inventory
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin.
    type: str
    required: true
    choices: [interdict.bans.amapi]
  hostname:
    description:
      - The device property used as the host name (the serial number, else the device id). Two devices with the same
        name get their device id appended.
      - The engine names devices in reports and matches exceptions the same way (its C(engine_amapi.hostname)), so set
        both alike.
    type: str
    choices: [serial_number, id]
    default: serial_number
  group_prefix:
    description: Prefix of the built-in groups.
    type: str
    default: amapi_
"""

EXAMPLES = r"""
# amapi.yml - credentials come from AMAPI_ENTERPRISE and AMAPI_SERVICE_ACCOUNT_KEY (or GOOGLE_APPLICATION_CREDENTIALS)
plugin: interdict.bans.amapi
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: /tmp/amapi-inventory
cache_timeout: 3600
groups:
  work_profiles: amapi_management_mode == 'PROFILE_OWNER'
"""

HOST_FIELDS = {
    "amapi_id": "id",
    "amapi_name": "name",
    "amapi_serial_number": "serial_number",
    "amapi_ownership": "ownership",
    "amapi_compliance": "compliance",
    "amapi_last_status_report": "last_sync",
    "amapi_policy": "policy",
    "amapi_management_mode": "management_mode",
    "amapi_state": "state",
}


class InventoryModule(MDMInventory):
    NAME = "interdict.bans.amapi"
    FILE_NAMES = ("amapi.yml", "amapi.yaml")
    HOST_NAMES = staticmethod(host_names)

    def _devices(self):
        params = {key: self.get_option(key) for key in AUTH_ARGUMENT_SPEC}
        provider = AmapiProvider.from_params(params)
        try:
            devices, error = provider.list_devices()
        except Exception as error:  # every failure becomes one message, redacted
            raise AnsibleError(f"AMAPI inventory: {provider.client.redact(error)}") from None
        if error:
            raise AnsibleError(f"AMAPI inventory: the device listing failed: {provider.client.redact(error)}")
        return devices

    def _host(self, device, prefix):
        variables = {var: device.get(field) for var, field in HOST_FIELDS.items()}
        variables["amapi_os"] = "android"
        policy = str(device.get("policy") or "none").rsplit("/", 1)[-1]
        groups = (
            f"{prefix}os_android",
            f"{prefix}policy_{policy}",
            f"{prefix}ownership_{device.get('ownership') or 'unknown'}",
            f"{prefix}compliance_{device.get('compliance') or 'unknown'}",
        )
        return variables, groups
