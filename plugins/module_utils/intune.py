# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft Intune through Microsoft Graph, on top of the shared MDM client.

Reading (``Intune``) and deciding (``inventory``, ``plan_uninstall``,
``plan_block``) are kept apart: the planners are pure functions of Graph data
and the catalog, so the modules only read, plan, and (outside check mode)
apply the plan.

What Intune can and cannot do is in docs/mdm.md; the short of it:
unmanaged apps are only reported for corporate-owned devices, an uninstall
assignment only removes apps Intune installed, and the iOS hidden-apps list
only works on supervised devices.
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from datetime import datetime, timedelta, timezone

from ansible.module_utils.basic import env_fallback

from ansible_collections.interdict.bans.plugins.module_utils.catalog import BanError, validate_ban
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import (
    ClientCredentials,
    MDMClient,
    MDMError,
)

GRAPH_URL = "https://graph.microsoft.com"
LOGIN_URL = "https://login.microsoftonline.com"

AUTH_ARGUMENT_SPEC = {
    "tenant_id": {"type": "str", "required": True, "fallback": (env_fallback, ["INTUNE_TENANT_ID", "AZURE_TENANT_ID"])},
    "client_id": {"type": "str", "required": True, "fallback": (env_fallback, ["INTUNE_CLIENT_ID", "AZURE_CLIENT_ID"])},
    "client_secret": {
        "type": "str",
        "required": True,
        "no_log": True,
        "fallback": (env_fallback, ["INTUNE_CLIENT_SECRET", "AZURE_CLIENT_SECRET"]),
    },
    "graph_url": {"type": "str", "default": GRAPH_URL, "fallback": (env_fallback, ["INTUNE_GRAPH_URL"])},
    "login_url": {"type": "str", "default": LOGIN_URL, "fallback": (env_fallback, ["INTUNE_LOGIN_URL"])},
    "request_timeout": {"type": "int", "default": 30},
    "max_concurrency": {"type": "int", "default": 8},
    "max_retries": {"type": "int", "default": 6},
    "validate_certs": {"type": "bool", "default": True},
}

DEVICE_FIELDS = (
    "id",
    "deviceName",
    "operatingSystem",
    "osVersion",
    "managedDeviceOwnerType",
    "complianceState",
    "lastSyncDateTime",
    "isSupervised",
    "serialNumber",
    "model",
    "manufacturer",
    "userPrincipalName",
)
EXPORT_COLUMNS = (
    "ApplicationKey",
    "ApplicationName",
    "ApplicationPublisher",
    "ApplicationShortVersion",
    "ApplicationVersion",
    "DeviceId",
    "DeviceName",
    "OSDescription",
    "OSVersion",
    "Platform",
)
# Intune's operatingSystem values for the platforms a ban names.
OS_FILTER_VALUES = {"ios": ("iOS", "iPadOS"), "android": ("Android",), "windows": ("Windows",), "macos": ("macOS",)}
MOBILE_APP_PLATFORMS = {
    "ios": ("iosStoreApp", "managedIOSStoreApp", "iosVppApp", "iosLobApp", "managedIOSLobApp"),
    "android": ("androidManagedStoreApp", "androidStoreApp", "managedAndroidStoreApp", "androidLobApp"),
    "windows": ("win32LobApp", "windowsMobileMSI", "winGetApp", "windowsUniversalAppX", "windowsStoreApp"),
    "macos": ("macOSLobApp", "macOSDmgApp", "macOSPkgApp", "macOsVppApp", "macOSMicrosoftEdgeApp"),
}
REMOVABLE_INTENTS = ("required", "available", "availableWithoutEnrollment")
ALL_DEVICES = {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}
CONFIG_TYPES = {
    "ios": "#microsoft.graph.iosGeneralDeviceConfiguration",
    "android": "#microsoft.graph.androidGeneralDeviceConfiguration",
}
BLOCK_LIST = "appsNotInListCompliant"  # Graph appListType: every app is fine except those listed
ALLOW_LIST = "appsInListCompliant"
OWNED_MARKER = "Banned apps (interdict.bans)"  # description of the profiles this collection creates
IOS_LISTS = {
    "hidden": ("appsVisibilityList", "appsVisibilityListType"),  # hides and stops launch; supervised devices
    "prohibited": ("compliantAppsList", "compliantAppListType"),  # reported in compliance, not prevented
}
ANDROID_LISTS = {
    "prohibited": ("compliantAppsList", "compliantAppListType"),
    "launch_blocked": ("appsLaunchBlockList", None),  # Samsung KNOX devices
    "hidden": ("appsHideList", None),  # Samsung KNOX devices
}


# -- Intune's names -> the catalog's platforms ---------------------------------------------------


def device_platform(operating_system):
    value = str(operating_system or "").lower().replace(" ", "")
    if value in ("ios", "ipados"):
        return "ios"
    if value.startswith("android"):
        return "android"
    if value.startswith("windows"):
        return "windows"
    if value in ("macos", "macosx", "osx"):
        return "macos"
    return None


def detected_app_platform(value):
    """detectedAppPlatformType -> platform; androidWorkProfile and friends are all Android."""
    value = str(value or "")
    if value == "ios":
        return "ios"
    if value.lower() == "macos":
        return "macos"
    if value.startswith("windows"):
        return "windows"
    if value.startswith("android"):
        return "android"
    return None


def mobile_app_platform(app):
    kind = str(app.get("@odata.type", "")).rsplit(".", 1)[-1]
    for platform, kinds in MOBILE_APP_PLATFORMS.items():
        if kind in kinds:
            return platform
    return None


def mobile_app_identifier(app):
    return app.get("bundleId") or app.get("packageId") or app.get("appIdentifier") or ""


def software_record(name, version, publisher, platform, identifier, **extra):
    """A software record (docs/architecture.md) for something Intune reported."""
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


def odata_quote(value):
    return "'" + str(value).replace("'", "''") + "'"


def target_key(target):
    kind = str(target.get("@odata.type", "")).rsplit(".", 1)[-1]
    return (kind, target.get("groupId") or "")


def assignment_targets(group_ids):
    """Graph assignment targets: the given groups, or every device when none are given."""
    if not group_ids:
        return [dict(ALL_DEVICES)]
    return [{"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": gid} for gid in group_ids]


def describe_target(target):
    kind, group = target_key(target)
    return f"group {group}" if group else {"allDevicesAssignmentTarget": "all devices"}.get(kind, kind)


def parse_graph_time(value):
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


# -- reading ---------------------------------------------------------------------------------------


def module_bans(module):
    """The module's ``bans`` option, validated; a malformed ban fails the module with the catalog's message."""
    try:
        return [validate_ban(ban, f"bans[{index}]") for index, ban in enumerate(module.params["bans"])]
    except BanError as error:
        module.fail_json(msg=str(error))


class Intune:
    """Graph calls for Intune. Every request goes through the one MDMClient."""

    def __init__(
        self,
        tenant_id,
        client_id,
        client_secret,
        graph_url=GRAPH_URL,
        login_url=LOGIN_URL,
        request_timeout=30,
        max_concurrency=8,
        max_retries=6,
        validate_certs=True,
        sleep=time.sleep,
        **_ignored,
    ):
        graph_url = graph_url.rstrip("/")
        credentials = ClientCredentials(
            f"{login_url.rstrip('/')}/{tenant_id}/oauth2/v2.0/token",
            client_id,
            client_secret,
            scope=f"{graph_url}/.default",
        )
        self.client = MDMClient(
            graph_url,
            credentials,
            max_concurrency=max_concurrency,
            timeout=request_timeout,
            max_retries=max_retries,
            validate_certs=validate_certs,
            sleep=sleep,
        )
        self._sleep = sleep

    @classmethod
    def from_params(cls, params):
        return cls(**{key: params[key] for key in AUTH_ARGUMENT_SPEC if key in params})

    def managed_devices(self, platforms=None):
        """Every managed device of the given platforms (all when None), checked against $count."""
        params = {"$select": ",".join(DEVICE_FIELDS), "$top": "1000", "$count": "true"}
        if platforms:
            values = [value for platform in platforms for value in OS_FILTER_VALUES.get(platform, ())]
            params["$filter"] = " or ".join(f"operatingSystem eq {odata_quote(v)}" for v in values)
        devices = self.client.get_all("/v1.0/deviceManagement/managedDevices", params)
        # A server may ignore $filter: keep only what was asked for.
        return [d for d in devices if not platforms or device_platform(d.get("operatingSystem")) in platforms]

    def detected_apps(self):
        params = {"$select": "id,displayName,version,publisher,platform,deviceCount", "$top": "1000", "$count": "true"}
        return self.client.get_all("/v1.0/deviceManagement/detectedApps", params)

    def devices_with_apps(self, app_ids):
        """{detected app id: [devices]} for each app, via $batch; failures as {app id: error text}."""
        requests = [
            {
                "method": "GET",
                "url": f"/deviceManagement/detectedApps/{app_id}/managedDevices"
                "?$select=id,deviceName,operatingSystem,managedDeviceOwnerType,isSupervised&$top=1000",
            }
            for app_id in app_ids
        ]
        found, failed = {}, {}
        for index, answer in enumerate(self.client.batch(requests)):
            app_id = app_ids[index]
            if not 200 <= answer["status"] < 300:
                failed[app_id] = f"detectedApps/{app_id}/managedDevices: HTTP {answer['status']}"
                continue
            body = answer["body"] or {}
            devices = list(body.get("value") or [])
            following = body.get("@odata.nextLink")
            try:
                if following:
                    devices.extend(self.client.get_all(following))
            except MDMError as error:
                failed[app_id] = str(error)
                continue
            found[app_id] = devices
        return found, failed

    def export_app_inventory(self, names, poll_timeout=900):
        """AppInvRawData rows for apps named ``names`` (one export job per 25 names)."""
        rows = []
        names = sorted(set(names))
        for start in range(0, len(names), 25):
            chunk = names[start : start + 25]
            body = {
                "reportName": "AppInvRawData",
                "format": "csv",
                "localizationType": "ReplaceLocalizableValues",
                "select": list(EXPORT_COLUMNS),
                "filter": " or ".join(f"(ApplicationName eq {odata_quote(name)})" for name in chunk),
            }
            job = self.client.request("POST", "/beta/deviceManagement/reports/exportJobs", json_body=body).json()
            rows.extend(self._export_rows(self._wait_for_export(job, poll_timeout)))
        return rows

    def _wait_for_export(self, job, poll_timeout):
        deadline = time.monotonic() + poll_timeout
        delay = 1.0
        path = f"/beta/deviceManagement/reports/exportJobs('{job['id']}')"
        while job.get("status") != "completed":
            if job.get("status") == "failed":
                raise MDMError(f"GET {self.client.url(path)}: export job {job['id']} failed", status=200)
            if time.monotonic() > deadline:
                raise MDMError(f"GET {self.client.url(path)}: export job not completed after {poll_timeout} s")
            job = self.client.get_json(path)
            if job.get("status") != "completed":
                self._sleep(delay)
                delay = min(delay * 1.5, 10.0)
        return job

    def _export_rows(self, job):
        # The download link is a storage SAS URL on another host: no bearer token goes with it.
        archive = self.client.request("GET", job["url"], authenticated=False, headers={"Accept": "*/*"}).body
        rows = []
        with zipfile.ZipFile(io.BytesIO(archive)) as zf:
            for member in zf.namelist():
                if member.lower().endswith(".csv"):
                    text = zf.read(member).decode("utf-8-sig")
                    rows.extend(csv.DictReader(io.StringIO(text)))
        return rows

    def mobile_apps(self):
        return self.client.get_all("/v1.0/deviceAppManagement/mobileApps", {"$expand": "assignments"})

    def add_app_assignment(self, app_id, intent, target):
        body = {"@odata.type": "#microsoft.graph.mobileAppAssignment", "intent": intent, "target": target}
        return self.client.request(
            "POST", f"/v1.0/deviceAppManagement/mobileApps/{app_id}/assignments", json_body=body
        ).json()

    def delete_app_assignment(self, app_id, assignment_id):
        self.client.request("DELETE", f"/v1.0/deviceAppManagement/mobileApps/{app_id}/assignments/{assignment_id}")

    def apply_assignment_actions(self, actions):
        """Carry out plan_uninstall's actions; deletes first, since Graph refuses a second assignment per target."""
        for action in sorted(actions, key=lambda a: a["action"] != "delete"):
            if action["action"] == "delete":
                self.delete_app_assignment(action["app_id"], action["assignment_id"])
            else:
                self.add_app_assignment(action["app_id"], action["intent"], action["target"])

    def device_configurations(self):
        return self.client.get_all("/v1.0/deviceManagement/deviceConfigurations")

    def create_configuration(self, body):
        return self.client.request("POST", "/v1.0/deviceManagement/deviceConfigurations", json_body=body).json()

    def update_configuration(self, config_id, body):
        self.client.request("PATCH", f"/v1.0/deviceManagement/deviceConfigurations/{config_id}", json_body=body)

    def configuration_assignments(self, config_id):
        return self.client.get_all(f"/v1.0/deviceManagement/deviceConfigurations/{config_id}/assignments")

    def assign_configuration(self, config_id, target):
        return self.client.request(
            "POST",
            f"/v1.0/deviceManagement/deviceConfigurations/{config_id}/assignments",
            json_body={"@odata.type": "#microsoft.graph.deviceConfigurationAssignment", "target": target},
        ).json()


# -- inventory -------------------------------------------------------------------------------------


def _device_summary(device, now, stale_after):
    platform = device_platform(device.get("operatingSystem"))
    synced = parse_graph_time(device.get("lastSyncDateTime"))
    personal = str(device.get("managedDeviceOwnerType", "")).lower() != "company"
    if synced is None or now - synced > stale_after:
        inventory = "stale"
    elif personal:
        inventory = "managed_apps_only"
    else:
        inventory = "read"
    return {
        "id": device.get("id"),
        "name": device.get("deviceName"),
        "platform": platform,
        "ownership": device.get("managedDeviceOwnerType") or "unknown",
        "supervised": bool(device.get("isSupervised")),
        "compliance": device.get("complianceState") or "unknown",
        "last_sync": device.get("lastSyncDateTime"),
        "inventory": inventory,
    }


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


def _finding(match, device_id, device_name, device):
    record = match["software"]
    return {
        "ban": match["ban"],
        "device_id": device_id,
        "device_name": device_name,
        "platform": record["platform"],
        "ownership": (device or {}).get("ownership", "unknown"),
        "supervised": (device or {}).get("supervised", False),
        "app": {key: record[key] for key in ("name", "version", "publisher", "identifier")},
        "software": record,
        "rule": match["rule"],
    }


def inventory(intune, catalog, platforms=("ios", "android"), method="export", stale_after_days=30, now=None):
    """Banned apps on managed devices, and whether every device could be read.

    Only what is banned is asked for: the tenant's detected-app list (a few
    pages) is matched against the catalog, then either one filtered export of
    AppInvRawData (``export``) or the device list of each matching app
    (``detected_apps``) says which devices carry them. Every row is matched
    again here, so a server that ignores the filter never makes an app banned.
    """
    now = now or datetime.now(timezone.utc)  # noqa: UP017 - targets may run Python < 3.11
    stale_after = timedelta(days=stale_after_days)
    platforms = tuple(platforms)
    result = {"findings": [], "devices": [], "devices_scanned": 0, "complete": True, "problems": [], "method": method}

    def problem(error):
        result["complete"] = False
        result["problems"].append(str(error))

    try:
        devices = intune.managed_devices(platforms)
    except MDMError as error:
        problem(error)
        devices = []
    summaries = {}
    for device in devices:
        summary = _device_summary(device, now, stale_after)
        summaries[summary["id"]] = summary
    result["devices"] = list(summaries.values())
    result["devices_scanned"] = len(summaries)

    try:
        candidates = _candidate_apps(intune.detected_apps(), catalog, platforms)
    except MDMError as error:
        problem(error)
        return result
    if not candidates:
        return result

    seen = set()

    def add(record, device_id, device_name):
        if record["platform"] not in platforms:
            return
        for match in catalog.match_record(record):
            key = (device_id, match["ban"], record["name"], record["identifier"])
            if key not in seen:
                seen.add(key)
                result["findings"].append(_finding(match, device_id, device_name, summaries.get(device_id)))

    if method == "export":
        try:
            rows = intune.export_app_inventory({app["displayName"] for app in candidates if app.get("displayName")})
        except MDMError as error:
            # The export is one way to ask; the detected apps' device lists are another.
            result["problems"].append(f"{error}; used the detected apps' device lists instead")
            method = result["method"] = "detected_apps"
        else:
            for row in rows:
                device = summaries.get(row.get("DeviceId"))
                platform = device["platform"] if device else device_platform(row.get("Platform"))
                record = software_record(
                    row.get("ApplicationName"),
                    row.get("ApplicationShortVersion") or row.get("ApplicationVersion"),
                    row.get("ApplicationPublisher"),
                    platform,
                    row.get("ApplicationKey"),
                )
                add(record, row.get("DeviceId"), row.get("DeviceName"))
    if method == "detected_apps":
        found, failed = intune.devices_with_apps([app["id"] for app in candidates])
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
    result["findings"].sort(key=lambda f: (f["device_name"] or "", f["ban"], f["app"]["name"]))
    return result


# -- uninstall -------------------------------------------------------------------------------------


def banned_mobile_apps(catalog, mobile_apps, platforms=None):
    """[(mobile app, platform, [findings])] for Intune app objects the catalog matches."""
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


def plan_uninstall(catalog, mobile_apps, targets, platforms=None, remove_intents=REMOVABLE_INTENTS):
    """Assignment changes so every banned Intune app is assigned ``uninstall`` to ``targets``.

    Returns ``{"actions": [...], "apps": [...]}``. An assignment of a banned app
    with an intent in ``remove_intents`` is deleted (Required beats Uninstall on
    a device in both; Available keeps offering the app). Other assignments
    (exclusions) are left alone.
    """
    actions, apps = [], []
    wanted = {target_key(t): t for t in targets}
    for app, platform, matches in banned_mobile_apps(catalog, mobile_apps, platforms):
        bans = sorted({m["ban"] for m in matches})
        base = {"app_id": app["id"], "app": app.get("displayName"), "bans": bans}
        before, after, kept = [], [], set()
        for assignment in app.get("assignments") or []:
            target = assignment.get("target") or {}
            intent = assignment.get("intent")
            label = f"{intent}: {describe_target(target)}"
            before.append(label)
            if intent == "uninstall" and target_key(target) in wanted:
                kept.add(target_key(target))
            elif intent in remove_intents:
                actions.append(
                    {
                        **base,
                        "action": "delete",
                        "assignment_id": assignment.get("id"),
                        "intent": intent,
                        "target": target,
                    }
                )
                continue
            after.append(label)
        for key, target in wanted.items():
            if key not in kept:
                actions.append({**base, "action": "create", "intent": "uninstall", "target": target})
                after.append(f"uninstall: {describe_target(target)}")
        apps.append(
            {
                "id": app["id"],
                "name": app.get("displayName"),
                "platform": platform,
                "identifier": mobile_app_identifier(app),
                "bans": bans,
                "assignments_before": sorted(before),
                "assignments_after": sorted(after),
            }
        )
    return {"actions": actions, "apps": apps}


def enforceability(findings, managed_apps):
    """Split inventory findings into what an uninstall assignment can remove and what it cannot."""
    by_key = {}
    for app in managed_apps:
        by_key.setdefault((app["platform"], app["identifier"].casefold()), app)
        by_key.setdefault((app["platform"], str(app["name"] or "").casefold()), app)
    enforceable, not_enforceable = [], []
    for finding in findings:
        app = finding.get("app") or {}
        platform = finding.get("platform")
        managed = by_key.get((platform, str(app.get("identifier") or "").casefold())) or by_key.get(
            (platform, str(app.get("name") or "").casefold())
        )
        entry = {key: finding.get(key) for key in ("ban", "device_id", "device_name", "platform", "app")}
        if platform not in ("ios", "android"):
            not_enforceable.append(
                {**entry, "reason": f"{platform} apps are removed by the endpoint roles, not by Intune"}
            )
        elif managed is None:
            not_enforceable.append(
                {
                    **entry,
                    "reason": "Intune has no app object for this app, so it did not install it and an uninstall "
                    "assignment cannot remove it (a user-installed app)",
                }
            )
        else:
            note = "removed at the device's next check-in if Intune installed it; a user-installed copy stays"
            if platform == "ios" and not finding.get("supervised"):
                note += " (unsupervised iPhone: a user-installed copy cannot be taken over silently)"
            enforceable.append({**entry, "app_id": managed["id"], "note": note})
    return enforceable, not_enforceable


# -- block -------------------------------------------------------------------------------------------


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
    identifiers = blocked_identifiers(bans, platform)
    odata_type = CONFIG_TYPES[platform]
    existing = next(
        (c for c in configurations if c.get("displayName") == name and c.get("@odata.type") == odata_type), None
    )
    plan = {
        "action": "none",
        "id": None,
        "owned": existing is None or existing.get("description") == OWNED_MARKER,
        "body": {},
        "before": {},
        "after": {},
        "problems": [],
        "identifiers": identifiers,
    }
    if not identifiers:
        return plan
    if existing is None:
        body = {"@odata.type": odata_type, "displayName": name, "description": OWNED_MARKER}
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


# -- one result record per device for the fleet report -------------------------------------------------


def device_results(inventory_result, bans, mode="audit", uninstall=None, block=None, timestamp=None):
    """Host result records (docs/architecture.md) for every device the inventory listed or found.

    A device is ``unknown`` when its inventory is stale, limited to managed apps
    (a personal device) or the run could not read everything; never ``compliant``
    on data Intune could not give.
    """
    from ansible_collections.interdict.bans.plugins.module_utils.reporting import now_iso, slim_finding

    timestamp = timestamp or now_iso()
    ban_ids = [ban["id"] for ban in bans]
    ban_info = {
        ban["id"]: {"title": ban.get("title", ban["id"]), "authorities": ban.get("authorities", [])} for ban in bans
    }
    uninstall = uninstall or {}
    not_enforceable = {
        (e["device_id"], e["ban"], e["app"]["name"]): e["reason"] for e in uninstall.get("not_enforceable", ())
    }
    assigned = {(a["app"], b) for a in uninstall.get("actions", ()) for b in a.get("bans", ())}
    assigned |= {
        (app["name"], b)
        for app in uninstall.get("apps", ())
        for b in app["bans"]
        if "uninstall" in str(app["assignments_after"])
    }
    blocks_by_platform = {}
    for profile in (block or {}).get("configurations", ()):
        # Check mode always audits (the engine forces mode=audit), so "enforce" means the profile was written.
        state = "present" if mode == "enforce" else "planned"
        blocks_by_platform.setdefault(profile["platform"], []).append(
            {
                "method": "mdm_block",
                "rule": profile["name"],
                "state": state,
                "note": "; ".join(profile.get("problems") or ()),
            }
        )
    findings_by_device = {}
    for finding in inventory_result.get("findings", ()):
        findings_by_device.setdefault(finding["device_id"], []).append(finding)
    devices = {d["id"]: d for d in inventory_result.get("devices", ())}
    for device_id, found in findings_by_device.items():
        devices.setdefault(
            device_id,
            {"id": device_id, "name": found[0]["device_name"], "platform": found[0]["platform"], "inventory": "read"},
        )
    names = {}
    results = []
    complete = inventory_result.get("complete", False)
    problems = "; ".join(inventory_result.get("problems", ()))[:500]
    for device in sorted(devices.values(), key=lambda d: (str(d.get("name")), str(d.get("id")))):
        host = str(device.get("name") or device["id"])
        if host in names:
            host = f"{host}_{device['id']}"
        names[host] = True
        found = findings_by_device.get(device["id"], [])
        actions, per_ban, reasons = [], {}, []
        for finding in found:
            key = (device["id"], finding["ban"], finding["app"]["name"])
            step = f"{finding['ban']}:remove:mdm:{finding['app']['identifier'] or finding['app']['name']}"
            if key in not_enforceable:
                actions.append(
                    {
                        "step": step,
                        "ban": finding["ban"],
                        "kind": "remove",
                        "method": "mdm_uninstall",
                        "what": f"uninstall {finding['app']['name']}",
                        "outcome": "skipped",
                        "msg": not_enforceable[key],
                    }
                )
                reasons.append(f"{finding['app']['name']}: {not_enforceable[key]}")
            elif (finding["app"]["name"], finding["ban"]) in assigned and mode == "enforce":
                actions.append(
                    {
                        "step": step,
                        "ban": finding["ban"],
                        "kind": "remove",
                        "method": "mdm_uninstall",
                        "what": f"uninstall {finding['app']['name']}",
                        "outcome": "ok",
                        "msg": "uninstall assigned in Intune; removed at the device's next check-in",
                    }
                )
                reasons.append(f"{finding['app']['name']}: uninstall assigned, pending the device's next check-in")
            per_ban[finding["ban"]] = "non_compliant"
        if found:
            status = "non_compliant"
            reason = "found: " + ", ".join(sorted({f["app"]["name"] for f in found}))
            if reasons:
                reason += " (" + "; ".join(reasons) + ")"
        elif device.get("inventory") == "stale":
            status, reason = (
                "unknown",
                f"no Intune check-in since {device.get('last_sync') or 'ever'}: inventory too old",
            )
        elif device.get("inventory") == "managed_apps_only":
            status, reason = "unknown", "personal device: Intune reports only the apps it manages"
        elif not complete:
            status, reason = "unknown", f"Intune inventory incomplete: {problems}"
        else:
            status, reason = "compliant", ""
        for ban_id in ban_ids:
            per_ban.setdefault(ban_id, status if status != "non_compliant" else "compliant")
        results.append(
            {
                "host": host,
                "platform": device.get("platform") or "",
                "source": "mdm",
                "timestamp": timestamp,
                "mode": mode,
                "bans": ban_ids,
                "ban_info": ban_info,
                "status": status,
                "reason": reason,
                "per_ban": per_ban,
                "findings": [slim_finding(f) for f in found],
                "actions": actions,
                "remaining": [slim_finding(f) for f in found] if mode == "enforce" else [],
                "blocks": [
                    dict(b, ban=ban_id)
                    for b in blocks_by_platform.get(device.get("platform"), ())
                    for ban_id in ban_ids
                ],
                "skipped": [],
                "exceptions": [],
                "reboot_pending": False,
                "mdm": {
                    key: device.get(key)
                    for key in ("id", "ownership", "supervised", "compliance", "last_sync", "inventory")
                },
            }
        )
    return results
