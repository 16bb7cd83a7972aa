# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every MDM device through the one planner, and one host result per device (controller only).

``plan_fleet`` takes what an MDM inventory module returned (devices with
their evidence, findings, the MDM's app objects) and plans each device with
``_planning.removal_plan``: exceptions match the device's host name with the
same globs as for any host, or its view (``_selectors.device_view``) with a
``where`` selector, the scope selector sees the same view, and the protected
list and the cap apply per device. ``_mdm_steps.fleet_orders`` then decides once where each fleet-wide
change may go. ``fleet_results`` turns the plans and what the MDM modules did
into host results with ``_report.host_result``; nothing here decides a status.

Nobody goes missing: a device the listing did not give but a finding names,
a device the inventory expects (an inventory host of the MDM) but the listing
lacks, and the MDM itself when its listing failed or was incomplete, all get
a result, ``unknown`` with the reason unless a finding makes it worse.
"""

from __future__ import annotations

from ansible_collections.interdict.bans.plugins.module_utils import contract
from ansible_collections.interdict.bans.plugins.plugin_utils import _mdm_steps, _planning, _report, _selectors

PHONES = ("ios", "android")
DEVICE_KEYS = ("id", "ownership", "supervised", "compliance", "last_sync", "inventory")


def _finding(finding):
    """A finding in the contract's shape; the module's reader conveniences stay behind."""
    return {"ban": finding["ban"], "software": dict(finding["software"]), "rule": dict(finding.get("rule") or {})}


def inventory_error(inventory):
    """Why the MDM could not be read completely, or "" when it was."""
    if not isinstance(inventory, dict) or inventory.get("skipped"):
        return "the MDM inventory did not run"
    if inventory.get("failed"):
        return str(inventory.get("msg") or "the MDM inventory failed")
    if inventory.get("listing_error"):
        return f"the device listing failed: {inventory['listing_error']}"
    if inventory.get("complete") is False:
        return "the MDM inventory is incomplete: " + ("; ".join(inventory.get("problems") or ()) or "unknown reason")
    return ""


def plan_fleet(
    inventory,
    bans,
    mode="audit",
    exceptions=None,
    protected=None,
    max_removals=None,
    now=None,
    blocks=True,
    expected_devices=(),
    target_group_ids=(),
    exclusion_group_ids=(),
    block_profiles=None,
    platforms=PHONES,
    scope=None,
    options=None,
):
    """Plan every device of an MDM inventory result; see the module docstring.

    Returns ``{provider, tenant_id, mode, devices: [{host, platform, device,
    sources, plan, facts_error}], uninstall: [orders], block_bans: {platform:
    [ban ids]}, block_refused: {platform: {ban: reason}}, error, ignored}``.
    """
    inventory = inventory if isinstance(inventory, dict) else {}
    provider = inventory.get("provider") or "intune"
    tenant = inventory.get("tenant_id") or ""
    error = inventory_error(inventory)
    # Bad exceptions or a bad scope fail before any device is planned.
    _planning.validate_exceptions(exceptions, now)
    scope = _planning.validate_scope(scope)
    apps = inventory.get("mdm_apps")
    if "mdm_apps" not in inventory:
        apps = []
    findings_by_device = {}
    for finding in inventory.get("findings") or ():
        device_id = finding.get("device_id") or (finding.get("software") or {}).get("device_id")
        findings_by_device.setdefault(device_id, []).append(_finding(finding))

    listed = list(inventory.get("devices") or ())
    seen = {device.get("id") for device in listed}
    taken = {str(device.get("host") or "").lower() for device in listed}
    for device_id, found in findings_by_device.items():
        if device_id in seen:
            continue
        # Named by an app report, absent from the devices given: never dropped with its findings.
        host = str(found[0]["software"].get("device_name") or device_id)
        if host.lower() in taken:
            host = f"{host}_{device_id}"
        taken.add(host.lower())
        reason = f"not in the {provider} device listing of this run"
        listed.append(
            {
                "id": device_id,
                "host": host,
                "platform": found[0]["software"].get("platform"),
                "inventory": "unlisted",
                "sources": [contract.source_state(provider, "failed", len(found), reason)],
            }
        )

    devices, ignored = [], 0
    for device in listed:
        if device.get("platform") not in platforms:
            # Computers an MDM lists are audited by the endpoint roles, under their own host names.
            ignored += 1
            continue
        host = str(device.get("host") or device.get("name") or device.get("id"))
        sources = device.get("sources") or [
            contract.source_state(provider, "failed", reason="the MDM inventory gave no evidence for this device")
        ]
        plan = _planning.removal_plan(
            findings_by_device.get(device.get("id"), []),
            bans,
            host=host,
            mode=mode,
            exceptions=exceptions,
            protected=protected,
            max_removals=max_removals,
            blocks=blocks,
            sources=sources,
            platform=device["platform"],
            now=now,
            scope=scope,
            host_view=_selectors.device_view(dict(device, host=host), provider),
            options={
                **(options or {}),
                "provider": provider,
                "mdm_apps": apps,
                "device": {key: device.get(key) for key in ("id", "supervised", "ownership")},
                "block_profiles": block_profiles or {},
            },
        )
        devices.append(
            {
                "host": host,
                "platform": device["platform"],
                "device": dict({key: device.get(key) for key in DEVICE_KEYS}, provider=provider),
                "sources": sources,
                "plan": plan,
                "facts_error": "",
            }
        )

    known = {entry["host"].lower() for entry in devices}
    for host in sorted({str(h) for h in expected_devices or ()}):
        if host.lower() in known:
            continue
        reason = f"in the inventory, but not in the {provider} device listing of this run"
        if error:
            reason += f" ({error})"
        devices.append(_unlisted(host, provider, reason, bans, mode, exceptions, now, options, scope=scope))
        known.add(host.lower())
    if error:
        # The MDM itself: a failed or partial listing may have lost devices no one knows the names of.
        host = f"{provider}:{tenant}" if tenant else provider
        if host.lower() not in known:
            devices.append(_unlisted(host, provider, error, bans, mode, exceptions, now, options, tenant=True))

    orders = _mdm_steps.fleet_orders(devices, apps or [], target_group_ids, exclusion_group_ids, provider)
    for entry in devices:
        reasons = orders["blocked"].get(entry["host"])
        for step in (entry["plan"] or {}).get("steps", ()) if reasons else ():
            if step["id"] in reasons:
                step["blocked"] = reasons[step["id"]]
    block_bans = {
        platform: [
            ban["id"]
            for ban in bans
            if platform in ban.get("platforms", {}) and ban["id"] not in orders["block"].get(platform, {})
        ]
        for platform in platforms
        if platform in _mdm_steps.PLATFORMS
    }
    return {
        "provider": provider,
        "tenant_id": tenant,
        "mode": mode,
        "devices": devices,
        "uninstall": orders["uninstall"],
        "block_bans": block_bans,
        "block_refused": orders["block"],
        "error": error,
        "ignored": ignored,
    }


def _unlisted(host, provider, reason, bans, mode, exceptions, now, options, tenant=False, scope=None):
    sources = [contract.source_state(provider, "failed", reason=reason)]
    return {
        "host": host,
        "platform": "",
        "device": {"provider": provider, "inventory": "unlisted", "tenant": tenant},
        "sources": sources,
        # Planned like any host (its exceptions are reported); with no findings it plans nothing.
        "plan": None
        if tenant
        else _planning.removal_plan(
            [],
            bans,
            host=host,
            mode=mode,
            exceptions=exceptions,
            sources=sources,
            now=now,
            blocks=False,
            scope=scope,
            host_view=_selectors.view(host, mdm=provider),
            options=options,
        ),
        "facts_error": reason if tenant else "",
    }


# -- results ----------------------------------------------------------------------------------------------


def _ran(result):
    return isinstance(result, dict) and bool(result) and not result.get("skipped")


def executed(fleet, uninstall=None, block=None, check_mode=False):
    """Whether MDM writes ran for real: enforce, a write module ran, and none of them in check mode.

    A play or block with ``check_mode: true`` is seen only in the modules' own
    ``check_mode`` answer, which is why it is read from their results.
    """
    if fleet.get("mode") != "enforce" or check_mode:
        return False
    ran = [result for result in (uninstall, block) if _ran(result)]
    return bool(ran) and not any(result.get("check_mode") for result in ran)


def _uninstall_outcomes(uninstall):
    """{app id: (outcome, msg)} from the uninstall module's result; (None, msg) when it failed as a whole."""
    if not _ran(uninstall):
        return {}, "the uninstall was not run"
    outcomes = {
        app["id"]: (app.get("outcome") or "failed", app.get("msg") or "") for app in uninstall.get("apps") or ()
    }
    for app_id in uninstall.get("unknown") or ():
        outcomes[app_id] = ("failed", "not a banned app object of this tenant: left alone")
    whole = str(uninstall.get("msg") or "the uninstall failed") if uninstall.get("failed") else ""
    return outcomes, whole


def _block_outcomes(block):
    if not _ran(block):
        return {}, "the block was not run"
    outcomes = {
        platform: (entry.get("outcome") or "failed", entry.get("msg") or "")
        for platform, entry in (block.get("platforms") or {}).items()
    }
    whole = str(block.get("msg") or "the block failed") if block.get("failed") else ""
    return outcomes, whole


def _actions(plan, uninstall, block):
    apps, apps_error = _uninstall_outcomes(uninstall)
    platforms, block_error = _block_outcomes(block)
    actions = []
    for step in plan.get("steps") or ():
        if step.get("blocked"):
            outcome, msg = "failed", step["blocked"]
        elif step.get("method") == _mdm_steps.UNINSTALL:
            outcome, msg = apps.get(step.get("app_id"), ("failed", apps_error or "no outcome for this app"))
        elif step.get("method") == _mdm_steps.BLOCK:
            missing = ("failed", block_error or "no outcome for this platform")
            outcome, msg = platforms.get(step.get("platform"), missing)
        else:
            outcome, msg = "skipped", f"{step.get('method')}: not carried out through the MDM"
        actions.append({"step": step["id"], "outcome": outcome, "rc": None, "msg": msg})
    return actions


def fleet_results(fleet, bans, uninstall=None, block=None, run=None, check_mode=False):
    """One host result per device (and for the MDM itself when its listing failed), via ``_report.host_result``."""
    return merged_results([{"fleet": fleet, "uninstall": uninstall, "block": block}], bans, run, check_mode)


def _merge(entries):
    """One device entry from the entries several MDMs gave for the same host: plans, sources and actions joined."""
    if len(entries) == 1:
        return entries[0]
    plans = [entry["plan"] for entry in entries if entry.get("plan")]
    plan = None
    if plans:
        plan = dict(plans[0])
        for key in ("steps", "blocks", "skipped", "exempt", "findings", "exceptions"):
            plan[key] = [item for one in plans for item in one.get(key) or ()]
        plan["blocked_by_cap"] = any(one.get("blocked_by_cap") for one in plans)
        plan["removals"] = sum(one.get("removals") or 0 for one in plans)
    ran = [entry for entry in entries if entry["actions"] is not None]
    return {
        "host": entries[0]["host"],
        "platform": next((entry["platform"] for entry in entries if entry.get("platform")), ""),
        "plan": plan,
        "sources": [source for entry in entries for source in entry.get("sources") or ()],
        "actions": [action for entry in ran for action in entry["actions"]] if ran else None,
        "facts_error": "; ".join(entry["facts_error"] for entry in entries if entry.get("facts_error")),
        "device": {"providers": [entry["device"] for entry in entries]},
    }


def merged_results(runs, bans, run=None, check_mode=False):
    """One host result per device over every MDM of the job: a device two MDMs report is one result.

    ``runs`` are ``[{fleet, uninstall, block}]``, one per MDM. Devices are the
    same when their host names are (case-insensitive); their plans, evidence
    (one source per MDM) and actions are joined before ``_report.host_result``
    decides their status once.
    """
    by_host = {}
    modes = []
    for entry_run in runs:
        fleet = entry_run.get("fleet") or {}
        uninstall, block = entry_run.get("uninstall"), entry_run.get("block")
        ran = executed(fleet, uninstall, block, check_mode)
        modes.append(ran)
        for entry in fleet.get("devices") or ():
            plan = entry.get("plan")
            by_host.setdefault(entry["host"].lower(), []).append(
                {
                    "host": entry["host"],
                    "platform": entry.get("platform") or "",
                    "plan": plan,
                    "sources": entry.get("sources"),
                    "actions": _actions(plan, uninstall, block) if ran and plan else None,
                    "facts_error": entry.get("facts_error") or "",
                    "device": entry.get("device") or {},
                }
            )
    results = []
    for entries in by_host.values():
        entry = _merge(entries)
        results.append(
            _report.host_result(
                entry["host"],
                plan=entry["plan"],
                actions=entry["actions"],
                mode="enforce" if entry["actions"] is not None else "audit",
                platform=entry["platform"],
                bans=bans,
                sources=entry["sources"],
                run=run,
                facts_error=entry["facts_error"] or None,
                extra={"source": "mdm", "mdm": entry["device"]},
            )
        )
    return results
