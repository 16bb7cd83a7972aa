# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MDM step builder (platforms ios and android), and where an MDM's fleet-wide changes may reach.

The planner (``_planning``) calls ``steps`` and ``blocks`` for one device at a
time, after it applied exceptions, the protected list and the cap:

* ``steps`` gives one ``mdm_uninstall`` step per banned app on the device when
  the MDM has an app object for it (``options["mdm_apps"]``, from the
  inventory, read from every Graph endpoint), else a skip item saying it is
  not managed by Intune and cannot be uninstalled through Intune.
* ``blocks`` gives the restriction-profile block step of a ban, or why the
  device cannot be blocked (an unsupervised iPhone).

An MDM does not act per device: an uninstall assignment or a restriction
profile reaches every device it targets. ``fleet_orders`` is the one place
that decides, over every device's plan, where each app's uninstall and each
ban's block may go: to the configured groups with the exclusion groups, or
nowhere when it would reach a device whose plan removes nothing from it (an
exempt device with no exclusion group configured, a device over the cap). A
refused change marks every step it would have carried ``blocked`` with the
reason, so the report says why on each affected device.
"""

from __future__ import annotations

from ansible_collections.interdict.bans.plugins.module_utils import contract
from ansible_collections.interdict.bans.plugins.module_utils.intune_changes import NOT_MANAGED, blocked_identifiers

PLATFORMS = ("ios", "android")
UNINSTALL = "mdm_uninstall"
BLOCK = "mdm_block"
APPS_UNREAD = "Intune's app objects could not be read, so whether Intune manages this app is not known"
NOT_SUPERVISED = (
    "not supervised: iOS hides and stops banned apps only on supervised devices; "
    "the prohibited-apps list only reports this device as not compliant"
)
NOTHING_TO_BLOCK = "the ban names no app id to block on this platform"
# Skip reasons this builder gives; every other skipped finding was left alone by policy (protected, cap).
BUILDER_REASONS = (NOT_MANAGED, APPS_UNREAD)
# Where a ban's block lives: the iOS restrictions profile; on Android Enterprise, the managed Google Play
# app's uninstall assignment (a device administrator profile only when the engine names one).
DEFAULT_PROFILES = {"ios": "interdict.bans blocked apps (iOS)", "android": "managed Google Play uninstall assignment"}
LISTED_HOSTS = 5


def app_index(apps):
    """{(platform, identifier or name, casefolded): app object} for matching findings to app objects."""
    index = {}
    for app in apps or ():
        for value in (app.get("identifier"), app.get("name")):
            if value:
                index.setdefault((app.get("platform"), str(value).casefold()), app)
    return index


def find_app(record, index):
    """The MDM app object a software record is a copy of: same platform and identifier, else same name."""
    platform = record.get("platform")
    for value in (record.get("identifier"), record.get("name")):
        if value:
            app = index.get((platform, str(value).casefold()))
            if app is not None:
                return app
    return None


def steps(findings, ban, options):
    """One ``mdm_uninstall`` step per banned app on this device, or a skip item saying why there is none."""
    out = []
    apps = options.get("mdm_apps")
    index = app_index(apps)
    device = options.get("device") or {}
    by_app = {}
    for finding in findings:
        if apps is None:
            out.append({"kind": "skip", "finding": finding, "reason": APPS_UNREAD})
            continue
        app = find_app(finding["software"], index)
        if app is None:
            out.append({"kind": "skip", "finding": finding, "reason": NOT_MANAGED})
            continue
        step = by_app.get(app["id"])
        if step is None:
            platform = finding["software"].get("platform") or options.get("platform")
            note = "removed at the device's next check-in if Intune installed it; a copy the user installed stays"
            if platform == "ios" and not device.get("supervised"):
                note += " (unsupervised: a copy the user installed cannot be taken over silently)"
            step = {
                "id": f"{ban['id']}:remove:{UNINSTALL}:{app.get('identifier') or app['id']}",
                "ban": ban["id"],
                "kind": "remove",
                "platform": platform,
                "method": UNINSTALL,
                "target": app.get("identifier") or app["id"],
                "name": app.get("name") or app.get("identifier") or app["id"],
                "findings": [],
                # An assignment has no exit code; the key keeps the step shape of every other platform.
                "exit_codes": contract.exit_codes(),
                "provider": options.get("provider") or "intune",
                "app_id": app["id"],
                "device_id": device.get("id") or finding["software"].get("device_id") or "",
                "note": note,
            }
            by_app[app["id"]] = step
            out.append(step)
        key = contract.finding_key(finding)
        if key not in step["findings"]:
            step["findings"].append(key)
    return out


def blocks(ban, findings, current_blocks, options):
    """The restriction-profile block of this ban on this device, or why it cannot have one."""
    platform = options.get("platform")
    if platform not in PLATFORMS:
        return []
    profile = (options.get("block_profiles") or {}).get(platform) or DEFAULT_PROFILES[platform]
    identifiers = blocked_identifiers([ban], platform)
    status = {"ban": ban["id"], "method": BLOCK, "rule": profile}
    if not identifiers:
        return [dict(status, state="not_blockable", note=NOTHING_TO_BLOCK)]
    if platform == "ios" and not (options.get("device") or {}).get("supervised"):
        return [dict(status, state="not_blockable", note=NOT_SUPERVISED)]
    return [
        {
            "id": f"{ban['id']}:block:{BLOCK}:{platform}",
            "ban": ban["id"],
            "kind": "block",
            "platform": platform,
            "method": BLOCK,
            "target": profile,
            "name": profile,
            "rule": profile,
            "findings": [contract.finding_key(f) for f in findings],
            "exit_codes": contract.exit_codes(),
            "provider": options.get("provider") or "intune",
            "identifiers": identifiers,
        }
    ]


# -- one decision for the fleet ---------------------------------------------------------------------------


def _hosts_text(hosts):
    hosts = sorted(hosts)
    more = f" and {len(hosts) - LISTED_HOSTS} more" if len(hosts) > LISTED_HOSTS else ""
    return ", ".join(hosts[:LISTED_HOSTS]) + more


def _left_alone(plan):
    """(finding, why, exempt) for every finding this device's plan removes nothing from, by policy.

    A device outside the scope counts as exempt here: an exclusion group keeps it out of the assignment.
    """
    if plan.get("out_of_scope"):
        for item in plan.get("skipped") or ():
            yield item["finding"], item.get("reason") or "outside the scope", True
        return
    for item in plan.get("exempt") or ():
        exception = item.get("exception") or {}
        why = f"exempt until {exception.get('expires', '?')} (approved by {exception.get('approver', '?')})"
        yield item["finding"], why, True
    for item in plan.get("skipped") or ():
        if item.get("reason") not in BUILDER_REASONS:
            yield item["finding"], item.get("reason") or "left in place", False


def _refusal(what, exempt_hosts, other_hosts, exclusion_group_ids):
    """Why ``what`` may not be assigned, or "" when it may."""
    reasons = []
    if exempt_hosts and not exclusion_group_ids:
        reasons.append(
            f"exempt or out-of-scope device(s) {_hosts_text(exempt_hosts)} hold it and no exclusion group is "
            "configured (exclusion_group_ids: the groups that hold the excepted and out-of-scope devices)"
        )
    if other_hosts:
        reasons.append(
            f"device(s) {_hosts_text(other_hosts)} hold it and their plans remove nothing from them "
            "(protected or over max_removals), which no exclusion group covers"
        )
    if not reasons:
        return ""
    return f"{what} not assigned: an Intune assignment reaches every targeted device, and " + "; ".join(reasons)


def fleet_orders(devices, apps, group_ids=(), exclusion_group_ids=()):
    """Where each app's uninstall and each ban's block may be assigned, decided once over every device's plan.

    ``devices`` are ``[{"host": name, "plan": removal_plan output}]``; ``apps``
    the MDM app objects (``mdm_apps``). An app's uninstall goes to
    ``group_ids`` (every device when empty) with ``exclusion_group_ids``
    excluded. It is refused when a device holds the app and its plan leaves it
    there: an exempt device with no exclusion group configured (the groups are
    trusted to hold the excepted devices; membership is not read), or a device
    whose finding is protected or over the cap (no exclusion group is for those).
    The same rule holds for a ban's block on a platform.

    Returns ``{"uninstall": [{app_id, app, platform, identifier, bans, steps,
    hosts, target_group_ids, exclusion_group_ids, refused}], "block": {platform:
    {ban: refusal reason}}, "blocked": {host: {step id: reason}}}``.
    """
    index = app_index(apps)
    apps_by_id = {app.get("id"): app for app in apps or ()}
    exclusion_group_ids = list(exclusion_group_ids or ())
    orders = {}
    left = {}  # app id -> (exempt hosts, other hosts)
    block_left = {}  # (platform, ban) -> (exempt hosts, other hosts)
    block_steps = {}  # (platform, ban) -> [(host, step id)]
    for device in devices:
        host, plan = device["host"], device.get("plan") or {}
        for step in plan.get("steps") or ():
            if step.get("method") == UNINSTALL and step.get("app_id"):
                app = apps_by_id.get(step["app_id"]) or {}
                order = orders.setdefault(
                    step["app_id"],
                    {
                        "app_id": step["app_id"],
                        "app": app.get("name") or step.get("name") or "",
                        "platform": step.get("platform") or app.get("platform") or "",
                        "identifier": app.get("identifier") or step.get("target") or "",
                        "bans": [],
                        "steps": [],
                        "hosts": [],
                    },
                )
                if step["ban"] not in order["bans"]:
                    order["bans"].append(step["ban"])
                order["steps"].append({"host": host, "step": step["id"]})
                if host not in order["hosts"]:
                    order["hosts"].append(host)
            elif step.get("method") == BLOCK:
                block_steps.setdefault((step.get("platform"), step["ban"]), []).append((host, step["id"]))
        for finding, _why, exempt in _left_alone(plan):
            software = finding.get("software") or {}
            slot = 0 if exempt else 1
            app = find_app(software, index)
            if app is not None:
                left.setdefault(app["id"], (set(), set()))[slot].add(host)
            block_left.setdefault((software.get("platform"), finding.get("ban")), (set(), set()))[slot].add(host)

    blocked = {}
    uninstall = []
    for app_id, order in orders.items():
        exempt_hosts, other_hosts = left.get(app_id, (set(), set()))
        what = f"the uninstall of {order['app'] or app_id} ({order['platform']})"
        order["refused"] = _refusal(what, exempt_hosts, other_hosts, exclusion_group_ids)
        order["target_group_ids"] = list(group_ids or ())
        order["exclusion_group_ids"] = exclusion_group_ids
        order["bans"].sort()
        order["hosts"].sort()
        if order["refused"]:
            for entry in order["steps"]:
                blocked.setdefault(entry["host"], {})[entry["step"]] = order["refused"]
        uninstall.append(order)
    uninstall.sort(key=lambda o: (o["platform"], o["app"], o["app_id"]))

    block = {}
    for (platform, ban_id), (exempt_hosts, other_hosts) in sorted(block_left.items(), key=lambda i: str(i[0])):
        if platform not in PLATFORMS:
            continue
        reason = _refusal(f"the {platform} block of {ban_id}", exempt_hosts, other_hosts, exclusion_group_ids)
        if not reason:
            continue
        block.setdefault(platform, {})[ban_id] = reason
        for host, step_id in block_steps.get((platform, ban_id), ()):
            blocked.setdefault(host, {})[step_id] = reason
    return {"uninstall": uninstall, "block": block, "blocked": blocked}
