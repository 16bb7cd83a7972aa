#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: jamf_app_block
short_description: Block banned apps on Macs (restricted software) and supervised iPhones and iPads (restrictions)
version_added: 0.3.0
description:
  - macOS - one restricted software record per banned process name (the ban's C(platforms.macos.block.process_names)),
    named after the process with the prefix C(interdict.bans), exact process match, process killed, the user
    notified and, with O(delete_executable=true), the application deleted.
  - iOS and iPadOS - one mobile device configuration profile (O(ios_profile)) with a C(com.apple.applicationaccess)
    payload listing the banned bundle ids in C(blockedAppBundleIDs). Apple applies it on supervised devices only;
    the planner reports every other device as not blockable, with the reason.
  - Scope - every computer or mobile device, or the O(target_group_ids) groups, minus the O(exclusion_group_ids)
    groups (which hold the devices with an exception).
  - Reads each object first and writes only what differs, so a second run changes nothing.
author:
  - interdict.bans contributors (@interdict)
extends_documentation_fragment:
  - interdict.bans.jamf
attributes:
  check_mode:
    support: full
    description: Reads, and reports what it would create or update.
  diff_mode:
    support: full
    description: What each object holds before and after.
options:
  bans:
    description: Ban definitions, as returned by the C(interdict.bans.catalog) lookup.
    type: list
    elements: dict
    required: true
  platforms:
    description: Platforms to block on.
    type: list
    elements: str
    choices: [ios, macos]
    default: [ios, macos]
  platform_bans:
    description:
      - The bans to block per platform (the C(block_bans) of P(interdict.bans.mdm_plans#filter)); all when unset.
    type: dict
    default: {}
  delete_executable:
    description: Let restricted software delete the banned application on a Mac, not only stop it.
    type: bool
    default: false
  ios_profile:
    description: Name of the iOS/iPadOS restrictions profile this module owns.
    type: str
    default: interdict.bans blocked apps (iOS)
  target_group_ids:
    description: Computer or mobile device group ids to scope to (every device when empty).
    type: list
    elements: str
    default: []
  exclusion_group_ids:
    description: Group ids excluded from the scope.
    type: list
    elements: str
    default: []
notes:
  - Needs the API role privileges C(Create/Read/Update Restricted Software) and
    C(Create/Read/Update Mobile Device Configuration Profiles).
"""

EXAMPLES = r"""
- name: Block WeChat on Macs (delete it) and on supervised iPhones
  interdict.bans.jamf_app_block:
    bans: "{{ query('interdict.bans.catalog', 'wechat') }}"
    delete_executable: true
"""

RETURN = r"""
platforms:
  description: Per platform, C(outcome) (V(ok), V(planned) or V(failed)) and C(msg).
  returned: always
  type: dict
  sample: {macos: {outcome: ok, msg: WeChat}}
objects:
  description: The objects read or written - C(name), C(action) (V(none), V(create), V(update)) and C(id).
  returned: always
  type: list
  elements: dict
  sample: [{name: "interdict.bans: WeChat", action: create, id: null}]
api_calls:
  description: Counters of the HTTP client.
  returned: always
  type: dict
  sample: {requests: 6}
"""

from ansible_collections.interdict.bans.plugins.module_utils.jamf import JamfProvider
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_provider import MDMModule


def main():
    strings = {"type": "list", "elements": "str", "default": []}
    mdm = MDMModule(
        JamfProvider,
        {
            "bans": {"type": "list", "elements": "dict", "required": True},
            "platforms": {"type": "list", "elements": "str", "choices": ["ios", "macos"], "default": ["ios", "macos"]},
            "platform_bans": {"type": "dict", "default": {}},
            "delete_executable": {"type": "bool", "default": False},
            "ios_profile": {"type": "str", "default": "interdict.bans blocked apps (iOS)"},
            "target_group_ids": strings,
            "exclusion_group_ids": strings,
        },
    )
    params = mdm.params
    result, failure = mdm.run(
        mdm.provider.apply,
        CompiledCatalog(mdm.bans),
        "block",
        params["platform_bans"],
        mdm.check_mode,
        bans=mdm.bans,
        platforms=params["platforms"],
        group_ids=params["target_group_ids"],
        exclusion_group_ids=params["exclusion_group_ids"],
        delete_executable=params["delete_executable"],
        ios_profile=params["ios_profile"],
    )
    mdm.exit(result, failure)


if __name__ == "__main__":
    main()
