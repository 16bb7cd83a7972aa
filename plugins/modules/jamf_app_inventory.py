#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: jamf_app_inventory
short_description: Find banned apps on the Macs, iPhones and iPads Jamf Pro manages
version_added: 0.3.0
description:
  - Reads the Jamf Pro API's paged computer inventory (C(/api/v1/computers-inventory)) and mobile device inventory
    (C(/api/v2/mobile-devices/detail)), each with its applications section, and matches every app against the
    bans on the controller. It never makes one call per device.
  - Each listing is cross-checked. Every page but the last must be full, every page must state the same
    C(totalCount), and the distinct records must add up to it. A listing that changed while it was read is read
    again from its first page (three times at most); after that the platform counts as unread and RV(complete) is
    V(false).
  - Returns each device's evidence in RV(devices) (C(sources)). V(read); V(partial) for a User Enrollment device,
    where Jamf sees only the apps it manages; V(failed) for a device whose inventory is older than
    O(stale_after_days), and for every device when anything could not be read.
  - Returns the mobile device app objects (Classic API C(mobiledeviceapplications)) the bans match in RV(mdm_apps);
    Jamf Pro removes only apps it manages, through such an object's scope.
  - When a listing fails, the module fails (naming the endpoint). It never returns an empty success.
  - Plan with the P(interdict.bans.mdm_plans#filter) filter; it never decides what is compliant itself.
author:
  - interdict.bans contributors (@interdict)
extends_documentation_fragment:
  - interdict.bans.jamf
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: The module only reads.
options:
  bans:
    description: Ban definitions, as returned by the C(interdict.bans.catalog) lookup.
    type: list
    elements: dict
    required: true
  platforms:
    description: Device platforms to read - V(macos) (computers) and V(ios) (iPhones and iPads).
    type: list
    elements: str
    choices: [ios, macos]
    default: [ios, macos]
  stale_after_days:
    description: A device whose inventory is older than this many days is too old to call clean.
    type: int
    default: 30
  hostname:
    description: The device property used as each device's host name in RV(devices), reports and exceptions.
    type: str
    choices: [device_name, id, serial_number]
    default: device_name
  app_objects:
    description: Read the mobile device app objects and return those the bans match in RV(mdm_apps).
    type: bool
    default: true
notes:
  - Needs the API role privileges C(Read Computers), C(Read Mobile Devices) and C(Read Mobile Device Apps).
  - Only tested against a simulated Jamf Pro server built from Jamf's documented shapes; see C(docs/mdm.md).
seealso:
  - module: interdict.bans.jamf_app_remove
  - module: interdict.bans.jamf_app_block
  - plugin: interdict.bans.mdm_plans
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Find WeChat and TikTok on Macs, iPhones and iPads (credentials from JAMF_* variables)
  interdict.bans.jamf_app_inventory:
    bans: "{{ query('interdict.bans.catalog', 'wechat', 'tiktok') }}"
  register: jamf
"""

RETURN = r"""
provider:
  description: The MDM the result comes from.
  returned: always
  type: str
  sample: jamf
tenant_id:
  description: The Jamf Pro server that was read.
  returned: always
  type: str
  sample: https://example.jamfcloud.com
findings:
  description:
    - One entry per banned app on a device - C(ban), C(software) (with C(device_id), C(device_name) and
      C(managed)), C(rule), plus the device's keys for readers.
  returned: always
  type: list
  elements: dict
  sample:
    - {ban: wechat, device_id: "mobile:7", device_name: IOS-00007, platform: ios,
       software: {name: WeChat, platform: ios, identifier: com.tencent.xin, managed: false}}
devices:
  description: One entry per listed device with C(host) and C(sources); ids are C(computer:N) or C(mobile:N).
  returned: always
  type: list
  elements: dict
  sample:
    - {id: "mobile:7", host: IOS-00007, platform: ios, supervised: true, inventory: read,
       sources: [{source: jamf, state: read, records: 1, reason: ""}]}
devices_scanned:
  description: Devices listed.
  returned: always
  type: int
  sample: 5000
complete:
  description: Whether every listing was read in full. When V(false), every device's source is V(failed).
  returned: always
  type: bool
  sample: true
listing_error:
  description: Why a listing failed (the module then fails), else empty.
  returned: always
  type: str
  sample: ""
mdm_apps:
  description: The mobile device app objects the bans match (V(null) when they could not be read).
  returned: always
  type: list
  elements: dict
  sample: [{id: "1", name: WeChat, platform: ios, identifier: com.tencent.xin, bans: [wechat]}]
problems:
  description: What could not be read, or was read again, naming the endpoint.
  returned: always
  type: list
  elements: str
  sample: []
api_calls:
  description: HTTP requests made, retries, throttled answers and other counters of the client.
  returned: always
  type: dict
  sample: {requests: 12, retries: 0, throttled: 0, token_requests: 1}
"""

from ansible_collections.interdict.bans.plugins.module_utils.jamf import JamfProvider
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_provider import MDMModule


def main():
    mdm = MDMModule(
        JamfProvider,
        {
            "bans": {"type": "list", "elements": "dict", "required": True},
            "platforms": {"type": "list", "elements": "str", "choices": ["ios", "macos"], "default": ["ios", "macos"]},
            "stale_after_days": {"type": "int", "default": 30},
            "hostname": {"type": "str", "choices": ["device_name", "id", "serial_number"], "default": "device_name"},
            "app_objects": {"type": "bool", "default": True},
        },
    )
    params = mdm.params
    options = {key: params[key] for key in ("stale_after_days", "hostname", "app_objects")}
    result = mdm.run(mdm.provider.inventory, CompiledCatalog(mdm.bans), params["platforms"], **options)
    # Never an empty success: the devices that could not be listed would vanish from every report.
    failure = f"{mdm.label}: a device listing failed: {result['listing_error']}" if result["listing_error"] else ""
    mdm.exit(result, failure)


if __name__ == "__main__":
    main()
