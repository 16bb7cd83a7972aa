#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: intune_app_inventory
short_description: Find banned apps on the phones, tablets and computers Microsoft Intune manages
version_added: 0.1.0
description:
  - Lists the tenant's managed devices and finds the apps the given bans match, asking Intune only about what is
    banned. The tenant-wide detected-app list is matched against the catalog, then one filtered C(AppInvRawData)
    export (O(method=export)) or the device list of each matching app (O(method=detected_apps)) says which devices
    carry them. It never makes one call per device.
  - Every reported row is matched against the catalog again on the controller, so an app the catalog does not match
    is never flagged, even by a server that ignores the filter it was sent.
  - Returns each device's evidence in RV(devices) (C(sources), the same shape every facts module reports) - V(read);
    V(partial) on a personal device, where Intune reports only the apps it manages; V(failed) for a device whose last
    check-in is older than O(stale_after_days), for every device when anything could not be read (RV(complete) is
    V(false)), and for a device an app report names but the device listing does not.
  - Returns the Intune app objects the bans match (RV(mdm_apps)), which the planner needs to say whether an
    uninstall assignment can remove a banned app.
  - When the device listing itself fails, the module fails (naming the endpoint), and still returns what the app
    reports said, so the caller can record every device it knows of as unknown. It never returns an empty success.
  - Plan with the P(interdict.bans.mdm_plans#filter) filter; it never decides what is compliant itself.
author:
  - interdict.bans contributors (@interdict)
extends_documentation_fragment:
  - interdict.bans.intune
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: The module only reads.
options:
  bans:
    description:
      - Ban definitions, as returned by the C(interdict.bans.catalog) lookup.
    type: list
    elements: dict
    required: true
  platforms:
    description: Device platforms to look at. Windows and macOS computers are usually audited by the endpoint roles.
    type: list
    elements: str
    choices: [ios, android, windows, macos]
    default: [ios, android]
  method:
    description:
      - V(export) asks for one C(AppInvRawData) export filtered by the banned apps' names (it carries app
        identifiers); if the export fails it falls back to V(detected_apps).
      - V(detected_apps) reads the device list of each detected app the catalog matches, in Graph C($batch) calls.
    type: str
    choices: [export, detected_apps]
    default: export
  stale_after_days:
    description: A device that has not checked in for this many days has an inventory too old to call it clean.
    type: int
    default: 30
  return_devices:
    description: Return the per-device list RV(devices) (one entry per device; large for a big tenant).
    type: bool
    default: true
  hostname:
    description:
      - The device property used as each device's host name in RV(devices), the name exceptions and reports use.
        Two devices with the same name get their Intune ID appended. Use the same value as the
        P(interdict.bans.intune#inventory) inventory plugin's C(hostname).
    type: str
    choices: [device_name, id, serial_number]
    default: device_name
  app_objects:
    description: Read the tenant's app objects (C(mobileApps)) and return those the bans match in RV(mdm_apps).
    type: bool
    default: true
notes:
  - Intune reports apps it did not install only for corporate-owned devices; on a personal device only managed apps
    are visible, so such a device without findings is marked C(inventory=managed_apps_only) in RV(devices).
  - Needs the application permission C(DeviceManagementManagedDevices.Read.All) (devices, detected apps) and, for the
    app objects, C(DeviceManagementApps.Read.All). With O(method=export), creating the export job needs a ReadWrite
    permission - C(DeviceManagementApps.ReadWrite.All) (which also covers the app objects) or
    C(DeviceManagementManagedDevices.ReadWrite.All); Microsoft's reference lists no Read permission for it.
  - The device listing is read whole, with no C($filter) (Intune's C(or) filter may honour only its first clause), and
    filtered here. A listing that fails part-way keeps the devices read so far (each C(unknown)); a next link that
    points back at a page already read, or more than O(max_pages) pages, fails as incomplete. C(@odata.count) is only
    a cross-check, when it promises more items than the first page holds.
  - Every answer that cannot be read (not JSON, not a zip, an export job without C(id) or C(url)) is an error naming
    the endpoint and status, without the query (which may carry a storage signature); the export then falls back to
    the detected apps' device lists. So does an export with fewer rows than C(detectedApps) counts devices.
  - A corporate-owned Android Enterprise device with a work profile (C(deviceEnrollmentType)
    C(androidEnterpriseCorporateWorkProfile)) is C(managed_apps_only), like a personal device - Intune reports only
    the apps in the work profile.
seealso:
  - plugin: interdict.bans.mdm_plans
    plugin_type: filter
  - module: interdict.bans.intune_app_uninstall
  - module: interdict.bans.intune_app_block
"""

EXAMPLES = r"""
- name: Find WeChat and TikTok on managed phones (credentials from INTUNE_* variables)
  interdict.bans.intune_app_inventory:
    bans: "{{ query('interdict.bans.catalog', 'wechat', 'tiktok') }}"
  register: phones

- name: Say which devices carry banned apps
  ansible.builtin.debug:
    msg: "{{ phones.findings | map(attribute='device_name') | unique | list }}"

- name: A national cloud
  interdict.bans.intune_app_inventory:
    bans: "{{ query('interdict.bans.catalog', 'tiktok') }}"
    graph_url: https://graph.microsoft.us
    login_url: https://login.microsoftonline.us
    platforms: [ios, android, macos]
"""

RETURN = r"""
provider:
  description: The MDM the result comes from.
  returned: always
  type: str
  sample: intune
tenant_id:
  description: The tenant that was read.
  returned: always
  type: str
  sample: contoso.onmicrosoft.com
findings:
  description:
    - One entry per banned app found on a device - C(ban), C(software) (the software record, with C(source=mdm),
      C(device_id) and C(device_name)) and C(rule), plus the device's keys for readers.
  returned: always
  type: list
  elements: dict
  sample:
    - ban: wechat
      device_id: 8ac97b01-e3ad-44d4-aab9-eb022f1dc121
      device_name: IPH-000169
      platform: ios
      ownership: company
      supervised: true
      app: {name: WeChat, version: 8.0.54, publisher: WeChat, identifier: com.tencent.xin}
      software: {name: WeChat, version: 8.0.54, publisher: WeChat, platform: ios, source: mdm,
                 identifier: com.tencent.xin, device_id: 8ac97b01-e3ad-44d4-aab9-eb022f1dc121,
                 device_name: IPH-000169}
      rule: {kind: identifier, value: com.tencent.xin, source: "..."}
devices_scanned:
  description: Managed devices of the requested platforms that were listed.
  returned: always
  type: int
  sample: 2415
complete:
  description: Whether every listing and report was read in full. When V(false), every device's source is V(failed).
  returned: always
  type: bool
  sample: true
listing_error:
  description: Why the device listing failed (the module then fails), else empty.
  returned: always
  type: str
  sample: ""
devices:
  description:
    - One entry per listed device and per device a finding names. C(host) is its name in reports and exceptions,
      C(sources) its evidence. C(inventory) is V(read), V(managed_apps_only) (personal device), V(stale) (no
      check-in for O(stale_after_days)) or V(unlisted) (named by an app report, missing from the listing).
  returned: when O(return_devices=true)
  type: list
  elements: dict
  sample:
    - {id: 8ac97b01-e3ad-44d4-aab9-eb022f1dc121, name: IPH-000169, host: IPH-000169, platform: ios,
       ownership: company, supervised: true, compliance: compliant, last_sync: "2026-11-28T10:00:00Z",
       inventory: read, listed: true, serial_number: SIM000000169,
       sources: [{source: intune, state: read, records: 1, reason: ""}]}
mdm_apps:
  description:
    - The Intune app objects the bans match (V(null) when they could not be read), read from Graph v1.0 and beta
      merged by id (managed Google Play apps exist only in beta); C(endpoint) says where each was found.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: 5e0c3c7d-..., name: WeChat, platform: ios, identifier: com.tencent.xin, type: iosStoreApp,
       endpoint: "v1.0, beta", bans: [wechat]}
problems:
  description: What could not be read, naming the endpoint and HTTP status.
  returned: always
  type: list
  elements: str
  sample: []
method:
  description: The method that produced the findings (V(detected_apps) after an export failed).
  returned: always
  type: str
  sample: export
api_calls:
  description: HTTP requests made, retries, throttled answers and other counters of the client.
  returned: always
  type: dict
  sample: {requests: 34, retries: 0, throttled: 0, token_requests: 1}
"""

from ansible_collections.interdict.bans.plugins.module_utils.intune_graph import HOSTNAME_FIELDS
from ansible_collections.interdict.bans.plugins.module_utils.intune_provider import IntuneProvider
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_provider import MDMModule


def main():
    mdm = MDMModule(
        IntuneProvider,
        {
            "bans": {"type": "list", "elements": "dict", "required": True},
            "platforms": {
                "type": "list",
                "elements": "str",
                "choices": ["ios", "android", "windows", "macos"],
                "default": ["ios", "android"],
            },
            "method": {"type": "str", "choices": ["export", "detected_apps"], "default": "export"},
            "stale_after_days": {"type": "int", "default": 30},
            "return_devices": {"type": "bool", "default": True},
            "hostname": {"type": "str", "choices": list(HOSTNAME_FIELDS), "default": "device_name"},
            "app_objects": {"type": "bool", "default": True},
        },
    )
    params = mdm.params
    options = {key: params[key] for key in ("method", "stale_after_days", "hostname", "app_objects")}
    result = mdm.run(mdm.provider.inventory, CompiledCatalog(mdm.bans), params["platforms"], **options)
    if not params["app_objects"]:
        result["mdm_apps"] = None
    if not params["return_devices"]:
        result.pop("devices")
    # Never an empty success: the devices that could not be listed would vanish from every report.
    failure = f"{mdm.label}: the device listing failed: {result['listing_error']}" if result["listing_error"] else ""
    mdm.exit(result, failure)


if __name__ == "__main__":
    main()
