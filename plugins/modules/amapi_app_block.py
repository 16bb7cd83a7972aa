#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: amapi_app_block
short_description: Remove and block banned Android apps with one Android Management API policy change
version_added: 0.3.0
description:
  - Sets the banned apps' package names to C(installType=BLOCKED) in Android Management API policies. Google
    documents BLOCKED as "the app is blocked and can't be installed. If the app was installed under a previous policy,
    it will be uninstalled", so one change both removes the app (at each device's next policy sync) and blocks its
    return.
  - Each policy is read, changed in memory and written once with C(policies.patch?updateMask=applications), so no
    other part of the policy changes. Every other entry of the customer's C(applications) list stays as it is, in its
    place; a banned package the policy lists with another install type (for example V(AVAILABLE) from before the ban)
    is turned V(BLOCKED) in place. The policy is read back after the write; a package not BLOCKED then is a failure.
  - Idempotent - a policy whose banned packages are all BLOCKED already is not written. Check mode reads and reports
    the change (RV(policies)) without writing; diff mode shows each changed entry before and after.
  - Only packages a given ban names (its C(block.packages), else its identifiers) or matches are ever written; any
    other package in O(removals) is left alone and listed in RV(unknown).
  - What to block comes from O(removals) (the uninstall orders of the P(interdict.bans.mdm_plans#filter) filter, each
    for one policy, refused ones skipped) and O(platform_bans) (bans whose packages go into O(policies)). With
    neither, every given ban is blocked in O(policies).
author:
  - interdict.bans contributors (@interdict)
extends_documentation_fragment:
  - interdict.bans.amapi
attributes:
  check_mode:
    support: full
    description: Reads the policies and reports the change without writing it.
  diff_mode:
    support: full
    description: Each changed C(applications) entry, before and after, per policy.
options:
  bans:
    description: Ban definitions, as returned by the C(interdict.bans.catalog) lookup.
    type: list
    elements: dict
    required: true
  removals:
    description:
      - Uninstall orders from the P(interdict.bans.mdm_plans#filter) filter (its C(uninstall) list) - each names an app
        object C(app_id) V({policy}#{package}) found on devices; an order with C(refused) set is skipped.
    type: list
    elements: dict
    default: []
  platform_bans:
    description:
      - Bans whose packages are BLOCKED in O(policies), as C(android) mapped to a list of ban ids (the C(block_bans) of
        P(interdict.bans.mdm_plans#filter)). Only the C(android) key is read.
    type: dict
  policies:
    description:
      - Policies (ids or full names) the bans of O(platform_bans) are blocked in. Every policy of the enterprise
        (C(enterprises.policies.list)) when empty.
    type: list
    elements: str
    default: []
notes:
  - The change is a read-modify-write of the policy's C(applications) list. Google documents no precondition (etag)
    for C(policies.patch); an edit of the same list by someone else between the read and the write would be lost.
  - A policy holds at most 3,000 applications; a change that would exceed that fails for that policy.
  - On a personally-owned device with a work profile, BLOCKED acts in the work profile only.
seealso:
  - module: interdict.bans.amapi_app_inventory
  - plugin: interdict.bans.mdm_plans
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Remove and block WeChat and TikTok on every device of the default policy
  interdict.bans.amapi_app_block:
    bans: "{{ query('interdict.bans.catalog', 'wechat', 'tiktok') }}"
    policies: [default]

- name: Carry out what the planner decided (removals and blocks in one change per policy)
  interdict.bans.amapi_app_block:
    bans: "{{ bans }}"
    removals: "{{ fleet.uninstall }}"
    platform_bans: "{{ fleet.block_bans }}"
"""

RETURN = r"""
changed:
  description: Whether a policy was written (in check mode, whether one would be).
  returned: always
  type: bool
  sample: true
policies:
  description:
    - Per policy - C(added) (packages appended as BLOCKED), C(reblocked) (package -> its install type before),
      C(already) (BLOCKED already), C(outcome) (V(ok), V(planned) in check mode, V(failed)), C(msg) and C(version).
  returned: always
  type: list
  elements: dict
  sample:
    - {name: enterprises/LC0abc123/policies/default, added: [com.tencent.mm],
       reblocked: {com.zhiliaoapp.musically: AVAILABLE}, already: [], outcome: ok, msg: "", version: "5"}
apps:
  description:
    - One outcome per removal order - V(pending) (BLOCKED; removed at each device's next policy sync), V(planned) (check
      mode) or V(failed).
  returned: always
  type: list
  elements: dict
  sample: [{id: "enterprises/LC0abc123/policies/default#com.tencent.mm", outcome: pending, msg: "..."}]
platforms:
  description: The block's outcome on Android when O(platform_bans) (or no O(removals)) asked for one.
  returned: always
  type: dict
  sample: {android: {outcome: ok, msg: BLOCKED in 3 AMAPI policies}}
unknown:
  description: Removal orders left alone - not an app object of this enterprise, or a package no given ban names.
  returned: always
  type: list
  elements: str
  sample: []
api_calls:
  description: HTTP requests made, retries, throttled answers and other counters of the client.
  returned: always
  type: dict
  sample: {requests: 7, retries: 0, throttled: 0, token_requests: 1}
check_mode:
  description: Whether the module ran in check mode.
  returned: always
  type: bool
  sample: false
"""

from ansible_collections.interdict.bans.plugins.module_utils.amapi import AmapiProvider
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_provider import MDMModule


def main():
    mdm = MDMModule(
        AmapiProvider,
        {
            "bans": {"type": "list", "elements": "dict", "required": True},
            "removals": {"type": "list", "elements": "dict", "default": []},
            "platform_bans": {"type": "dict"},
            "policies": {"type": "list", "elements": "str", "default": []},
        },
    )
    params = mdm.params
    platform_bans = params["platform_bans"]
    if platform_bans is None and not params["removals"]:
        platform_bans = {"android": [ban["id"] for ban in mdm.bans]}
    result, failure = mdm.run(
        mdm.provider.change,
        CompiledCatalog(mdm.bans),
        removals=params["removals"],
        block_bans=platform_bans,
        check_mode=mdm.check_mode,
        policies=params["policies"],
    )
    for text in result.pop("_warnings", ()):
        mdm.warn(text)
    if failure:
        mdm.fail(f"{mdm.label}: {failure}", **result)
    mdm.exit(result)


if __name__ == "__main__":
    main()
