#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: intune_app_uninstall
short_description: Make Intune uninstall banned apps it manages
version_added: 0.1.0
description:
  - Finds the Intune app objects (C(mobileApps)) the bans match, by bundle ID or package and name, and makes sure
    each has an C(uninstall) assignment for the target groups (every device when none are given).
  - Removes the banned app's C(required) and C(available) assignments, because Required wins over Uninstall on a
    device targeted by both and Available keeps offering the app. Exclusion assignments are left alone.
  - Apps the catalog does not match are never touched.
  - Given the findings of M(interdict.bans.intune_app_inventory), says which of them an uninstall assignment cannot
    remove (a user-installed app, a personal device) and why.
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
  target_group_ids:
    description:
      - Entra group IDs to assign the uninstall to. When empty, the uninstall targets all devices.
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
    description: Assignment intents of a banned app that are deleted.
    type: list
    elements: str
    choices: [required, available, availableWithoutEnrollment]
    default: [required, available, availableWithoutEnrollment]
  findings:
    description: Findings from M(interdict.bans.intune_app_inventory), to sort into enforceable and not.
    type: list
    elements: dict
    default: []
notes:
  - Intune's uninstall intent removes an app only if Intune installed it. A copy the user installed from the store
    stays; such findings are returned in RV(not_enforceable) with the reason.
  - Needs the application permission C(DeviceManagementApps.ReadWrite.All).
seealso:
  - module: interdict.bans.intune_app_inventory
  - module: interdict.bans.intune_app_block
"""

EXAMPLES = r"""
- name: Uninstall WeChat wherever Intune installed it
  interdict.bans.intune_app_uninstall:
    bans: "{{ query('interdict.bans.catalog', 'wechat') }}"
    findings: "{{ phones.findings }}"
  register: uninstall

- name: Only for the corporate phone groups
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
  description: The banned Intune app objects with their assignments before and after.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: "...", name: WeChat, platform: ios, identifier: com.tencent.xin, bans: [wechat],
       assignments_before: ["available: all devices"], assignments_after: ["uninstall: all devices"]}
enforceable:
  description: Findings an uninstall assignment removes at the device's next check-in if Intune installed the app.
  returned: always
  type: list
  elements: dict
  sample: []
not_enforceable:
  description: Findings Intune cannot remove, each with C(reason).
  returned: always
  type: list
  elements: dict
  sample:
    - {ban: wechat, device_name: IPH-000081, platform: ios, app: {name: WeChat},
       reason: "personal device: Intune removes only apps it installed there; a copy the user installed stays"}
api_calls:
  description: Counters of the HTTP client.
  returned: always
  type: dict
  sample: {requests: 4, retries: 0}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.interdict.bans.plugins.module_utils.intune import (
    AUTH_ARGUMENT_SPEC,
    Intune,
    assignment_targets,
    enforceability,
    module_bans,
    plan_uninstall,
)
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import MDMError


def main():
    argument_spec = dict(
        AUTH_ARGUMENT_SPEC,
        bans={"type": "list", "elements": "dict", "required": True},
        target_group_ids={"type": "list", "elements": "str", "default": []},
        platforms={"type": "list", "elements": "str", "choices": ["ios", "android"], "default": ["ios", "android"]},
        remove_intents={
            "type": "list",
            "elements": "str",
            "choices": ["required", "available", "availableWithoutEnrollment"],
            "default": ["required", "available", "availableWithoutEnrollment"],
        },
        findings={"type": "list", "elements": "dict", "default": []},
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    bans = module_bans(module)
    api = Intune.from_params(params)
    try:
        plan = plan_uninstall(
            CompiledCatalog(bans),
            api.mobile_apps(),
            assignment_targets(params["target_group_ids"]),
            platforms=params["platforms"],
            remove_intents=tuple(params["remove_intents"]),
        )
        if plan["actions"] and not module.check_mode:
            api.apply_assignment_actions(plan["actions"])
    except MDMError as error:
        module.fail_json(msg=str(error), api_calls=dict(api.client.stats))
    enforceable, not_enforceable = enforceability(params["findings"], plan["apps"])
    result = {
        "changed": bool(plan["actions"]),
        "actions": plan["actions"],
        "apps": plan["apps"],
        "enforceable": enforceable,
        "not_enforceable": not_enforceable,
        "api_calls": dict(api.client.stats),
    }
    if module._diff:
        result["diff"] = {
            "before": {f"{app['name']} ({app['platform']})": app["assignments_before"] for app in plan["apps"]},
            "after": {f"{app['name']} ({app['platform']})": app["assignments_after"] for app in plan["apps"]},
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
