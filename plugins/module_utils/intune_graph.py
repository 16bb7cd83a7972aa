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
import re
import time
import zipfile
from datetime import datetime

from ansible.module_utils.basic import env_fallback

from ansible_collections.interdict.bans.plugins.module_utils.catalog import BanError, validate_ban
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import (
    AmbiguousWriteError,
    ClientCredentials,
    MDMClient,
    MDMError,
    PagingError,
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
    "max_retry_after": {"type": "float", "default": 300.0},
    "poll_timeout": {"type": "float", "default": 900.0},
    "deadline": {"type": "float", "default": 3600.0},
    "max_pages": {"type": "int", "default": 10000},
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
    "deviceEnrollmentType",
    # managedDevice.deviceCategoryDisplayName (v1.0): the device category an admin or the user chose
    # (https://learn.microsoft.com/en-us/graph/api/resources/intune-devices-manageddevice).
    "deviceCategoryDisplayName",
)
# deviceEnrollmentType of a corporate-owned Android Enterprise device with a work profile: Intune reports only
# the apps in the work profile (value documented in the beta enum; the v1.0 enum may not carry it).
WORK_PROFILE_ENROLLMENT = "androidEnterpriseCorporateWorkProfile"
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
MOBILE_APP_PLATFORMS = {
    "ios": ("iosStoreApp", "managedIOSStoreApp", "iosVppApp", "iosLobApp", "managedIOSLobApp"),
    "android": ("androidManagedStoreApp", "androidStoreApp", "managedAndroidStoreApp", "androidLobApp"),
    "windows": ("win32LobApp", "windowsMobileMSI", "winGetApp", "windowsUniversalAppX", "windowsStoreApp"),
    "macos": ("macOSLobApp", "macOSDmgApp", "macOSPkgApp", "macOsVppApp", "macOSMicrosoftEdgeApp"),
}
ALL_DEVICES = {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}
GROUP_TARGET = "#microsoft.graph.groupAssignmentTarget"
EXCLUSION_TARGET = "#microsoft.graph.exclusionGroupAssignmentTarget"
APP_ID_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+")
HOSTNAME_FIELDS = {"device_name": "deviceName", "id": "id", "serial_number": "serialNumber"}
# Graph versions app objects are read from: managed Google Play apps (androidManagedStoreApp) are
# documented only in beta, so an app missing from v1.0 is still found there.
APP_ENDPOINTS = ("v1.0", "beta")
ENDPOINTS_KEY = "endpoints"  # added to each app object read: the Graph versions it was found on
OWNED_MARKER = "Banned apps (interdict.bans)"  # description tag of the profiles this collection creates
CREATE_ATTEMPTS = 3


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


def application_key_identifier(value):
    """The export's ApplicationKey when it has the shape of a bundle id or package name, else "".

    Microsoft does not document that ApplicationKey is the bundle id: a value of
    another shape (a GUID, a hash) is not used as an identifier, and the row is
    matched by its name and publisher instead.
    """
    value = str(value or "")
    return value if len(value) <= 255 and APP_ID_SHAPE.fullmatch(value) else ""


def app_endpoint(app):
    """The Graph version to write an app object's assignments through: v1.0 when it is there, else beta."""
    endpoints = app.get(ENDPOINTS_KEY) or ["v1.0"]
    return "v1.0" if "v1.0" in endpoints else endpoints[0]


def is_owned_profile(config):
    """A restrictions profile this collection created: its description carries the marker."""
    return OWNED_MARKER in str(config.get("description") or "")


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
        max_retry_after=300.0,
        poll_timeout=900.0,
        deadline=3600.0,
        max_pages=10000,
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
            max_retry_after=max_retry_after,
            deadline=deadline or None,
            max_pages=max_pages,
            validate_certs=validate_certs,
            sleep=sleep,
        )
        self.poll_timeout = poll_timeout
        self._sleep = sleep

    @classmethod
    def from_params(cls, params):
        return cls(**{key: params[key] for key in AUTH_ARGUMENT_SPEC if key in params})

    # -- devices and apps they carry ---------------------------------------------------------------

    def managed_devices(self, platforms=None):
        """Every managed device of the given platforms (all when None).

        No ``$filter``: Intune's filter on managedDevices is known to honour
        only the first clause of an ``or`` (and ``ne``/``in`` misbehave), and
        an ``eq`` on one value misses devices whose operatingSystem is spelled
        another way. The whole listing is read and filtered here, so no device
        of a platform asked for can be dropped by the server. A listing that
        fails part-way raises PagingError with the devices read so far
        (``partial``, already filtered).
        """
        params = {"$select": ",".join(DEVICE_FIELDS), "$top": "1000", "$count": "true"}

        def wanted(devices):
            return [d for d in devices if not platforms or device_platform(d.get("operatingSystem")) in platforms]

        try:
            devices = self.client.get_all("/v1.0/deviceManagement/managedDevices", params)
        except PagingError as error:
            error.partial = wanted(error.partial)
            raise
        return wanted(devices)

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
            if not isinstance(body, dict) or not isinstance(body.get("value") or [], list):
                failed[app_id] = f"detectedApps/{app_id}/managedDevices: HTTP {answer['status']}: not a Graph listing"
                continue
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

    def export_app_inventory(self, names, poll_timeout=None):
        """AppInvRawData rows for apps named ``names``: one export job per name, filtered with ``eq`` only.

        No ``or`` filter: a server that honoured only its first clause would
        drop every other app's rows without a word. The jobs run side by side
        under the client's concurrency cap. Any job that fails, does not finish
        within ``poll_timeout`` (or the deadline), or returns something that is
        not a zip of CSV files raises MDMError naming the endpoint and status.
        """
        poll_timeout = self.poll_timeout if poll_timeout is None else poll_timeout
        rows = []
        for _name, found, error in self.client.run_concurrently(
            lambda name: self._export_one(name, poll_timeout), sorted(set(names))
        ):
            if error is not None:
                raise error
            rows.extend(found)
        return rows

    def _export_one(self, name, poll_timeout):
        path = "/beta/deviceManagement/reports/exportJobs"
        body = {
            "reportName": "AppInvRawData",
            "format": "csv",
            "localizationType": "ReplaceLocalizableValues",
            "select": list(EXPORT_COLUMNS),
            "filter": f"(ApplicationName eq {odata_quote(name)})",
        }
        # A second report job, should a lost answer make one, is harmless: this POST may be sent again.
        response = self.client.request("POST", path, json_body=body, idempotent=True)
        job = response.json()
        if not job.get("id"):
            raise MDMError(
                f"{response.endpoint}: HTTP {response.status}: the export job has no id",
                endpoint=response.endpoint,
                status=response.status,
            )
        return self._export_rows(self._wait_for_export(job, poll_timeout))

    def _wait_for_export(self, job, poll_timeout):
        deadline = time.monotonic() + poll_timeout
        delay = 1.0
        path = f"/beta/deviceManagement/reports/exportJobs('{job['id']}')"
        endpoint = f"GET {self.client.url(path)}"
        while job.get("status") != "completed":
            if job.get("status") == "failed":
                raise MDMError(f"{endpoint}: export job {job['id']} failed", endpoint=endpoint, status=200)
            if time.monotonic() > deadline:
                raise MDMError(f"{endpoint}: export job not completed after {poll_timeout:g} s", endpoint=endpoint)
            job = self.client.get_json(path)
            if job.get("status") != "completed":
                self.client.wait(delay, endpoint)
                delay = min(delay * 1.5, 10.0)
        if not job.get("url"):
            raise MDMError(f"{endpoint}: HTTP 200: the completed export job has no url", endpoint=endpoint, status=200)
        return job

    def _export_rows(self, job):
        # The download link is a storage SAS URL on another host: no bearer token goes with it.
        response = self.client.request("GET", job["url"], authenticated=False, headers={"Accept": "*/*"})
        rows = []
        try:
            with zipfile.ZipFile(io.BytesIO(response.body)) as zf:
                for member in zf.namelist():
                    if member.lower().endswith(".csv"):
                        text = zf.read(member).decode("utf-8-sig")
                        rows.extend(csv.DictReader(io.StringIO(text)))
        except (zipfile.BadZipFile, UnicodeDecodeError, csv.Error, ValueError, OSError) as error:
            # response.endpoint has no query: the SAS signature stays out of the message.
            raise MDMError(
                f"{response.endpoint}: HTTP {response.status}: the export is not a zip of CSV files "
                f"({type(error).__name__})",
                endpoint=response.endpoint,
                status=response.status,
            ) from None
        return rows

    # -- app objects and their assignments --------------------------------------------------------------

    def mobile_apps(self):
        """Every app object on v1.0 and beta, merged by id; each carries ``endpoints``, the versions it was on."""
        merged = {}
        for version in APP_ENDPOINTS:
            for app in self.client.get_all(f"/{version}/deviceAppManagement/mobileApps", {"$expand": "assignments"}):
                app_id = app.get("id")
                if not app_id:
                    continue
                entry = merged.get(app_id)
                if entry is None:
                    merged[app_id] = dict(app, **{ENDPOINTS_KEY: [version]})
                else:
                    # The first version read keeps its fields; beta fills in what v1.0 does not have.
                    for key, value in app.items():
                        entry.setdefault(key, value)
                    entry[ENDPOINTS_KEY].append(version)
        return list(merged.values())

    def create_once(self, create, find, what):
        """Create something exactly once: after an ambiguous failure, re-read and create only if still missing.

        ``create()`` sends the POST; ``find()`` re-reads and returns the object
        when it now exists (the lost answer had committed it), else None.
        Returns ``(object, recovered)``.
        """
        last = None
        for _attempt in range(CREATE_ATTEMPTS):
            try:
                return create(), False
            except AmbiguousWriteError as error:
                self.client.count("ambiguous_writes")
                last = error
                found = find()
                if found is not None:
                    return found, True
        raise MDMError(
            f"{last}; {what} is still missing after {CREATE_ATTEMPTS} attempts, each re-read",
            endpoint=last.endpoint,
            status=last.status,
        )

    def app_assignments(self, app_id, version="v1.0"):
        return self.client.get_all(f"/{version}/deviceAppManagement/mobileApps/{app_id}/assignments")

    def add_app_assignment(self, app_id, intent, target, version="v1.0"):
        body = {"@odata.type": "#microsoft.graph.mobileAppAssignment", "intent": intent, "target": target}
        path = f"/{version}/deviceAppManagement/mobileApps/{app_id}/assignments"

        def find():
            return next(
                (
                    a
                    for a in self.app_assignments(app_id, version)
                    if a.get("intent") == intent and target_key(a.get("target") or {}) == target_key(target)
                ),
                None,
            )

        created, _recovered = self.create_once(
            lambda: self.client.request("POST", path, json_body=body).json(), find, f"the {intent} assignment"
        )
        return created

    def delete_app_assignment(self, app_id, assignment_id, version="v1.0"):
        self.client.request("DELETE", f"/{version}/deviceAppManagement/mobileApps/{app_id}/assignments/{assignment_id}")

    def apply_assignment_actions(self, actions):
        """Carry out assignment changes; deletes first, since Graph refuses a second assignment per target."""
        for action in sorted(actions, key=lambda a: a["action"] != "delete"):
            version = action.get("endpoint") or "v1.0"
            if action["action"] == "delete":
                self.delete_app_assignment(action["app_id"], action["assignment_id"], version)
            else:
                self.add_app_assignment(action["app_id"], action["intent"], action["target"], version)

    # -- restriction profiles ---------------------------------------------------------------------------

    def device_configurations(self):
        return self.client.get_all("/v1.0/deviceManagement/deviceConfigurations")

    def create_configuration(self, body):
        """Create a restrictions profile once; a lost answer is recovered by its name, type and description."""

        def find():
            return next(
                (
                    c
                    for c in self.device_configurations()
                    if c.get("displayName") == body.get("displayName")
                    and c.get("@odata.type") == body.get("@odata.type")
                    and c.get("description") == body.get("description")
                ),
                None,
            )

        created, _recovered = self.create_once(
            lambda: self.client.request("POST", "/v1.0/deviceManagement/deviceConfigurations", json_body=body).json(),
            find,
            f"the profile {body.get('displayName')!r}",
        )
        return created

    def delete_configuration(self, config_id):
        self.client.request("DELETE", f"/v1.0/deviceManagement/deviceConfigurations/{config_id}")

    def delete_configuration_assignment(self, config_id, assignment_id):
        self.client.request(
            "DELETE", f"/v1.0/deviceManagement/deviceConfigurations/{config_id}/assignments/{assignment_id}"
        )

    def update_configuration(self, config_id, body):
        self.client.request("PATCH", f"/v1.0/deviceManagement/deviceConfigurations/{config_id}", json_body=body)

    def configuration_assignments(self, config_id):
        return self.client.get_all(f"/v1.0/deviceManagement/deviceConfigurations/{config_id}/assignments")

    def assign_configuration(self, config_id, target):
        def find():
            return next(
                (
                    a
                    for a in self.configuration_assignments(config_id)
                    if target_key(a.get("target") or {}) == target_key(target)
                ),
                None,
            )

        created, _recovered = self.create_once(
            lambda: self.client.request(
                "POST",
                f"/v1.0/deviceManagement/deviceConfigurations/{config_id}/assignments",
                json_body={"@odata.type": "#microsoft.graph.deviceConfigurationAssignment", "target": target},
            ).json(),
            find,
            f"the profile assignment to {describe_target(target)}",
        )
        return created

    # -- compliance policies ----------------------------------------------------------------------------

    def compliance_policies(self):
        return self.client.get_all("/v1.0/deviceManagement/deviceCompliancePolicies")

    def create_compliance_policy(self, body):
        """Create a compliance policy once; a lost answer is recovered by its name, type and description."""

        def find():
            return next(
                (
                    p
                    for p in self.compliance_policies()
                    if p.get("displayName") == body.get("displayName")
                    and p.get("@odata.type") == body.get("@odata.type")
                    and p.get("description") == body.get("description")
                ),
                None,
            )

        created, _recovered = self.create_once(
            lambda: self.client.request(
                "POST", "/v1.0/deviceManagement/deviceCompliancePolicies", json_body=body
            ).json(),
            find,
            f"the compliance policy {body.get('displayName')!r}",
        )
        return created

    def update_compliance_policy(self, policy_id, body):
        self.client.request("PATCH", f"/v1.0/deviceManagement/deviceCompliancePolicies/{policy_id}", json_body=body)

    def delete_compliance_policy(self, policy_id):
        self.client.request("DELETE", f"/v1.0/deviceManagement/deviceCompliancePolicies/{policy_id}")

    def compliance_policy_assignments(self, policy_id):
        return self.client.get_all(f"/v1.0/deviceManagement/deviceCompliancePolicies/{policy_id}/assignments")

    def set_compliance_policy_assignments(self, policy_id, targets):
        """``assign`` replaces the policy's whole assignment list, so sending it again is harmless."""
        self.client.request(
            "POST",
            f"/v1.0/deviceManagement/deviceCompliancePolicies/{policy_id}/assign",
            json_body={
                "assignments": [
                    {"@odata.type": "#microsoft.graph.deviceCompliancePolicyAssignment", "target": target}
                    for target in targets
                ]
            },
            idempotent=True,
        )
