#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: intune_app_uninstall
short_description: Make Intune uninstall the banned apps a plan removes
version_added: 0.1.0
description:
  - Gives each Intune app object (C(mobileApps)) it is asked about an C(uninstall) assignment for the target groups
    (every device when none are given), with the exclusion groups excluded.
  - O(assignments) are the orders of the P(interdict.bans.mdm_plans#filter) filter, which planned every device with
    the collection's one planner. Only the apps they name are touched, each with its own groups and exclusions; an
    order the planner refused (an exempt device holds the app and no exclusion group is configured) changes nothing
    and is returned with its reason. Without O(assignments) every banned app object is handled, with no exceptions.
  - Removes the banned app's C(required) and C(available) assignments, because Required wins over Uninstall on a
    device targeted by both and Available keeps offering the app. Exclusion assignments are never deleted.
  - Apps the catalog does not match are never touched, even when an order names them.
  - App objects are read from Graph v1.0 and beta and merged by id, because managed Google Play apps
    (C(androidManagedStoreApp)) exist only in beta. Each app in RV(apps) says which endpoint it came from, and
    its assignments are written through that endpoint (v1.0 when the app is on both).
  - A ban with no app object on any endpoint for a platform is listed in RV(not_managed) with the reason
    C(not managed by Intune) (it cannot be uninstalled through Intune), with a warning; never skipped silently.
  - Creates are idempotent. The plan is made from a fresh read; a create whose answer is lost (reset, timeout, 5xx
    other than 503) is re-read before it is sent again, and is not sent again when it was committed. A second
    C(uninstall) assignment on the same target, left by an earlier run, is listed in RV(duplicates) and deleted.
  - Exclusion assignments (C(exclusionGroupAssignmentTarget)) are the customer's. They are never deleted or
    changed, whatever their intent, and are listed in RV(exclusions) with the group they exclude.
author:
  - interdict.bans contributors (@interdict)
extends_documentation_fragment:
  - interdict.bans.intune
attributes:
  check_mode:
    support: full
    description: Reports the assignments it would create and delete.
  diff_mode:
    support: full
    description: Shows each banned app's assignments before and after.
options:
  bans:
    description: Ban definitions, as returned by the C(interdict.bans.catalog) lookup.
    type: list
    elements: dict
    required: true
  assignments:
    description:
      - The uninstall orders of the P(interdict.bans.mdm_plans#filter) filter (its C(uninstall) list) -
        C(app_id), C(target_group_ids), C(exclusion_group_ids) and C(refused).
      - When not given, every banned app object gets O(target_group_ids) and O(exclusion_group_ids).
    type: list
    elements: dict
  target_group_ids:
    description:
      - Entra group IDs to assign the uninstall to when O(assignments) is not given. When empty, all devices.
    type: list
    elements: str
    default: []
  exclusion_group_ids:
    description:
      - Entra group IDs excluded from the uninstall when O(assignments) is not given.
    type: list
    elements: str
    default: []
  platforms:
    description: Platforms whose app objects are handled.
    type: list
    elements: str
    choices: [ios, android]
    default: [ios, android]
  remove_intents:
    description: Assignment intents of a banned app that are deleted. Exclusions never are.
    type: list
    elements: str
    choices: [required, available, availableWithoutEnrollment]
    default: [required, available, availableWithoutEnrollment]
notes:
  - Intune's uninstall intent removes an app only if Intune installed it. A copy the user installed from the store
    stays; the planner reports such findings as skipped with the reason.
  - An exclusion group is trusted to hold the devices it should; its membership is not read.
  - Needs the application permission C(DeviceManagementApps.ReadWrite.All).
seealso:
  - module: interdict.bans.intune_app_inventory
  - module: interdict.bans.intune_app_block
  - plugin: interdict.bans.mdm_plans
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Plan every phone with the collection's planner (exceptions, protected list, cap)
  ansible.builtin.set_fact:
    mdm: "{{ phones | interdict.bans.mdm_plans(bans, mode='enforce', exceptions=exceptions) }}"

- name: Uninstall what the plans remove
  interdict.bans.intune_app_uninstall:
    bans: "{{ bans }}"
    assignments: "{{ mdm.uninstall }}"
  register: uninstall

- name: Uninstall TikTok wherever Intune installed it, only for the corporate phone groups (no planner)
  interdict.bans.intune_app_uninstall:
    bans: "{{ query('interdict.bans.catalog', 'tiktok') }}"
    target_group_ids:
      - 0b7a6d1c-1111-2222-3333-444455556666
"""

RETURN = r"""
actions:
  description: Assignments created or deleted (to be created or deleted in check mode).
  returned: always
  type: list
  elements: dict
  sample:
    - {action: delete, app: TikTok, app_id: "...", bans: [tiktok], intent: required, assignment_id: "...",
       target: {"@odata.type": "#microsoft.graph.groupAssignmentTarget", groupId: "..."}}
    - {action: create, app: TikTok, app_id: "...", bans: [tiktok], intent: uninstall,
       target: {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}}
apps:
  description:
    - The banned Intune app objects handled, with their assignments before and after and the C(outcome) -
      V(pending) (the uninstall is assigned; devices act at their next check-in), V(planned) (check mode, changes
      needed) or V(failed) (refused by the plan, or Graph refused a change), with C(msg).
  returned: always
  type: list
  elements: dict
  sample:
    - {id: "...", name: WeChat, platform: ios, identifier: com.tencent.xin, endpoint: "v1.0, beta",
       exclusions: [], bans: [wechat], outcome: pending,
       msg: "", refused: "", assignments_before: ["available: all devices"],
       assignments_after: ["uninstall: all devices"]}
not_managed:
  description:
    - Per ban and platform with no Intune app object on any endpoint, C(ban), C(platform) and C(reason), which says
      it is not managed by Intune and cannot be uninstalled through Intune.
  returned: always
  type: list
  elements: dict
  sample: [{ban: tiktok, platform: android, reason: "not managed by Intune: cannot be uninstalled through Intune"}]
exclusions:
  description:
    - The exclusion assignments of the banned apps, left as they are. The devices in C(group_id) are out of the
      uninstall's reach.
  returned: always
  type: list
  elements: dict
  sample: [{app: WeChat, app_id: "...", platform: ios, intent: required, group_id: "...",
            excludes: "excluding group ..."}]
duplicates:
  description: Extra copies of the collection's own C(uninstall) assignments (same app and target), deleted.
  returned: always
  type: list
  elements: dict
  sample: []
unknown:
  description: App ids of orders that name no banned app object of the tenant; nothing was done to them.
  returned: always
  type: list
  elements: str
  sample: []
check_mode:
  description: Whether the module ran in check mode (nothing was changed).
  returned: always
  type: bool
  sample: false
api_calls:
  description: Counters of the HTTP client.
  returned: always
  type: dict
  sample: {requests: 4, retries: 0}
"""

from ansible_collections.interdict.bans.plugins.module_utils.intune_changes import REMOVABLE_INTENTS
from ansible_collections.interdict.bans.plugins.module_utils.intune_provider import IntuneProvider
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_provider import MDMModule


def main():
    mdm = MDMModule(
        IntuneProvider,
        {
            "bans": {"type": "list", "elements": "dict", "required": True},
            "assignments": {"type": "list", "elements": "dict"},
            "target_group_ids": {"type": "list", "elements": "str", "default": []},
            "exclusion_group_ids": {"type": "list", "elements": "str", "default": []},
            "platforms": {
                "type": "list",
                "elements": "str",
                "choices": ["ios", "android"],
                "default": ["ios", "android"],
            },
            "remove_intents": {
                "type": "list",
                "elements": "str",
                "choices": list(REMOVABLE_INTENTS),
                "default": list(REMOVABLE_INTENTS),
            },
        },
    )
    params = mdm.params
    result, failure = mdm.run(
        mdm.provider.apply,
        CompiledCatalog(mdm.bans),
        "remove",
        params["assignments"],
        mdm.check_mode,
        bans=mdm.bans,
        group_ids=params["target_group_ids"],
        exclusion_group_ids=params["exclusion_group_ids"],
        platforms=params["platforms"],
        remove_intents=params["remove_intents"],
    )
    mdm.exit(result, failure)


if __name__ == "__main__":
    main()
