# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Graph writes that carry out a plan: uninstall assignments and restriction-profile entries.

Pure functions of Graph's current state: they say what to create, patch or
delete so the tenant matches what was asked, and nothing more. What is asked
(which app, for which devices, with which exclusions) is decided on the
controller by the planner (``plugin_utils/_mdm_steps.py``); the modules read,
call these, and (outside check mode) apply.
"""

from __future__ import annotations

from ansible_collections.interdict.bans.plugins.module_utils.intune_graph import (
    ENDPOINTS_KEY,
    OWNED_MARKER,
    app_endpoint,
    assignment_targets,
    describe_target,
    exclusion_targets,
    is_exclusion,
    is_owned_profile,
    mobile_app_identifier,
    target_key,
)
from ansible_collections.interdict.bans.plugins.module_utils.intune_inventory import banned_app_objects

REMOVABLE_INTENTS = ("required", "available", "availableWithoutEnrollment")
CONFIG_TYPES = {
    "ios": "#microsoft.graph.iosGeneralDeviceConfiguration",
    "android": "#microsoft.graph.androidGeneralDeviceConfiguration",
}
BLOCK_LIST = "appsNotInListCompliant"  # Graph appListType: every app is fine except those listed
ALLOW_LIST = "appsInListCompliant"
NOT_MANAGED = "not managed by Intune: cannot be uninstalled through Intune"
IOS_COMPLIANCE_TYPE = "#microsoft.graph.iosCompliancePolicy"
# Graph: "Compliance policy must have one and only one block scheduled action"
# (deviceComplianceScheduledActionForRule.scheduledActionConfigurations); ruleName is always PasswordRequired.
# Grace period 0: a device with a banned app is non-compliant at once.
SCHEDULED_BLOCK = {
    "ruleName": "PasswordRequired",
    "scheduledActionConfigurations": [
        {"actionType": "block", "gracePeriodHours": 0, "notificationTemplateId": "", "notificationMessageCCList": []}
    ],
}
IOS_LISTS = {
    "hidden": ("appsVisibilityList", "appsVisibilityListType"),  # hides and stops launch; supervised devices
    "prohibited": ("compliantAppsList", "compliantAppListType"),  # reported in compliance, not prevented
}
ANDROID_LISTS = {
    "prohibited": ("compliantAppsList", "compliantAppListType"),
    "launch_blocked": ("appsLaunchBlockList", None),  # Samsung KNOX devices
    "hidden": ("appsHideList", None),  # Samsung KNOX devices
}


# -- uninstall assignments ------------------------------------------------------------------------


def wanted_assignments(group_ids=(), exclusion_group_ids=()):
    """{target key: target} an app's uninstall should have: groups (or all devices), then the exclusions."""
    targets = assignment_targets(group_ids) + exclusion_targets(exclusion_group_ids)
    return {target_key(t): t for t in targets}


def plan_uninstall(
    catalog,
    mobile_apps,
    orders=None,
    group_ids=(),
    exclusion_group_ids=(),
    platforms=None,
    remove_intents=REMOVABLE_INTENTS,
):
    """Assignment changes so each banned Intune app asked for is assigned ``uninstall`` where it should be.

    ``orders`` are ``[{app_id, target_group_ids, exclusion_group_ids, refused}]``
    from the planner: only those apps are touched, each with its own targets; a
    ``refused`` order changes nothing and is returned with its reason. With
    ``orders`` None, every banned app object gets ``group_ids`` (all devices
    when empty) and ``exclusion_group_ids``.

    Returns ``{"actions": [...], "apps": [...], "unknown": [app ids],
    "exclusions": [...], "duplicates": [...]}``.
    Assignments of a banned app with an intent in ``remove_intents`` are deleted
    (Required beats Uninstall on a device targeted by both; Available keeps
    offering the app). Exclusion assignments are the customer's: never deleted
    or changed, listed in ``exclusions`` with the group they exclude. The
    collection's own assignments are its ``uninstall`` ones on a wanted target;
    a second one on the same target (left by an earlier run) is a duplicate,
    listed in ``duplicates`` and deleted. An app id the catalog does not match
    is listed in ``unknown`` and never touched.
    """
    banned = {
        app["id"]: (app, platform, matches)
        for app, platform, matches in banned_app_objects(catalog, mobile_apps, platforms)
    }
    if orders is None:
        orders = [
            {"app_id": app_id, "target_group_ids": list(group_ids), "exclusion_group_ids": list(exclusion_group_ids)}
            for app_id in banned
        ]
    actions, apps, unknown, exclusions, duplicates = [], [], [], [], []
    for order in orders:
        entry = banned.get(order.get("app_id"))
        if entry is None:
            unknown.append(order.get("app_id"))
            continue
        app, platform, matches = entry
        bans = sorted({m["ban"] for m in matches})
        before = sorted(
            f"{a.get('intent')}: {describe_target(a.get('target') or {})}" for a in app.get("assignments") or []
        )
        app_exclusions = [
            {
                "app_id": app["id"],
                "app": app.get("displayName"),
                "platform": platform,
                "assignment_id": a.get("id"),
                "intent": a.get("intent"),
                "group_id": (a.get("target") or {}).get("groupId") or "",
                "excludes": describe_target(a.get("target") or {}),
            }
            for a in app.get("assignments") or []
            if is_exclusion(a.get("target"))
        ]
        exclusions.extend(app_exclusions)
        summary = {
            "id": app["id"],
            "name": app.get("displayName"),
            "platform": platform,
            "identifier": mobile_app_identifier(app),
            "endpoint": ", ".join(app.get(ENDPOINTS_KEY) or ["v1.0"]),
            "exclusions": [e["group_id"] for e in app_exclusions],
            "bans": bans,
            "assignments_before": before,
            "assignments_after": before,
            "refused": order.get("refused") or "",
            "reaching": [],
        }
        if order.get("refused"):
            # Uninstall assignments already there still reach every device they target: say so.
            summary["reaching"] = [
                describe_target(a.get("target") or {})
                for a in app.get("assignments") or []
                if a.get("intent") == "uninstall" and not is_exclusion(a.get("target"))
            ]
            apps.append(summary)
            continue
        changes = _assignment_changes(
            app,
            bans,
            wanted_assignments(order.get("target_group_ids") or (), order.get("exclusion_group_ids") or ()),
            remove_intents,
        )
        summary["assignments_after"] = changes["after"]
        summary["changes"] = len(changes["actions"])
        summary["duplicates"] = len(changes["duplicates"])
        actions.extend(changes["actions"])
        duplicates.extend(changes["duplicates"])
        apps.append(summary)
    return {
        "actions": actions,
        "apps": apps,
        "unknown": unknown,
        "exclusions": exclusions,
        "duplicates": duplicates,
    }


def not_managed(bans, mobile_apps, catalog, platforms):
    """[{ban, platform, reason}] for each ban with no Intune app object on any endpoint for that platform."""
    covered = {
        (m["ban"], platform)
        for _app, platform, matches in banned_app_objects(catalog, mobile_apps, platforms)
        for m in matches
    }
    return [
        {"ban": ban["id"], "platform": platform, "reason": NOT_MANAGED}
        for ban in bans
        for platform in platforms
        if platform in (ban.get("platforms") or {}) and (ban["id"], platform) not in covered
    ]


def _assignment_changes(app, bans, wanted, remove_intents):
    base = {"app_id": app["id"], "app": app.get("displayName"), "bans": bans, "endpoint": app_endpoint(app)}
    actions, after, kept, duplicates = [], [], set(), []
    for assignment in app.get("assignments") or []:
        target = assignment.get("target") or {}
        intent = assignment.get("intent")
        label = f"{intent}: {describe_target(target)}"
        if is_exclusion(target):
            # The customer's: never deleted or changed, whatever its intent.
            kept.add(target_key(target))
        elif intent == "uninstall" and target_key(target) in wanted:
            if target_key(target) in kept:
                # The collection's own, twice: an earlier run's retry left a copy.
                duplicates.append(dict(base, assignment_id=assignment.get("id"), intent=intent, target=target))
                actions.append(
                    dict(
                        base,
                        action="delete",
                        assignment_id=assignment.get("id"),
                        intent=intent,
                        target=target,
                        duplicate=True,
                    )
                )
                continue
            kept.add(target_key(target))
        elif intent in remove_intents:
            actions.append(
                dict(base, action="delete", assignment_id=assignment.get("id"), intent=intent, target=target)
            )
            continue
        after.append(label)
    for key, target in wanted.items():
        if key not in kept:
            actions.append(dict(base, action="create", intent="uninstall", target=target))
            after.append(f"uninstall: {describe_target(target)}")
    return {"actions": actions, "after": sorted(after), "duplicates": duplicates}


# -- restriction profiles -------------------------------------------------------------------------


def blocked_identifiers(bans, platform):
    """Bundle ids (iOS) or packages (Android) to block: the ban's block list, else its identifiers."""
    key = "bundle_ids" if platform == "ios" else "packages"
    out = []
    for ban in bans:
        spec = ban.get("platforms", {}).get(platform)
        if not spec:
            continue
        values = (spec.get("block") or {}).get(key) or [entry["value"] for entry in spec.get("identifiers", ())]
        for value in values:
            if value not in out:
                out.append(value)
    return out


def _list_item(identifier):
    return {"@odata.type": "#microsoft.graph.appListItem", "name": identifier, "publisher": None, "appId": identifier}


def _merge_block_list(config, list_key, type_key, identifiers, label):
    """(new list or None when unchanged, problem or None) for one appListItem collection."""
    current = list(config.get(list_key) or [])
    # Lists without a type property (Android's KNOX lists) are block lists by definition.
    list_type = (config.get(type_key) or "none") if type_key else BLOCK_LIST
    if list_type == ALLOW_LIST:
        listed = sorted({item.get("appId") for item in current} & set(identifiers))
        problem = f"{label}: the profile keeps an allow list, which already blocks every unlisted app; left as it is"
        if listed:
            problem += f" (but it allows banned {', '.join(listed)})"
        return None, problem
    present = {str(item.get("appId") or "").casefold() for item in current}
    missing = [identifier for identifier in identifiers if identifier.casefold() not in present]
    if not missing and list_type == BLOCK_LIST:
        return None, None
    return current + [_list_item(identifier) for identifier in missing], None


def plan_block(bans, configurations, platform, name, lists):
    """What to create or patch so a restrictions profile lists the banned apps.

    ``lists`` maps list property -> list-type property, e.g. iOS
    ``{"appsVisibilityList": "appsVisibilityListType"}`` (hidden apps,
    supervised devices) and ``{"compliantAppsList": "compliantAppListType"}``
    (prohibited apps: reported, not prevented). The customer's own entries stay.
    Returns ``{"action": "create"|"update"|"none", "id", "body", "before", "after", "problems"}``.
    """
    return _plan_lists(blocked_identifiers(bans, platform), configurations, CONFIG_TYPES[platform], name, lists)


def plan_compliance(bans, policies, name):
    """What to create or patch so an iOS compliance policy lists the banned bundle ids as restricted apps.

    On iOS, compliance (and so conditional access) follows ``iosCompliancePolicy.restrictedApps``, not a
    restrictions profile's lists. Same shape and rules as ``plan_block``: the customer's entries stay, the
    collection's own policy is found by name and description tag, a create carries the one block action
    Graph wants every compliance policy to have.
    """
    return _plan_lists(
        blocked_identifiers(bans, "ios"),
        policies,
        IOS_COMPLIANCE_TYPE,
        name,
        {"restrictedApps": None},
        create_extra={"scheduledActionsForRule": [dict(SCHEDULED_BLOCK)]},
    )


def _plan_lists(identifiers, configurations, odata_type, name, lists, create_extra=None):
    named = sorted(
        (c for c in configurations if c.get("displayName") == name and c.get("@odata.type") == odata_type),
        key=lambda c: (str(c.get("createdDateTime") or ""), str(c.get("id"))),
    )
    owned = [c for c in named if is_owned_profile(c)]
    # The collection's own profile (name and description tag) first; else the customer's of that name.
    existing = (owned or named or [None])[0]
    plan = {
        "action": "none",
        "id": None,
        "owned": existing is None or is_owned_profile(existing),
        "body": {},
        "before": {},
        "after": {},
        "problems": [],
        "identifiers": identifiers,
        # Copies of the collection's own profile an earlier run left (a create whose answer was lost).
        "duplicates": [c["id"] for c in owned[1:]],
        "others": [c["id"] for c in named if c is not existing and not is_owned_profile(c)],
    }
    if plan["others"]:
        plan["problems"].append(
            f"{len(plan['others'])} other profile(s) named {name!r} that this collection did not create: left alone"
        )
    if not identifiers:
        return plan
    if existing is None:
        body = {"@odata.type": odata_type, "displayName": name, "description": OWNED_MARKER, **(create_extra or {})}
        for list_key, type_key in lists.items():
            body[list_key] = [_list_item(identifier) for identifier in identifiers]
            if type_key:
                body[type_key] = BLOCK_LIST
        plan.update(action="create", body=body, after={k: sorted(identifiers) for k in lists})
        return plan
    plan["id"] = existing["id"]
    body = {"@odata.type": odata_type}
    for list_key, type_key in lists.items():
        new_list, problem = _merge_block_list(existing, list_key, type_key, identifiers, list_key)
        plan["before"][list_key] = sorted(str(i.get("appId")) for i in existing.get(list_key) or [])
        if problem:
            plan["problems"].append(problem)
        if new_list is None:
            plan["after"][list_key] = plan["before"][list_key]
            continue
        body[list_key] = new_list
        if type_key:
            body[type_key] = BLOCK_LIST
        plan["after"][list_key] = sorted(str(i.get("appId")) for i in new_list)
    if len(body) > 1:
        plan.update(action="update", body=body)
    return plan
