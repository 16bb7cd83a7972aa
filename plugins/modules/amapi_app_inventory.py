#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: amapi_app_inventory
short_description: Find banned apps on the Android devices of a Google Android Management API enterprise
version_added: 0.3.0
description:
  - Lists the enterprise's devices (C(enterprises.devices.list), 100 a page, following C(nextPageToken)) with their
    application reports, and matches every reported installed app against the given bans on the controller. It
    makes one call per 100 devices plus one per policy in use, never one per device.
  - Application reports exist only when the device's policy turns them on
    (C(statusReportingSettings.applicationReportsEnabled)). Each policy in use is read once; a device whose policy
    has them off, or that sent none, is returned with its source V(failed) and the reason, so it is reported
    C(unknown), never compliant.
  - Returns each device's evidence in RV(devices) (C(sources), the same shape every facts module reports) - V(read);
    V(partial) on a work-profile device (C(managementMode=PROFILE_OWNER)), where only the work profile's apps are
    reported; V(failed) for a device whose last status report is older than O(stale_after_days), whose policy has
    application reports off, that sent no reports, and for every device when the listing did not complete.
  - Returns one app object per (policy, banned package) found in RV(mdm_apps), the unit one policy change removes,
    and each policy's reporting setting and BLOCKED packages in RV(policies).
  - When the device listing fails part-way, the module fails (naming the endpoint) and still returns what it read, so
    the caller can record every device it knows of as unknown. It never returns an empty success.
  - Plan with the P(interdict.bans.mdm_plans#filter) filter; this module never decides what is compliant.
author:
  - interdict.bans contributors (@interdict)
extends_documentation_fragment:
  - interdict.bans.amapi
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
  stale_after_days:
    description: A device that has not sent a status report for this many days has an inventory too old to call clean.
    type: int
    default: 30
  return_devices:
    description: Return the per-device list RV(devices) (one entry per device; large for a big enterprise).
    type: bool
    default: true
  hostname:
    description:
      - The device property used as each device's host name in RV(devices) (the name exceptions and reports use); a
        device without a serial number is named by its id. Use the same value as the
        P(interdict.bans.amapi#inventory) inventory plugin's C(hostname).
    type: str
    choices: [serial_number, id]
    default: serial_number
notes:
  - Removed apps (C(applicationReportingSettings.includeRemovedApps)) are reported with C(state=REMOVED) and are not
    findings.
  - Google documents no total count for the device listing, so a listing that ends early without an error cannot be
    detected; a next page token that points back at a page already read, or more than O(max_pages) pages, fails as
    incomplete.
seealso:
  - plugin: interdict.bans.mdm_plans
    plugin_type: filter
  - module: interdict.bans.amapi_app_block
  - plugin: interdict.bans.amapi
    plugin_type: inventory
"""

EXAMPLES = r"""
- name: Find WeChat and TikTok on the enterprise's Android devices (credentials from AMAPI_* variables)
  interdict.bans.amapi_app_inventory:
    bans: "{{ query('interdict.bans.catalog', 'wechat', 'tiktok') }}"
  register: android

- name: Say which devices carry banned apps
  ansible.builtin.debug:
    msg: "{{ android.findings | map(attribute='device_name') | unique | list }}"

- name: A key file instead of the environment
  interdict.bans.amapi_app_inventory:
    bans: "{{ query('interdict.bans.catalog', 'deepseek') }}"
    enterprise: enterprises/LC0abc123
    service_account_file: /etc/interdict/amapi-sa.json
"""

RETURN = r"""
provider:
  description: The MDM the result comes from.
  returned: always
  type: str
  sample: amapi
tenant_id:
  description: The enterprise that was read.
  returned: always
  type: str
  sample: enterprises/LC0abc123
findings:
  description:
    - One entry per banned app found on a device - C(ban), C(software) (the software record, with C(source=mdm),
      C(device_id), C(device_name) and C(mdm_scope), the device's policy) and C(rule), plus the device's keys.
  returned: always
  type: list
  elements: dict
  sample:
    - ban: wechat
      device_id: 3f2a9c0d1e4b5a67
      device_name: R58M1234567
      platform: android
      policy: enterprises/LC0abc123/policies/default
      app: {name: WeChat, version: 8.0.54, publisher: "", identifier: com.tencent.mm}
      software: {name: WeChat, version: 8.0.54, publisher: "", platform: android, source: mdm,
                 identifier: com.tencent.mm, device_id: 3f2a9c0d1e4b5a67, device_name: R58M1234567,
                 mdm_scope: enterprises/LC0abc123/policies/default}
      rule: {kind: identifier, value: com.tencent.mm, source: "..."}
devices_scanned:
  description: Devices listed.
  returned: always
  type: int
  sample: 2415
complete:
  description: Whether the device listing was read in full. When V(false), every device's source is V(failed).
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
    - One entry per listed device. C(host) is its name in reports and exceptions, C(sources) its evidence.
      C(inventory) is V(read), V(stale), V(reports_off) (its policy has application reports off) or V(no_reports).
  returned: when O(return_devices=true)
  type: list
  elements: dict
  sample:
    - {id: 3f2a9c0d1e4b5a67, name: enterprises/LC0abc123/devices/3f2a9c0d1e4b5a67, host: R58M1234567,
       serial_number: R58M1234567, platform: android, ownership: company, supervised: false, compliance: compliant,
       last_sync: "2026-11-28T10:00:00.123Z", policy: enterprises/LC0abc123/policies/default,
       management_mode: DEVICE_OWNER, state: ACTIVE, reports: 42, inventory: read, listed: true,
       sources: [{source: amapi, state: read, records: 1, reason: ""}]}
mdm_apps:
  description:
    - One app object per (policy, banned package) found; C(id) is C({policy}#{package}), C(scope) the policy.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: "enterprises/LC0abc123/policies/default#com.tencent.mm", name: WeChat, platform: android,
       identifier: com.tencent.mm, policy: enterprises/LC0abc123/policies/default,
       scope: enterprises/LC0abc123/policies/default, type: ApplicationPolicy, bans: [wechat]}
policies:
  description:
    - Each policy in use - C(application_reports) (V(null) when the policy could not be read, then C(error) says why),
      the packages it already BLOCKS and how many devices it governs.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: enterprises/LC0abc123/policies/default, application_reports: true, blocked: [], devices: 2100, error: ""}
problems:
  description: What could not be read, naming the endpoint and HTTP status.
  returned: always
  type: list
  elements: str
  sample: []
api_calls:
  description: HTTP requests made, retries, throttled answers and other counters of the client.
  returned: always
  type: dict
  sample: {requests: 26, retries: 0, throttled: 0, token_requests: 1}
check_mode:
  description: Whether the module ran in check mode.
  returned: always
  type: bool
  sample: false
"""

from ansible_collections.interdict.bans.plugins.module_utils.amapi import HOSTNAME_FIELDS, AmapiProvider
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_provider import MDMModule


def main():
    mdm = MDMModule(
        AmapiProvider,
        {
            "bans": {"type": "list", "elements": "dict", "required": True},
            "stale_after_days": {"type": "int", "default": 30},
            "return_devices": {"type": "bool", "default": True},
            "hostname": {"type": "str", "choices": list(HOSTNAME_FIELDS), "default": "serial_number"},
        },
    )
    params = mdm.params
    options = {key: params[key] for key in ("stale_after_days", "hostname")}
    result = mdm.run(mdm.provider.inventory, CompiledCatalog(mdm.bans), **options)
    if not params["return_devices"]:
        result.pop("devices")
    if result["listing_error"]:
        # Never an empty success: the devices that could not be listed would vanish from every report.
        mdm.fail(f"{mdm.label}: the device listing failed: {result['listing_error']}", **result)
    mdm.exit(result)


if __name__ == "__main__":
    main()
