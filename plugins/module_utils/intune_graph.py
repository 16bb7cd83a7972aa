# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft Intune through Microsoft Graph: the calls, the connection options and Graph's names.

Every request goes through the one ``MDMClient``; this module only knows which
endpoint holds what and how Graph names platforms, app types and assignment
targets. It decides nothing about bans (``intune_inventory`` reads,
``intune_changes`` computes writes, the controller plans).
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from datetime import datetime

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
ALL_DEVICES = {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}
GROUP_TARGET = "#microsoft.graph.groupAssignmentTarget"
EXCLUSION_TARGET = "#microsoft.graph.exclusionGroupAssignmentTarget"
HOSTNAME_FIELDS = {"device_name": "deviceName", "id": "id", "serial_number": "serialNumber"}


# -- Graph's names -> the catalog's platforms --------------------------------------------------------


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


def odata_quote(value):
    return "'" + str(value).replace("'", "''") + "'"


def target_key(target):
    kind = str(target.get("@odata.type", "")).rsplit(".", 1)[-1]
    return (kind, target.get("groupId") or "")


def is_exclusion(target):
    return target_key(target or {})[0] == EXCLUSION_TARGET.rsplit(".", 1)[-1]


def assignment_targets(group_ids):
    """Graph assignment targets: the given groups, or every device when none are given."""
    if not group_ids:
        return [dict(ALL_DEVICES)]
    return [{"@odata.type": GROUP_TARGET, "groupId": gid} for gid in group_ids]


def exclusion_targets(group_ids):
    return [{"@odata.type": EXCLUSION_TARGET, "groupId": gid} for gid in group_ids or ()]


def describe_target(target):
    kind, group = target_key(target)
    if kind == "exclusionGroupAssignmentTarget":
        return f"excluding group {group}"
    return f"group {group}" if group else {"allDevicesAssignmentTarget": "all devices"}.get(kind, kind)


def parse_graph_time(value):
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def host_names(devices, hostname="device_name"):
    """{device id: host name}: the device property ``hostname`` names, or its id; a repeated name gets ``_<id>``.

    The inventory plugin and the device results use this one naming, so an
    exception written for an inventory host matches the device in the report.
    ``devices`` are Graph managedDevice objects (or anything with those keys).
    """
    field = HOSTNAME_FIELDS[hostname]
    names = {}
    taken = set()
    ordered = sorted(devices, key=lambda d: (str(d.get(field) or d.get("id")), str(d.get("id"))))
    for device in ordered:
        name = str(device.get(field) or device.get("id"))
        if name in taken:
            name = f"{name}_{device.get('id')}"
        taken.add(name)
        names[device.get("id")] = name
    return names


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
        self.tenant_id = tenant_id
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

    # -- devices and apps they carry ---------------------------------------------------------------

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

    # -- app objects and their assignments --------------------------------------------------------------

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
        """Carry out assignment changes; deletes first, since Graph refuses a second assignment per target."""
        for action in sorted(actions, key=lambda a: a["action"] != "delete"):
            if action["action"] == "delete":
                self.delete_app_assignment(action["app_id"], action["assignment_id"])
            else:
                self.add_app_assignment(action["app_id"], action["intent"], action["target"])

    # -- restriction profiles ---------------------------------------------------------------------------

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
