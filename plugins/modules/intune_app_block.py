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
  ios_compliance_policy:
    description:
      - Display name of an iOS compliance policy (C(iosCompliancePolicy)) whose restricted apps (C(restrictedApps))
        must list the banned bundle IDs. Empty (the default) leaves compliance policies alone.
      - On iOS a restrictions profile's lists do not drive compliance; when conditional access is the goal, a
        compliance policy's restricted apps are what mark a device with a banned app non-compliant.
      - An existing policy of that name is patched, keeping every entry already in it; otherwise one is created
        (tagged like the profile, with the one C(block) action Graph requires, no grace period) and assigned to
        O(target_group_ids) minus O(exclusion_group_ids). Needs C(DeviceManagementConfiguration.ReadWrite.All),
        the same permission as the profiles.
    type: str
    default: ""
    version_added: 0.3.0
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
  - The hidden-apps list only acts on supervised iOS devices. A restrictions profile's lists do not drive device
    compliance; for conditional access set O(ios_compliance_policy).
  - Needs C(DeviceManagementConfiguration.ReadWrite.All) (profiles and the iOS compliance policy) and, for Android
    Enterprise, C(DeviceManagementApps.ReadWrite.All).
seealso:
  - module: interdict.bans.intune_app_uninstall
"""

EXAMPLES = r"""
- name: Block WeChat and TikTok on managed phones
  interdict.bans.intune_app_block:
    bans: "{{ query('interdict.bans.catalog', 'wechat', 'tiktok') }}"

- name: Also make iOS devices with a banned app non-compliant, for conditional access
  interdict.bans.intune_app_block:
    bans: "{{ query('interdict.bans.catalog', 'wechat', 'tiktok') }}"
    ios_compliance_policy: interdict.bans restricted apps (iOS)
    target_group_ids: [11111111-2222-3333-4444-555555555555]

- name: Add the banned apps to our own iOS restrictions profile
  interdict.bans.intune_app_block:
    bans: "{{ query('interdict.bans.catalog', 'tiktok') }}"
    platforms: [ios]
    ios_configuration: Contoso iOS restrictions
"""

RETURN = r"""
configurations:
  description:
    - One entry per restrictions profile or compliance policy handled; C(kind) is V(configuration) or
      V(compliance_policy) (O(ios_compliance_policy)).
  returned: always
  type: list
  elements: dict
  sample:
    - {platform: ios, kind: configuration, name: Contoso iOS restrictions, id: "...", action: update,
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

from ansible_collections.interdict.bans.plugins.module_utils.intune_provider import IntuneProvider
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_provider import MDMModule


def main():
    strings = {"type": "list", "elements": "str", "default": []}
    mdm = MDMModule(
        IntuneProvider,
        {
            "bans": {"type": "list", "elements": "dict", "required": True},
            "platforms": {
                "type": "list",
                "elements": "str",
                "choices": ["ios", "android"],
                "default": ["ios", "android"],
            },
            "ios_configuration": {"type": "str", "default": "interdict.bans blocked apps (iOS)"},
            "ios_compliance_policy": {"type": "str", "default": ""},
            "ios_lists": dict(strings, choices=["hidden", "prohibited"], default=["hidden", "prohibited"]),
            "android_configuration": {"type": "str", "default": "interdict.bans blocked apps (Android)"},
            "android_lists": dict(strings, choices=["prohibited", "launch_blocked", "hidden"]),
            "android_enterprise": {"type": "bool", "default": True},
            "target_group_ids": strings,
            "exclusion_group_ids": strings,
            "platform_bans": {"type": "dict", "default": {}},
        },
    )
    params = mdm.params
    options = (
        "ios_configuration",
        "ios_compliance_policy",
        "ios_lists",
        "android_configuration",
        "android_lists",
        "android_enterprise",
    )
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
        **{key: params[key] for key in options},
    )
    mdm.exit(result, failure)


if __name__ == "__main__":
    main()
