# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""MDM step builder (any platform an MDM manages), and where an MDM's fleet-wide changes may reach.

The planner (``_planning``) calls ``steps`` and ``blocks`` for one device at a
time, after it applied exceptions, the protected list and the cap; both hand
over to the device's provider (``module_utils/mdm_provider.py``,
``options["provider"]``):

* ``steps`` gives one ``mdm_uninstall`` step per banned app on the device when
  the MDM has an app object for it (``options["mdm_apps"]``, from the
  inventory), else a skip item saying why the MDM cannot remove it.
* ``blocks`` gives the block step of a ban (a restrictions profile, restricted
  software), or why the device cannot be blocked (an unsupervised iPhone).

An MDM does not act per device: an uninstall assignment, a scope or a
restriction profile reaches every device it targets. ``fleet_orders`` is the
one place that decides, over every device's plan, where each app's uninstall
and each ban's block may go: to the configured groups with the exclusion
groups, or nowhere when it would reach a device whose plan removes nothing
from it (an exempt device with no exclusion group configured, a device over
the cap). A refused change marks every step it would have carried ``blocked``
with the reason, so the report says why on each affected device.
"""

from __future__ import annotations

from ansible_collections.interdict.bans.plugins.module_utils import mdm_provider
from ansible_collections.interdict.bans.plugins.module_utils.intune_provider import IntuneProvider

UNINSTALL = mdm_provider.UNINSTALL
BLOCK = mdm_provider.BLOCK
app_index = mdm_provider.app_index
find_app = mdm_provider.find_app
DEFAULT_PROVIDER = "intune"  # inventories from before providers were named
# Intune's wording, kept under the names callers know.
NOT_MANAGED = IntuneProvider.not_managed
APPS_UNREAD = IntuneProvider.apps_unread
NOT_SUPERVISED = IntuneProvider.not_supervised
NOTHING_TO_BLOCK = mdm_provider.MDMProvider.nothing_to_block
DEFAULT_PROFILES = IntuneProvider.default_block_profiles
LISTED_HOSTS = 5
# Platforms where some provider blocks a ban (restrictions profiles, restricted software).
PLATFORMS = ("ios", "android", "macos")


def provider_of(options):
    """The provider class that plans this device (``options["provider"]``, set by ``_mdm_fleet``)."""
    return mdm_provider.provider_class((options or {}).get("provider") or DEFAULT_PROVIDER)


def builder_reasons():
    """Skip reasons the providers' step builders give; every other skipped finding was left alone by policy."""
    reasons = set()
    for name in mdm_provider.PROVIDER_MODULES:
        provider = mdm_provider.provider_class(name)
        reasons.update((provider.not_managed, provider.apps_unread, *provider.unenforceable_reasons))
    return reasons


def steps(findings, ban, options):
    """The provider's steps for one ban's findings on this device (``MDMProvider.plan_steps``)."""
    return provider_of(options).plan_steps(findings, ban, options)


def blocks(ban, findings, current_blocks, options):
    """The provider's block of this ban on this device, or why it cannot have one (``MDMProvider.plan_blocks``)."""
    return provider_of(options).plan_blocks(ban, findings, current_blocks, options)


# -- one decision for the fleet ---------------------------------------------------------------------------


def _hosts_text(hosts):
    hosts = sorted(hosts)
    more = f" and {len(hosts) - LISTED_HOSTS} more" if len(hosts) > LISTED_HOSTS else ""
    return ", ".join(hosts[:LISTED_HOSTS]) + more


def _left_alone(plan, reasons):
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
        if item.get("reason") not in reasons:
            yield item["finding"], item.get("reason") or "left in place", False


def _refusal(what, exempt_hosts, other_hosts, exclusion_group_ids, reach):
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
    return f"{what} not assigned: {reach} reaches every targeted device, and " + "; ".join(reasons)


def fleet_orders(devices, apps, group_ids=(), exclusion_group_ids=(), provider=DEFAULT_PROVIDER):
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
    reasons = builder_reasons()
    provider_cls = mdm_provider.provider_class(provider)
    reach = provider_cls.reach
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
                        "device_ids": [],
                    },
                )
                if step["ban"] not in order["bans"]:
                    order["bans"].append(step["ban"])
                order["steps"].append({"host": host, "step": step["id"]})
                if host not in order["hosts"]:
                    order["hosts"].append(host)
                if step.get("device_id") and step["device_id"] not in order["device_ids"]:
                    order["device_ids"].append(step["device_id"])
            elif step.get("method") == BLOCK:
                block_steps.setdefault((step.get("platform"), step["ban"]), []).append((host, step["id"]))
        for finding, _why, exempt in _left_alone(plan, reasons):
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
        order["refused"] = (
            ""
            if provider_cls.per_device_removal
            else _refusal(what, exempt_hosts, other_hosts, exclusion_group_ids, reach)
        )
        order["target_group_ids"] = list(group_ids or ())
        order["exclusion_group_ids"] = exclusion_group_ids
        order["bans"].sort()
        order["hosts"].sort()
        order["device_ids"].sort()
        if order["refused"]:
            for entry in order["steps"]:
                blocked.setdefault(entry["host"], {})[entry["step"]] = order["refused"]
        uninstall.append(order)
    uninstall.sort(key=lambda o: (o["platform"], o["app"], o["app_id"]))

    block = {}
    for (platform, ban_id), (exempt_hosts, other_hosts) in sorted(block_left.items(), key=lambda i: str(i[0])):
        if platform not in PLATFORMS:
            continue
        what = f"the {platform} block of {ban_id}"
        reason = _refusal(what, exempt_hosts, other_hosts, exclusion_group_ids, reach)
        if not reason:
            continue
        block.setdefault(platform, {})[ban_id] = reason
        for host, step_id in block_steps.get((platform, ban_id), ()):
            blocked.setdefault(host, {})[step_id] = reason
    return {"uninstall": uninstall, "block": block, "blocked": blocked}
