# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Intune says is on its devices: software records, findings and each device's evidence.

Only what is banned is asked for: the tenant's detected-app list (a few pages)
is matched against the catalog, then either one filtered ``AppInvRawData``
export (``export``) or the device list of each matching app
(``detected_apps``) says which devices carry them. Every row is matched again
here, so a server that ignores the filter never makes an app banned.

Each device gets its evidence in the shape every facts path reports
(``contract.source_state``): ``read``; ``partial`` for a personal device
(Intune shows only the apps it manages there); ``failed`` for a stale check-in,
for a run that could not read everything, and for a device that appears in a
finding but not in the device listing. The controller plans and decides status
from this; nothing here says compliant.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ansible_collections.interdict.bans.plugins.module_utils import contract
from ansible_collections.interdict.bans.plugins.module_utils.intune_graph import (
    ENDPOINTS_KEY,
    WORK_PROFILE_ENROLLMENT,
    application_key_identifier,
    detected_app_platform,
    device_platform,
    host_names,
    mobile_app_identifier,
    mobile_app_platform,
    parse_graph_time,
)
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import MDMError

SOURCE = "intune"
PHONE_PLATFORMS = ("ios", "android")


def software_record(name, version, publisher, platform, identifier, **extra):
    """A software record (module_utils/contract.py) for something Intune reported."""
    record = {
        "name": name or "",
        "version": version or "",
        "publisher": publisher or "",
        "platform": platform,
        "source": "mdm",
        "identifier": identifier or "",
    }
    record.update(extra)
    return record


def banned_app_objects(catalog, mobile_apps, platforms=None):
    """[(mobile app, platform, [matches])] for the Intune app objects the catalog matches."""
    out = []
    for app in mobile_apps:
        platform = mobile_app_platform(app)
        if platform is None or (platforms and platform not in platforms):
            continue
        record = software_record(
            app.get("displayName"), "", app.get("publisher"), platform, mobile_app_identifier(app), managed=True
        )
        matches = catalog.match_record(record)
        if matches:
            out.append((app, platform, matches))
    return out


def app_object_summary(app, platform, matches):
    """What the planner needs to know of an Intune app object: which banned app it is and its id."""
    return {
        "id": app["id"],
        "name": app.get("displayName") or "",
        "platform": platform,
        "identifier": mobile_app_identifier(app),
        "type": str(app.get("@odata.type", "")).rsplit(".", 1)[-1],
        "endpoint": ", ".join(app.get(ENDPOINTS_KEY) or ["v1.0"]),
        "bans": sorted({match["ban"] for match in matches}),
    }


def _device_summary(device, now, stale_after):
    synced = parse_graph_time(device.get("lastSyncDateTime"))
    personal = str(device.get("managedDeviceOwnerType", "")).lower() != "company"
    work_profile = device.get("deviceEnrollmentType") == WORK_PROFILE_ENROLLMENT
    if synced is None or now - synced > stale_after:
        inventory = "stale"
    elif personal or work_profile:
        inventory = "managed_apps_only"
    else:
        inventory = "read"
    return {
        "id": device.get("id"),
        "name": device.get("deviceName"),
        "serial_number": device.get("serialNumber"),
        "platform": device_platform(device.get("operatingSystem")),
        "ownership": device.get("managedDeviceOwnerType") or "unknown",
        "supervised": bool(device.get("isSupervised")),
        "compliance": device.get("complianceState") or "unknown",
        "last_sync": device.get("lastSyncDateTime"),
        # What selectors see of the device besides the above (docs/selectors.md).
        "os_version": device.get("osVersion") or "",
        "enrollment": device.get("deviceEnrollmentType") or "",
        "user": device.get("userPrincipalName") or "",
        "category": device.get("deviceCategoryDisplayName") or "",
        "inventory": inventory,
        "work_profile": work_profile,
        "listed": True,
    }


def device_sources(device, records, complete, problems, stale_after_days, listing_error=""):
    """The device's evidence: one ``intune`` source state, the worst that applies, with its reason."""
    if not device.get("listed"):
        reason = "not in the Intune device listing of this run"
        if listing_error:
            reason += f" ({listing_error})"
        return [contract.source_state(SOURCE, "failed", records, reason)]
    if device.get("inventory") == "stale":
        reason = (
            f"no Intune check-in since {device.get('last_sync') or 'ever'} "
            f"(more than {stale_after_days} days): its app inventory is too old"
        )
        return [contract.source_state(SOURCE, "failed", records, reason)]
    if not complete:
        reason = "Intune inventory incomplete: " + ("; ".join(problems) or "a listing could not be read")
        return [contract.source_state(SOURCE, "failed", records, reason)]
    if device.get("inventory") == "managed_apps_only" and device.get("work_profile"):
        reason = (
            "corporate-owned work profile: Intune reports only the apps in the work profile; "
            "apps outside it are unknown"
        )
        return [contract.source_state(SOURCE, "partial", records, reason)]
    if device.get("inventory") == "managed_apps_only":
        reason = "personal device: Intune reports only the apps it manages"
        return [contract.source_state(SOURCE, "partial", records, reason)]
    return [contract.source_state(SOURCE, "read", records)]


def _candidate_apps(detected, catalog, platforms):
    """Detected apps the catalog matches by name or publisher (they carry no bundle id)."""
    candidates = []
    for app in detected:
        platform = detected_app_platform(app.get("platform"))
        # An app of unknown platform is tried against every platform in scope rather than skipped.
        for candidate_platform in [platform] if platform else platforms:
            if candidate_platform not in platforms:
                continue
            record = software_record(
                app.get("displayName"), app.get("version"), app.get("publisher"), candidate_platform, ""
            )
            if catalog.match_record(record):
                candidates.append(app)
                break
    return candidates


def export_shortfall(rows, detected, names):
    """["name: N rows, detectedApps counts M devices"] for each name the export has fewer rows for."""
    expected = {}
    for app in detected:
        name = app.get("displayName")
        if name in names:
            try:
                expected[name] = expected.get(name, 0) + int(app.get("deviceCount") or 0)
            except (TypeError, ValueError):
                continue
    found = {}
    for row in rows:
        name = row.get("ApplicationName")
        found[name] = found.get(name, 0) + 1
    return [
        f"{name}: {found.get(name, 0)} rows, detectedApps counts {count} devices"
        for name, count in sorted(expected.items())
        if found.get(name, 0) < count
    ]


def _finding(match, device_id, device_name, device):
    record = dict(match["software"], device_id=device_id, device_name=device_name or "")
    return {
        "ban": match["ban"],
        "software": record,
        "rule": match["rule"],
        # Kept beside the record for readers of the module's return value.
        "device_id": device_id,
        "device_name": device_name,
        "platform": record["platform"],
        "ownership": (device or {}).get("ownership", "unknown"),
        "supervised": (device or {}).get("supervised", False),
        "app": {key: record[key] for key in ("name", "version", "publisher", "identifier")},
    }


def inventory(
    intune,
    catalog,
    platforms=PHONE_PLATFORMS,
    method="export",
    stale_after_days=30,
    now=None,
    hostname="device_name",
    app_objects=True,
):
    """Banned apps on managed devices, every device's evidence, and the banned Intune app objects.

    Returns ``{provider, tenant_id, findings, devices, devices_scanned, complete,
    problems, method, listing_error, mdm_apps, mdm_apps_error}``. ``devices``
    holds every listed device and every device a finding names, each with its
    ``host`` name and ``sources``. A failed device listing does not stop the
    run: what the app reports say is still returned, with ``listing_error`` set
    (the module then fails, so the run cannot pass with devices missing).
    """
    now = now or datetime.now(timezone.utc)  # noqa: UP017 - module_utils also run on Python < 3.11
    stale_after = timedelta(days=stale_after_days)
    platforms = tuple(platforms)
    result = {
        "provider": "intune",
        "tenant_id": getattr(intune, "tenant_id", ""),
        "findings": [],
        "devices": [],
        "devices_scanned": 0,
        "complete": True,
        "problems": [],
        "method": method,
        "listing_error": "",
        "mdm_apps": [],
        "mdm_apps_error": "",
    }

    def problem(error):
        result["complete"] = False
        result["problems"].append(str(error))

    summaries = {}
    try:
        devices = intune.managed_devices(platforms)
    except MDMError as error:
        result["listing_error"] = str(error)
        problem(error)
        # The pages read before the failure are real devices: they stay in the report (as unknown).
        devices = list(getattr(error, "partial", None) or [])
    for device in devices:
        summary = _device_summary(device, now, stale_after)
        summaries[summary["id"]] = summary
    result["devices_scanned"] = len(summaries)

    _read_findings(intune, catalog, platforms, method, summaries, result, problem)

    if app_objects:
        try:
            result["mdm_apps"] = [
                app_object_summary(*entry) for entry in banned_app_objects(catalog, intune.mobile_apps(), platforms)
            ]
        except MDMError as error:
            # Without the app objects no uninstall can be planned; what is on the devices is still known.
            result["mdm_apps"] = None
            result["mdm_apps_error"] = str(error)
            result["problems"].append(f"Intune app objects not read: {error}")

    _add_device_evidence(result, summaries, stale_after_days, hostname)
    result["findings"].sort(key=lambda f: (f["device_name"] or "", f["ban"], f["app"]["name"]))
    return result


def _read_findings(intune, catalog, platforms, method, summaries, result, problem):
    try:
        detected = intune.detected_apps()
        candidates = _candidate_apps(detected, catalog, platforms)
    except MDMError as error:
        problem(error)
        return
    if not candidates:
        return

    seen = set()

    def add(record, device_id, device_name):
        if record["platform"] not in platforms or not device_id:
            return
        for match in catalog.match_record(record):
            key = (device_id, match["ban"], record["name"], record["identifier"])
            if key not in seen:
                seen.add(key)
                result["findings"].append(_finding(match, device_id, device_name, summaries.get(device_id)))

    if method == "export":
        names = {app["displayName"] for app in candidates if app.get("displayName")}
        try:
            rows = intune.export_app_inventory(names)
        except MDMError as error:
            # The export is one way to ask; the detected apps' device lists are another.
            result["problems"].append(f"{error}; used the detected apps' device lists instead")
            method = result["method"] = "detected_apps"
        else:
            shortfall = export_shortfall(rows, detected, names)
            if shortfall:
                # An export with fewer rows than Intune counts devices (an empty export, a dropped filter
                # clause) would call devices clean: the per-app device lists are asked instead.
                result["problems"].append(
                    "AppInvRawData export has fewer rows than detectedApps counts devices ("
                    + "; ".join(shortfall)
                    + "); used the detected apps' device lists instead"
                )
                method = result["method"] = "detected_apps"
    if method == "export":
        for row in rows:
            device = summaries.get(row.get("DeviceId"))
            platform = device["platform"] if device else device_platform(row.get("Platform"))
            record = software_record(
                row.get("ApplicationName"),
                row.get("ApplicationShortVersion") or row.get("ApplicationVersion"),
                row.get("ApplicationPublisher"),
                platform,
                application_key_identifier(row.get("ApplicationKey")),
            )
            add(record, row.get("DeviceId"), row.get("DeviceName"))
    if method == "detected_apps":
        try:
            found, failed = intune.devices_with_apps([app["id"] for app in candidates])
        except MDMError as error:
            problem(error)
            return
        for error in failed.values():
            problem(error)
        by_id = {app["id"]: app for app in candidates}
        for app_id, devices_of_app in found.items():
            app = by_id[app_id]
            for device in devices_of_app:
                record = software_record(
                    app.get("displayName"),
                    app.get("version"),
                    app.get("publisher"),
                    device_platform(device.get("operatingSystem")) or detected_app_platform(app.get("platform")),
                    "",
                )
                add(record, device.get("id"), device.get("deviceName"))


def _add_device_evidence(result, summaries, stale_after_days, hostname):
    """Every listed device and every device a finding names, with its host name and sources."""
    devices = dict(summaries)
    records = {}
    for finding in result["findings"]:
        device_id = finding["device_id"]
        records[device_id] = records.get(device_id, 0) + 1
        if device_id not in devices:
            # In an app report but not in the listing: it must still reach the report.
            devices[device_id] = {
                "id": device_id,
                "name": finding["device_name"],
                "serial_number": None,
                "platform": finding["platform"],
                "ownership": "unknown",
                "supervised": False,
                "compliance": "unknown",
                "last_sync": None,
                "inventory": "unlisted",
                "listed": False,
            }
    names = host_names(
        [{"id": d["id"], "deviceName": d["name"], "serialNumber": d["serial_number"]} for d in devices.values()],
        hostname,
    )
    for device in devices.values():
        device["host"] = names[device["id"]]
        device["sources"] = device_sources(
            device,
            records.get(device["id"], 0),
            result["complete"],
            result["problems"],
            stale_after_days,
            result["listing_error"],
        )
    result["devices"] = sorted(devices.values(), key=lambda d: d["host"])
