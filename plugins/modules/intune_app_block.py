#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: intune_app_block
short_description: Keep banned apps off phones with Intune restriction profiles
version_added: 0.1.0
description:
  - iOS/iPadOS - makes sure an C(iosGeneralDeviceConfiguration) lists the banned bundle IDs as hidden apps
    (C(appsVisibilityList), which hides them and stops them launching on supervised devices) and as prohibited apps
    (C(compliantAppsList), which only reports devices that carry them as not compliant).
  - Android Enterprise (fully managed and work-profile devices) - gives the banned managed Google Play apps an
    C(uninstall) assignment, which is how Intune blocks an app in the work profile or on a fully managed device (the
    same change as M(interdict.bans.intune_app_uninstall) makes). This is the Android default.
  - Android device administrator (legacy, Samsung KNOX) - only when O(android_lists) names lists, the same for an
    C(androidGeneralDeviceConfiguration) (C(compliantAppsList), C(appsLaunchBlockList), C(appsHideList)). Google
    ended device administrator management on devices with Google Mobile Services on 31 December 2024, so no such
    profile is made by default.
  - Idempotent against what is there - adds the missing entries and keeps every entry the customer put in the
    profile. A list kept as an allow list is left alone and reported, because it already blocks unlisted apps.
  - Block lists come from each ban's C(block.bundle_ids) (iOS) or C(block.packages) (Android), or its identifiers.
  - Says per platform whether the block is in place (RV(platforms)), for the device results.
  - Creates are idempotent. The collection's own profile is found by its name and the description tag
    C(Banned apps (interdict.bans)); its assignments by target. A create whose answer is lost (reset, timeout, 5xx
    other than 503) is re-read before it is sent again. Extra copies of the collection's own profile or of its
    assignments, left by earlier runs, are deleted and listed (C(duplicates_removed)); a profile of the same name
    without the tag is the customer's and is never deleted.
  - Managed Google Play apps are read from Graph v1.0 and beta merged by id (the type exists only in beta).
    Exclusion assignments are never deleted or changed; they are listed in RV(exclusions).
author:
  - interdict.bans contributors (@interdict)
extends_documentation_fragment:
  - interdict.bans.intune
attributes:
  check_mode:
    support: full
    description: Reports the profile changes it would make.
  diff_mode:
    support: full
    description: Shows each list's app IDs before and after.
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
    choices: [ios, android]
    default: [ios, android]
  ios_configuration:
    description:
      - Display name of the iOS restrictions profile to keep the lists in. An existing profile of that name (yours)
        is patched; otherwise one is created and assigned to O(target_group_ids).
    type: str
    default: interdict.bans blocked apps (iOS)
  ios_lists:
    description: Which iOS lists to keep.
    type: list
    elements: str
    choices: [hidden, prohibited]
    default: [hidden, prohibited]
  android_configuration:
    description: Display name of the Android device administrator restrictions profile.
    type: str
    default: interdict.bans blocked apps (Android)
  android_lists:
    description:
      - Which Android device administrator lists to keep (C(launch_blocked) and C(hidden) need KNOX). Empty (the
        default) makes no device administrator profile; Android Enterprise devices are blocked through managed
        Google Play (O(android_enterprise)).
    type: list
    elements: str
    choices: [prohibited, launch_blocked, hidden]
    default: []
  android_enterprise:
    description: Give banned managed Google Play apps an C(uninstall) assignment.
    type: bool
    default: true
  target_group_ids:
    description:
      - Entra group IDs the profiles this module creates, and the Android Enterprise uninstall assignments, apply to.
        All devices when empty. The assignments of a profile you own are never changed.
    type: list
    elements: str
    default: []
  exclusion_group_ids:
    description:
      - Entra group IDs excluded from the profiles this module creates and from the Android Enterprise uninstall
        assignments, for example the group that holds the devices with an approved exception.
    type: list
    elements: str
    default: []
  platform_bans:
    description:
      - Per platform, the ids of the bans to block there, as the P(interdict.bans.mdm_plans#filter) filter gives
        them (its C(block_bans)); a ban it refused to block (it would reach an exempt device) is left out.
      - A platform not named blocks every ban in O(bans).
    type: dict
    default: {}
notes:
  - The hidden-apps list only acts on supervised iOS devices; on the others the prohibited list makes a device with
    a banned app non-compliant, which conditional access can act on.
  - Needs C(DeviceManagementConfiguration.ReadWrite.All) and, for Android Enterprise,
    C(DeviceManagementApps.ReadWrite.All).
seealso:
  - module: interdict.bans.intune_app_uninstall
"""

EXAMPLES = r"""
- name: Block WeChat and TikTok on managed phones
  interdict.bans.intune_app_block:
    bans: "{{ query('interdict.bans.catalog', 'wechat', 'tiktok') }}"

- name: Add the banned apps to our own iOS restrictions profile
  interdict.bans.intune_app_block:
    bans: "{{ query('interdict.bans.catalog', 'tiktok') }}"
    platforms: [ios]
    ios_configuration: Contoso iOS restrictions
"""

RETURN = r"""
configurations:
  description: One entry per restrictions profile handled.
  returned: always
  type: list
  elements: dict
  sample:
    - {platform: ios, name: Contoso iOS restrictions, id: "...", action: update,
       before: {compliantAppsList: [com.epicgames.fortnite]},
       after: {compliantAppsList: [com.epicgames.fortnite, com.zhiliaoapp.musically]}, problems: []}
exclusions:
  description:
    - The exclusion assignments of the banned managed Google Play apps, left as they are, with the group each
      excludes (same shape as M(interdict.bans.intune_app_uninstall)'s). A profile's own are in RV(configurations).
  returned: always
  type: list
  elements: dict
  sample: []
duplicates:
  description: Extra copies of the collection's own Android Enterprise C(uninstall) assignments, deleted.
  returned: always
  type: list
  elements: dict
  sample: []
actions:
  description: Android Enterprise assignment changes (same shape as M(interdict.bans.intune_app_uninstall)'s).
  returned: always
  type: list
  elements: dict
  sample: []
platforms:
  description:
    - Per platform, C(outcome) - V(ok) (the profile lists the banned apps), V(planned) (check mode, changes needed)
      or V(failed) - and C(msg).
  returned: always
  type: dict
  sample: {ios: {outcome: ok, msg: ""}, android: {outcome: ok, msg: ""}}
check_mode:
  description: Whether the module ran in check mode (nothing was changed).
  returned: always
  type: bool
  sample: false
problems:
  description: What could not be blocked, and why.
  returned: always
  type: list
  elements: str
  sample: []
api_calls:
  description: Counters of the HTTP client.
  returned: always
  type: dict
  sample: {requests: 5}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.interdict.bans.plugins.module_utils.intune_changes import (
    ANDROID_LISTS,
    IOS_LISTS,
    not_managed,
    plan_block,
    plan_uninstall,
)
from ansible_collections.interdict.bans.plugins.module_utils.intune_graph import (
    AUTH_ARGUMENT_SPEC,
    Intune,
    assignment_targets,
    describe_target,
    exclusion_targets,
    is_exclusion,
    module_bans,
    target_key,
)
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import MDMError


def ensure_profile(api, plan, targets, check_mode):
    """Create or patch one profile; assign it when this collection owns it. Returns whether anything changed.

    Read before every create: the profile is looked up by name and description tag, its assignments by
    target. Extra copies of the collection's own profile, and of its own assignments, are deleted; the
    exclusion assignments on it are the customer's and only reported.
    """
    changed = plan["action"] != "none"
    if plan["action"] == "create" and not check_mode:
        plan["id"] = api.create_configuration(plan["body"])["id"]
    elif plan["action"] == "update" and not check_mode:
        api.update_configuration(plan["id"], plan["body"])
    plan["removed_duplicates"] = list(plan["duplicates"])
    if plan["duplicates"]:
        changed = True
        if not check_mode:
            for duplicate in plan["duplicates"]:
                api.delete_configuration(duplicate)
    plan["exclusions"] = []
    if plan["owned"]:
        current = api.configuration_assignments(plan["id"]) if plan["id"] else []
        present, extra = set(), []
        for assignment in current:
            target = assignment.get("target") or {}
            if is_exclusion(target):
                plan["exclusions"].append(
                    {"group_id": target.get("groupId") or "", "excludes": describe_target(target)}
                )
            if target_key(target) in present and not is_exclusion(target):
                extra.append(assignment.get("id"))
            present.add(target_key(target))
        missing = [t for t in targets if target_key(t) not in present]
        plan["assigned"] = [t for t in targets if target_key(t) in present] + missing
        plan["removed_assignment_duplicates"] = extra
        if missing or extra:
            changed = True
            if not check_mode:
                for assignment_id in extra:
                    api.delete_configuration_assignment(plan["id"], assignment_id)
                for target in missing:
                    api.assign_configuration(plan["id"], target)
    return changed


def outcome(changed, problems, check_mode):
    """A platform's block outcome for the device results."""
    allowed = [p for p in problems if "allows banned" in p]
    if allowed:
        return {"outcome": "failed", "msg": "; ".join(allowed)}
    if changed and check_mode:
        return {"outcome": "planned", "msg": "; ".join(problems)}
    return {"outcome": "ok", "msg": "; ".join(problems)}


def main():
    argument_spec = dict(
        AUTH_ARGUMENT_SPEC,
        bans={"type": "list", "elements": "dict", "required": True},
        platforms={"type": "list", "elements": "str", "choices": ["ios", "android"], "default": ["ios", "android"]},
        ios_configuration={"type": "str", "default": "interdict.bans blocked apps (iOS)"},
        ios_lists={
            "type": "list",
            "elements": "str",
            "choices": ["hidden", "prohibited"],
            "default": ["hidden", "prohibited"],
        },
        android_configuration={"type": "str", "default": "interdict.bans blocked apps (Android)"},
        android_lists={
            "type": "list",
            "elements": "str",
            "choices": ["prohibited", "launch_blocked", "hidden"],
            "default": [],
        },
        android_enterprise={"type": "bool", "default": True},
        target_group_ids={"type": "list", "elements": "str", "default": []},
        exclusion_group_ids={"type": "list", "elements": "str", "default": []},
        platform_bans={"type": "dict", "default": {}},
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    bans = module_bans(module)
    api = Intune.from_params(params)
    targets = assignment_targets(params["target_group_ids"]) + exclusion_targets(params["exclusion_group_ids"])

    def bans_for(platform):
        wanted = params["platform_bans"].get(platform)
        return bans if wanted is None else [ban for ban in bans if ban["id"] in wanted]

    changed = False
    profiles, actions, problems, failures, exclusions, duplicates = [], [], [], [], [], []
    platforms = {platform: {"changed": False, "problems": []} for platform in params["platforms"]}
    wanted = []
    if "ios" in platforms:
        wanted.append(("ios", params["ios_configuration"], dict(IOS_LISTS[name] for name in params["ios_lists"])))
    if "android" in platforms and params["android_lists"]:
        lists = dict(ANDROID_LISTS[name] for name in params["android_lists"])
        wanted.append(("android", params["android_configuration"], lists))
    try:
        configurations = api.device_configurations() if wanted else []
    except MDMError as error:
        module.fail_json(msg=str(error), check_mode=module.check_mode, api_calls=dict(api.client.stats))
    for platform, name, lists in wanted:
        try:
            plan = plan_block(bans_for(platform), configurations, platform, name, lists)
            if not plan["identifiers"]:
                continue
            platform_changed = ensure_profile(api, plan, targets, module.check_mode)
        except MDMError as error:
            platforms[platform]["error"] = str(error)
            failures.append(f"{platform} {name}: {error}")
            continue
        changed |= platform_changed
        platforms[platform]["changed"] |= platform_changed
        platforms[platform]["problems"].extend(plan["problems"])
        problems.extend(f"{platform} {name}: {problem}" for problem in plan["problems"])
        keys = ("action", "id", "before", "after", "problems", "identifiers", "exclusions", "others")
        profile = {key: plan.get(key) for key in keys}
        profile["duplicates_removed"] = plan["removed_duplicates"] + plan.get("removed_assignment_duplicates", [])
        profile.update(platform=platform, name=name, owned=plan["owned"], assigned=plan.get("assigned", []))
        profiles.append(profile)
    if "android" in platforms and params["android_enterprise"] and bans_for("android"):
        try:
            managed_play = [
                app for app in api.mobile_apps() if str(app.get("@odata.type", "")).endswith("androidManagedStoreApp")
            ]
            plan = plan_uninstall(
                CompiledCatalog(bans_for("android")),
                managed_play,
                group_ids=params["target_group_ids"],
                exclusion_group_ids=params["exclusion_group_ids"],
                platforms=["android"],
            )
            unmanaged = not_managed(
                bans_for("android"), managed_play, CompiledCatalog(bans_for("android")), ["android"]
            )
            for entry in unmanaged:
                text = f"{entry['ban']}: no managed Google Play app object: {entry['reason']}"
                platforms["android"]["problems"].append(text)
                problems.append(f"android: {text}")
            actions = plan["actions"]
            exclusions = plan["exclusions"]
            duplicates = plan["duplicates"]
            if actions:
                changed = True
                platforms["android"]["changed"] = True
                if not module.check_mode:
                    api.apply_assignment_actions(actions)
        except MDMError as error:
            platforms["android"]["error"] = str(error)
            failures.append(f"android managed Google Play uninstall assignments: {error}")
    result = {
        "changed": changed,
        "configurations": profiles,
        "actions": actions,
        "exclusions": exclusions,
        "duplicates": duplicates,
        "problems": problems,
        "platforms": {
            platform: (
                {"outcome": "failed", "msg": state["error"]}
                if state.get("error")
                else outcome(state["changed"], state["problems"], module.check_mode)
            )
            for platform, state in platforms.items()
        },
        "check_mode": module.check_mode,
        "api_calls": dict(api.client.stats),
    }
    if module._diff:
        result["diff"] = {
            "before": {f"{p['platform']}: {p['name']}": p["before"] for p in profiles},
            "after": {f"{p['platform']}: {p['name']}": p["after"] for p in profiles},
        }
    if failures:
        module.fail_json(msg="Intune refused some block changes: " + "; ".join(failures), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
