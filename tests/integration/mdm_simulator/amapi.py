# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A simulated Android Management API (AMAPI) enterprise on loopback, beside the Intune one.

No real AMAPI enterprise is reachable from the test machines. This server
answers with the shapes Google documents, each cited where it is built, and
shares the Intune simulator's fault machinery (``Simulator.pick_fault``:
latency, 429 with and without Retry-After, 5xx, connection resets; tokens
that die early; ``/_sim/`` control endpoints). AMAPI's own quirks are added:
pages shorter than asked for while more follow, a ``nextPageToken`` that
points back at a page already read, a device listing that always fails,
policies that cannot be read, policies with application reports off.

State changes at check-in (``POST /_sim/sync``), as a real device's does: a
package BLOCKED in a device's policy is uninstalled from it, and only then
does its next status report (``applicationReports``, ``lastStatusReportTime``)
say so. A work-profile device's personal apps are in ``truth`` but in no
report and out of any policy's reach.
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import secrets
import sys
import threading
import time
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .fleet import BANNED_APPS, COMMON_APPS, EPOCH
from .server import GraphError, GraphHandler, Simulator

SCOPE = "https://www.googleapis.com/auth/androidmanagement"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Policy.applications[].installType values (pub.dev googleapis androidmanagement_v1 ApplicationPolicy/installType).
INSTALL_TYPES = (
    "INSTALL_TYPE_UNSPECIFIED",
    "PREINSTALLED",
    "FORCE_INSTALLED",
    "BLOCKED",
    "AVAILABLE",
    "REQUIRED_FOR_SETUP",
    "KIOSK",
    "CUSTOM",
)
MAX_PAGE_SIZE = 100  # devices.list pageSize: "The maximum value is 100"; unspecified gives at most 10
POLICY_ROUTE = re.compile(r"^/v1/enterprises/(?P<enterprise>[^/]+)/policies/(?P<policy>[^/]+)$")
DEVICES_ROUTE = re.compile(r"^/v1/enterprises/(?P<enterprise>[^/]+)/devices$")
DEVICE_ROUTE = re.compile(r"^/v1/enterprises/(?P<enterprise>[^/]+)/devices/(?P<device>[^/]+)$")
POLICIES_ROUTE = re.compile(r"^/v1/enterprises/(?P<enterprise>[^/]+)/policies$")
# The customer's policies: (id, share of devices, application reports on). "legacy" predates reporting.
POLICIES = (("default", 0.82, True), ("kiosk", 0.15, True), ("legacy", 0.03, False))
AMAPI_FAULTS = {
    "short_pages": False,  # pages shorter than the pageSize asked for, while more follow
    "repeat_page_token": False,  # the second page's nextPageToken points back at the first page
    "policy_status": None,  # an HTTP status every policies.get answers with
}


def _b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class AmapiDevice:
    __slots__ = ("apps", "id", "index", "outside", "ownership", "policy", "reported", "serial", "synced", "work")


class AmapiFleet:
    """The enterprise's devices, the apps on them and its policies; same seed, same enterprise."""

    def __init__(self, devices=1000, seed=42, infected_rate=0.02, stale_rate=0.01, work_profile_rate=0.2):
        self.lock = threading.RLock()
        self.now = EPOCH
        rng = random.Random(seed)
        self.common = [(name, version, identifier) for name, version, _p, identifier, _m in COMMON_APPS["android"]]
        self.banned = [(name, version, identifier) for name, version, _p, identifier in BANNED_APPS["android"]]
        self.banned_ids = {identifier for _n, _v, identifier in self.banned}
        self.names = {identifier: (name, version) for name, version, identifier in self.common + self.banned}
        self.policies = {}
        for policy_id, _share, reports in POLICIES:
            # Policy resource fields: name, version, applications[] (ApplicationPolicy packageName/installType),
            # playStoreMode, statusReportingSettings.applicationReportsEnabled and
            # .applicationReportingSettings.includeRemovedApps (developers.google.com/android/management/reference/
            # rest/v1/enterprises.policies; field names confirmed in the Ruby/.NET client docs).
            self.policies[policy_id] = {
                "version": "3",
                "playStoreMode": "BLACKLIST",
                "applications": [
                    {"packageName": "com.microsoft.office.outlook", "installType": "FORCE_INSTALLED"},
                    {"packageName": "com.microsoft.teams", "installType": "FORCE_INSTALLED"},
                    # Allowed before the ban: the change must turn it BLOCKED in place, not add a second entry.
                    {"packageName": "com.zhiliaoapp.musically", "installType": "AVAILABLE"},
                    {
                        "packageName": "com.whatsapp",
                        "installType": "AVAILABLE",
                        "managedConfiguration": {"backup": False},
                    },
                ],
                "statusReportingSettings": {
                    "applicationReportsEnabled": reports,
                    "deviceSettingsEnabled": True,
                    "applicationReportingSettings": {"includeRemovedApps": True},
                },
                "passwordPolicies": [{"passwordMinimumLength": 6, "passwordQuality": "NUMERIC"}],
            }
        self.devices = []
        self.by_id = {}
        for index in range(devices):
            device = AmapiDevice()
            device.index = index
            device.id = uuid.UUID(int=rng.getrandbits(128), version=4).hex[:16]
            draw = rng.random()
            cumulative = 0.0
            for policy_id, share, _reports in POLICIES:  # noqa: B007 - the loop picks the policy
                cumulative += share
                if draw < cumulative:
                    break
            device.policy = policy_id
            device.work = rng.random() < work_profile_rate
            device.ownership = "PERSONALLY_OWNED" if device.work else "COMPANY_OWNED"
            device.serial = f"AMA{index:09d}"
            device.synced = 24 * 40 + rng.random() * 24 if rng.random() < stale_rate else rng.random() * 48
            picked = [entry[2] for entry in rng.sample(self.common, rng.randint(3, 8))]
            device.apps = set(picked)
            device.outside = set()
            if rng.random() < infected_rate:
                for _name, _version, identifier in rng.sample(self.banned, 2 if rng.random() < 0.1 else 1):
                    # On a work-profile device a third of the banned copies sit in the personal profile.
                    (device.outside if device.work and rng.random() < 0.33 else device.apps).add(identifier)
            device.reported = set(device.apps)
            self.devices.append(device)
            self.by_id[device.id] = device

    def blocked(self, policy_id):
        return {
            app.get("packageName")
            for app in self.policies[policy_id]["applications"]
            if app.get("installType") == "BLOCKED"
        }

    def to_device(self, device, enterprise):
        """One Device resource (developers.google.com/android/management/reference/rest/v1/enterprises.devices)."""
        policy = f"{enterprise}/policies/{device.policy}"
        reported = self.now - timedelta(hours=device.synced)
        payload = {
            "name": f"{enterprise}/devices/{device.id}",
            "managementMode": "PROFILE_OWNER" if device.work else "DEVICE_OWNER",
            "state": "ACTIVE",
            "appliedState": "ACTIVE",
            "policyCompliant": device.index % 13 != 0,
            "enrollmentTime": "2026-01-15T09:00:00.123456789Z",
            # RFC 3339 with nanoseconds, as Google's JSON mapping of Timestamp gives it.
            "lastStatusReportTime": reported.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z",
            "lastPolicySyncTime": reported.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "policyName": policy,
            "appliedPolicyName": policy,
            "appliedPolicyVersion": self.policies[device.policy]["version"],
            "apiLevel": 34,
            "ownership": device.ownership,
            "hardwareInfo": {
                "brand": "samsung",
                "hardware": "s5e9945",
                "manufacturer": "samsung",
                "model": "SM-S921B",
                "serialNumber": device.serial,
            },
            "softwareInfo": {"androidVersion": "14", "securityPatchLevel": "2026-10-01"},
        }
        if self.policies[device.policy]["statusReportingSettings"].get("applicationReportsEnabled"):
            # ApplicationReport: packageName, displayName, versionName, versionCode, state (INSTALLED/REMOVED),
            # applicationSource, installerPackageName (Ruby/.NET client docs of androidmanagement v1).
            payload["applicationReports"] = [
                {
                    "packageName": identifier,
                    "displayName": self.names[identifier][0],
                    "versionName": self.names[identifier][1],
                    "versionCode": 1000 + len(identifier),
                    "state": "INSTALLED",
                    "applicationSource": "INSTALLED_FROM_PLAY_STORE",
                    "installerPackageName": "com.android.vending",
                }
                for identifier in sorted(device.reported)
            ]
        return payload

    def sync(self, device_ids=None, advance_hours=1.0):
        """Devices check in: BLOCKED packages of their policy are uninstalled, then they report. Returns removals."""
        removed = []
        with self.lock:
            self.now += timedelta(hours=advance_hours)
            wanted = None if device_ids is None else set(device_ids)
            for device in self.devices:
                if wanted is not None and device.id not in wanted:
                    continue
                blocked = self.blocked(device.policy)
                for identifier in sorted(device.apps & blocked):
                    device.apps.discard(identifier)
                    removed.append({"device_id": device.id, "app": self.names[identifier][0]})
                device.reported = set(device.apps)
                device.synced = 0.0
        return removed

    def truth(self):
        """Every banned app really on a device, in a report or not (the tests' ground truth)."""
        with self.lock:
            out = []
            for device in self.devices:
                for identifier in sorted((device.apps | device.outside) & self.banned_ids):
                    out.append(
                        {
                            "device_id": device.id,
                            "device_name": device.serial,
                            "platform": "android",
                            "app": self.names[identifier][0],
                            "identifier": identifier,
                            "policy": device.policy,
                            "visible": identifier in device.apps
                            and self.policies[device.policy]["statusReportingSettings"]["applicationReportsEnabled"],
                            "stale": device.synced > 24 * 30,
                        }
                    )
            return out


class AmapiSimulator(Simulator):
    """The simulated enterprise behind a ThreadingHTTPServer on 127.0.0.1 (the Intune simulator's machinery)."""

    def __init__(self, fleet=None, enterprise_id="LC00sim42", page_size=MAX_PAGE_SIZE, faults=None, **fleet_options):
        super().__init__(fleet=fleet or AmapiFleet(**fleet_options), tenant_id=enterprise_id, page_size=page_size)
        self.faults = {**self.faults, **AMAPI_FAULTS, **(faults or {})}
        self.enterprise = f"enterprises/{enterprise_id}"
        self.client_email = "interdict-sim@interdict-sim.iam.gserviceaccount.com"
        self._private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._public_key = self._private_key.public_key()
        self.key_id = secrets.token_hex(20)

    def start(self, port=0, host="127.0.0.1"):
        simulator = self

        class Handler(AmapiHandler):
            sim = simulator

        from http.server import ThreadingHTTPServer

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 256
        self.thread = threading.Thread(target=self.server.serve_forever, name="amapi-simulator", daemon=True)
        self.thread.start()
        return self

    def set_faults(self, **faults):
        super().set_faults(**faults)
        with self._lock:
            self.faults = {**AMAPI_FAULTS, **self.faults, **faults}

    # -- what clients are given -----------------------------------------------------------------------

    @property
    def token_url(self):
        return f"{self.url}/token"

    def service_account_info(self):
        """The service account key file Google issues (type, client_email, private_key, token_uri...)."""
        pem = self._private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        return {
            "type": "service_account",
            "project_id": "interdict-sim",
            "private_key_id": self.key_id,
            "private_key": pem,
            "client_email": self.client_email,
            "client_id": "100000000000000000042",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_url,
        }

    def service_account_key(self):
        return json.dumps(self.service_account_info())

    def module_args(self):
        return {"enterprise": self.enterprise, "service_account_key": self.service_account_key(), "api_url": self.url}

    def client_env(self):
        """AMAPI_* variables pointing clients at this simulator, as an AWX credential would inject them."""
        return {
            "AMAPI_ENTERPRISE": self.enterprise,
            "AMAPI_SERVICE_ACCOUNT_KEY": self.service_account_key(),
            "AMAPI_API_URL": self.url,
        }

    # -- auth: the JWT bearer grant (developers.google.com/identity/protocols/oauth2/service-account) ----------

    def issue_token(self, form):
        if form.get("grant_type") != JWT_BEARER:
            raise GraphError(400, "unsupported_grant_type", "Invalid grant_type")
        parts = str(form.get("assertion") or "").split(".")
        if len(parts) != 3:
            raise GraphError(400, "invalid_grant", "Invalid JWT.")
        try:
            header = json.loads(_b64decode(parts[0]))
            claims = json.loads(_b64decode(parts[1]))
            self._public_key.verify(
                _b64decode(parts[2]), f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (ValueError, InvalidSignature):
            raise GraphError(400, "invalid_grant", "Invalid JWT Signature.") from None
        now = time.time()
        if header.get("alg") != "RS256" or claims.get("iss") != self.client_email:
            raise GraphError(400, "invalid_grant", "Invalid JWT: iss or alg.")
        if claims.get("aud") != self.token_url:
            raise GraphError(400, "invalid_grant", "Invalid JWT: Failed audience check.")
        if not isinstance(claims.get("exp"), int) or not isinstance(claims.get("iat"), int):
            raise GraphError(400, "invalid_grant", "Invalid JWT: exp and iat are required.")
        if claims["exp"] - claims["iat"] > 3600 or claims["exp"] < now or claims["iat"] > now + 300:
            raise GraphError(400, "invalid_grant", "Invalid JWT: Token must be a short-lived token.")
        if SCOPE not in str(claims.get("scope", "")).split():
            raise GraphError(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        token = "ya29.sim-" + secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[token] = time.monotonic()
        return {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    # -- AMAPI routes ---------------------------------------------------------------------------------------

    def dispatch(self, method, path, query, body, base):
        devices = DEVICES_ROUTE.match(path)
        if devices and method == "GET":
            self._enterprise(devices.group("enterprise"))
            if self.faults.get("listing_status"):
                raise GraphError(
                    int(self.faults["listing_status"]), "UNAVAILABLE", "The service is currently unavailable."
                )
            return self._devices(query)
        one = DEVICE_ROUTE.match(path)
        if one and method == "GET":
            # devices.get: one Device (reference/rest/v1/enterprises.devices/get), what a per-device crawl asks.
            self._enterprise(one.group("enterprise"))
            with self.fleet.lock:
                device = self.fleet.by_id.get(one.group("device"))
                if device is None:
                    raise GraphError(404, "NOT_FOUND", "Requested entity was not found.")
                return 200, {}, self.fleet.to_device(device, self.enterprise), "devices/get"
        listing = POLICIES_ROUTE.match(path)
        if listing and method == "GET":
            # policies.list: {policies, nextPageToken} (reference/rest/v1/enterprises.policies/list).
            self._enterprise(listing.group("enterprise"))
            with self.fleet.lock:
                names = sorted(self.fleet.policies)
            return 200, {}, {"policies": [self._render_policy(name) for name in names]}, "policies/list"
        policy = POLICY_ROUTE.match(path)
        if policy:
            self._enterprise(policy.group("enterprise"))
            return self._policy(method, policy.group("policy"), query, body)
        raise GraphError(404, "NOT_FOUND", f"Requested entity was not found: {path}")

    def _enterprise(self, enterprise_id):
        if f"enterprises/{enterprise_id}" != self.enterprise:
            raise GraphError(403, "PERMISSION_DENIED", "The caller does not have permission")

    def _devices(self, query):
        """devices.list: ``{devices, nextPageToken}`` (reference/rest/v1/enterprises.devices/list)."""
        fleet = self.fleet
        size = min(int(query.get("pageSize") or 10), MAX_PAGE_SIZE, self.page_size)
        if self.faults.get("short_pages"):
            size = max(1, size * 2 // 3 - 1)
        offset = 0
        if query.get("pageToken"):
            try:
                offset = int(_b64decode(query["pageToken"]).decode().split(":")[1])
            except (ValueError, IndexError, UnicodeDecodeError):
                raise GraphError(400, "INVALID_ARGUMENT", "Invalid page token.") from None
        unlisted = set(self.faults.get("unlisted_devices") or ())
        with fleet.lock:
            listed = [d for d in fleet.devices if d.id not in unlisted] if unlisted else fleet.devices
            page = [fleet.to_device(d, self.enterprise) for d in listed[offset : offset + size]]
            payload = {"devices": page}
            if offset + size < len(listed):
                following = offset + size
                if self.faults.get("repeat_page_token") and offset > 0:
                    following = 0
                    self._note("devices", "repeat_page_token")
                payload["nextPageToken"] = base64.urlsafe_b64encode(f"page:{following}".encode()).decode().rstrip("=")
        return 200, {}, payload, "devices"

    def _policy(self, method, policy_id, query, body):
        fleet = self.fleet
        with fleet.lock:
            policy = fleet.policies.get(policy_id)
            if method == "GET":
                if self.faults.get("policy_status"):
                    raise GraphError(int(self.faults["policy_status"]), "UNAVAILABLE", "The service is unavailable.")
                if policy is None:
                    raise GraphError(404, "NOT_FOUND", "Requested entity was not found.")
                return 200, {}, self._render_policy(policy_id), "policies/get"
            if method == "PATCH":
                # policies.patch: "If [updateMask is] not set, all modifiable fields will be modified", so a body
                # without the other fields would clear them (reference/rest/v1/enterprises.policies/patch).
                body = body or {}
                mask = [field for field in str(query.get("updateMask") or "").split(",") if field]
                applications = body.get("applications") or []
                if len(applications) > 3000:
                    raise GraphError(400, "INVALID_ARGUMENT", "Too many applications (at most 3000).")
                for app in applications:
                    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+", str(app.get("packageName", ""))):
                        raise GraphError(400, "INVALID_ARGUMENT", "Invalid packageName.")
                    if app.get("installType", "INSTALL_TYPE_UNSPECIFIED") not in INSTALL_TYPES:
                        raise GraphError(400, "INVALID_ARGUMENT", "Invalid installType.")
                if policy is None:
                    policy = fleet.policies[policy_id] = {"version": "0"}
                if mask:
                    for field in mask:
                        if field not in ("applications",) and field not in body:
                            raise GraphError(400, "INVALID_ARGUMENT", f"Unknown field in update mask: {field}")
                        policy[field] = body.get(field)
                else:
                    kept = policy.get("version", "0")
                    policy.clear()
                    policy.update({k: v for k, v in body.items() if k not in ("name", "version")})
                    policy["version"] = kept
                policy["version"] = str(int(policy.get("version") or 0) + 1)
                return 200, {}, self._render_policy(policy_id), "policies/patch"
        raise GraphError(405, "METHOD_NOT_ALLOWED", f"{method} not supported here")

    def _render_policy(self, policy_id):
        return json.loads(
            json.dumps({"name": f"{self.enterprise}/policies/{policy_id}", **self.fleet.policies[policy_id]})
        )


def _google_error(status, code, message):
    """Google's JSON error shape: {error: {code, message, status}} (cloud.google.com/apis/design/errors)."""
    return {"error": {"code": status, "message": message, "status": code}}


class AmapiHandler(GraphHandler):
    """Routes AMAPI requests; faults, resets and ``/_sim/`` control are the Intune handler's (their error bodies
    are Graph's shape, which the client reads the same way)."""

    sim: AmapiSimulator
    server_version = "amapi-simulator/1.0"

    def _handle(self, method):
        sim = self.sim
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if url.path.startswith("/_sim/"):
            return self._control(method, url.path, raw)
        if self._fault(url.path):  # the shared faults: latency, 429 with and without Retry-After, 5xx, resets
            return None
        try:
            if url.path == "/token" and method == "POST":
                sim._note("token")
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                return self._send(200, sim.issue_token(form))
            sim.check_token(self.headers.get("Authorization"))
            body = json.loads(raw) if raw else None
            status, headers, payload, route = sim.dispatch(method, url.path, query, body, "")
            sim._note(route)
            return self._send(status, payload, headers)
        except GraphError as error:
            if url.path == "/token":
                payload = {"error": error.code, "error_description": error.message}
            elif error.status == 401:
                payload = _google_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
            else:
                payload = _google_error(error.status, error.code, error.message)
            return self._send(error.status, payload, error.headers)
        except (ValueError, KeyError) as error:
            return self._send(400, _google_error(400, "INVALID_ARGUMENT", str(error)))


def main(argv=None):
    """python -m tests.integration.mdm_simulator.amapi --devices 50000 [--latency-ms 20] --env-file FILE"""
    import argparse

    parser = argparse.ArgumentParser(description="Simulated Android Management API enterprise on 127.0.0.1.")
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--infected-rate", type=float, default=0.02)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--key-file", help="write the service account key file here (default: beside --env-file)")
    parser.add_argument("--env-file", help="write AMAPI_* variables for the clients here (the key file's path)")
    args = parser.parse_args(argv)
    if not (args.key_file or args.env_file):
        parser.error("--key-file or --env-file is needed: the clients need the service account key")
    key_file = args.key_file or f"{args.env_file}.key.json"
    sim = AmapiSimulator(
        devices=args.devices, seed=args.seed, infected_rate=args.infected_rate, faults={"latency_ms": args.latency_ms}
    ).start(port=args.port)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(sim.service_account_key())
    if args.env_file:
        settings = {"AMAPI_ENTERPRISE": sim.enterprise, "AMAPI_API_URL": sim.url}
        settings["AMAPI_SERVICE_ACCOUNT_FILE"] = key_file
        with open(args.env_file, "w", encoding="utf-8") as handle:
            handle.writelines(f"export {key}={value}\n" for key, value in settings.items())
    # The key goes to the key file only; stdout says where the enterprise is.
    print(json.dumps({"url": sim.url, "enterprise": sim.enterprise, "devices": args.devices}), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
