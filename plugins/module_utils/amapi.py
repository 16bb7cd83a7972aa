# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Google's Android Management API (AMAPI): service-account auth, the calls, evidence and the policy change.

Every request goes through the one ``MDMClient`` (retries, Retry-After, token
refresh, paging with loop detection, redaction). This module knows where
AMAPI keeps what (sources in docs/mdm.md):

- ``enterprises.devices.list``: pages of at most 100 devices, ``nextPageToken``;
  each device carries ``applicationReports`` only when its policy turns
  application reports on (``statusReportingSettings.applicationReportsEnabled``).
- ``enterprises.policies.get`` / ``patch?updateMask=applications``: a package
  with ``installType: BLOCKED`` cannot be installed and is uninstalled where it
  was, so one patch removes and blocks.

It decides nothing about status: each device gets its evidence
(``contract.source_state``) and the controller plans and judges.

Auth is the OAuth2 JWT bearer grant (RFC 7523) of a Google service account: an
RS256-signed assertion exchanged at ``https://oauth2.googleapis.com/token``.
It is signed here with ``cryptography`` (already an ansible-core dependency)
rather than with ``google-auth``: google-auth is not in ansible-core's
dependencies or in a stock execution environment, and its transport would
bypass the shared client's retries, deadline and redaction. The signing is a
dozen lines; everything else is the shared client's.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from datetime import datetime, timedelta, timezone

from ansible.module_utils.basic import env_fallback

from ansible_collections.interdict.bans.plugins.module_utils import contract
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import (
    ClientCredentials,
    MDMClient,
    MDMError,
    PagingError,
)
from ansible_collections.interdict.bans.plugins.module_utils.mdm_provider import MDMProvider

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - cryptography comes with ansible-core
    HAS_CRYPTOGRAPHY = False

SOURCE = "amapi"
API_URL = "https://androidmanagement.googleapis.com"
TOKEN_URL = "https://oauth2.googleapis.com/token"
SCOPE = "https://www.googleapis.com/auth/androidmanagement"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = 3600  # Google accepts an assertion for at most one hour
PAGE_SIZE = 100  # devices.list: "The maximum value is 100; values above 100 will be coerced to 100"
MAX_POLICY_APPLICATIONS = 3000  # Policy.applications holds at most 3,000 entries
MAX_KEY_BYTES = 64 * 1024
BLOCKED = "BLOCKED"
INSTALLED = "INSTALLED"
HOSTNAME_FIELDS = ("serial_number", "id")
ENTERPRISE = re.compile(r"^(?:enterprises/)?(?P<id>[A-Za-z0-9_-]{1,100})$")
POLICY = re.compile(r"^(?:enterprises/(?P<enterprise>[A-Za-z0-9_-]{1,100})/policies/)?(?P<id>[A-Za-z0-9._-]{1,100})$")
DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
SERIAL = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+$")

AUTH_ARGUMENT_SPEC = {
    "enterprise": {"type": "str", "required": True, "fallback": (env_fallback, ["AMAPI_ENTERPRISE"])},
    "service_account_key": {
        "type": "str",
        "no_log": True,
        "fallback": (env_fallback, ["AMAPI_SERVICE_ACCOUNT_KEY"]),
    },
    "service_account_file": {
        "type": "path",
        "fallback": (env_fallback, ["AMAPI_SERVICE_ACCOUNT_FILE", "GOOGLE_APPLICATION_CREDENTIALS"]),
    },
    "api_url": {"type": "str", "default": API_URL, "fallback": (env_fallback, ["AMAPI_API_URL"])},
    "token_url": {"type": "str", "no_log": False, "fallback": (env_fallback, ["AMAPI_TOKEN_URL"])},  # a URL
    "request_timeout": {"type": "int", "default": 30},
    "max_concurrency": {"type": "int", "default": 4},
    "max_retries": {"type": "int", "default": 6},
    "max_retry_after": {"type": "float", "default": 300.0},
    "deadline": {"type": "float", "default": 3600.0},
    "max_pages": {"type": "int", "default": 10000},
    "validate_certs": {"type": "bool", "default": True},
}


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_service_account(key=None, path=None):
    """The service account key (the JSON Google issues) from ``key`` (its text) or ``path``.

    Errors say which input and what is wrong with it, never any of its content.
    """
    if key:
        where, text = "service_account_key", key
    elif path:
        where = f"service_account_file {path}"
        try:
            if os.path.getsize(path) > MAX_KEY_BYTES:
                raise MDMError(f"{where}: larger than {MAX_KEY_BYTES} bytes: not a service account key")
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as error:
            raise MDMError(f"{where}: cannot be read ({error.strerror or type(error).__name__})") from None
        except UnicodeDecodeError:
            raise MDMError(f"{where}: not UTF-8 text: not a service account key") from None
    else:
        raise MDMError(
            "no service account key: set service_account_key (AMAPI_SERVICE_ACCOUNT_KEY) or "
            "service_account_file (AMAPI_SERVICE_ACCOUNT_FILE, GOOGLE_APPLICATION_CREDENTIALS)"
        )
    if len(text) > MAX_KEY_BYTES:
        raise MDMError(f"{where}: larger than {MAX_KEY_BYTES} bytes: not a service account key")
    try:
        info = json.loads(text)
    except ValueError:
        raise MDMError(f"{where}: not JSON: expected the service account key file Google issues") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise MDMError(f"{where}: not a service account key (its type must be service_account)")
    for field in ("client_email", "private_key"):
        if not isinstance(info.get(field), str) or not info[field]:
            raise MDMError(f"{where}: {field} is missing")
    return info


class ServiceAccountCredentials(ClientCredentials):
    """A Google service account's access token through the JWT bearer grant, cached and refreshed.

    The shared ``ClientCredentials`` does the caching, refreshing at 80% of the
    lifetime, invalidation after a 401 and serializing; only the grant differs.
    The private key, each assertion and each token are registered as secrets of
    the client, so no error message carries them.
    """

    def __init__(self, info, token_url=None, scope=SCOPE, clock=time.monotonic, wall_clock=time.time):
        if not HAS_CRYPTOGRAPHY:
            raise MDMError("the Python library cryptography is needed to sign the service account's token request")
        super().__init__(
            token_url or info.get("token_uri") or TOKEN_URL,
            info["client_email"],
            info["private_key"],
            scope=scope,
            clock=clock,
        )
        self.key_id = info.get("private_key_id") or ""
        self._wall_clock = wall_clock
        try:
            self._key = serialization.load_pem_private_key(info["private_key"].encode(), password=None)
        except (ValueError, TypeError):
            self._key = None
        if not isinstance(self._key, rsa.RSAPrivateKey):
            raise MDMError("service account key: private_key is not an unencrypted PEM RSA private key")

    def assertion(self):
        """The signed JWT (RS256) that asks for a token for ``scope``."""
        now = int(self._wall_clock())
        header = {"alg": "RS256", "typ": "JWT"}
        if self.key_id:
            header["kid"] = self.key_id
        claims = {"iss": self.client_id, "scope": self.scope, "aud": self.token_url, "iat": now}
        claims["exp"] = now + ASSERTION_LIFETIME
        signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + _b64(signature)

    def grant(self, client):
        assertion = self.assertion()
        client.add_secret(assertion)
        return {"grant_type": JWT_BEARER, "assertion": assertion}


def enterprise_name(value):
    """``enterprises/{id}`` from an enterprise id or name; anything else is refused."""
    found = ENTERPRISE.match(str(value or "").strip())
    if not found:
        raise MDMError(f"enterprise {str(value)[:120]!r} is not an enterprise id or enterprises/{{id}}")
    return f"enterprises/{found.group('id')}"


def policy_name(enterprise, value):
    """A policy's full name in this enterprise from a policy id or full name; another enterprise's is refused."""
    found = POLICY.match(str(value or "").strip())
    if not found or (found.group("enterprise") and f"enterprises/{found.group('enterprise')}" != enterprise):
        raise MDMError(f"policy {str(value)[:160]!r} is not a policy of {enterprise}")
    return f"{enterprise}/policies/{found.group('id')}"


def parse_time(value):
    """An RFC 3339 timestamp (AMAPI gives nanoseconds, which fromisoformat cannot take) as UTC, or None."""
    if not value:
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", str(value)).replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)  # noqa: UP017 - Python < 3.11 too


class AndroidManagement:
    """AMAPI calls for one enterprise. Every request goes through the one MDMClient."""

    def __init__(
        self,
        enterprise,
        credentials,
        api_url=API_URL,
        request_timeout=30,
        max_concurrency=4,
        max_retries=6,
        max_retry_after=300.0,
        deadline=3600.0,
        max_pages=10000,
        validate_certs=True,
        sleep=time.sleep,
        **_ignored,
    ):
        self.enterprise = enterprise_name(enterprise)
        self.tenant_id = self.enterprise
        self.client = MDMClient(
            api_url,
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

    @classmethod
    def from_params(cls, params, sleep=time.sleep):
        info = load_service_account(params.get("service_account_key"), params.get("service_account_file"))
        credentials = ServiceAccountCredentials(info, token_url=params.get("token_url") or None)
        options = {key: params[key] for key in AUTH_ARGUMENT_SPEC if key in params and params[key] is not None}
        for key in ("service_account_key", "service_account_file", "token_url"):
            options.pop(key, None)
        return cls(credentials=credentials, sleep=sleep, **options)

    def device_pages(self):
        """Pages of devices (``enterprises.devices.list``), followed by ``nextPageToken`` until it is absent."""
        return self.client.iter_pages(
            f"/v1/{self.enterprise}/devices",
            {"pageSize": PAGE_SIZE},
            items_key="devices",
            next_key="nextPageToken",
            count_key=None,
            token_param="pageToken",
        )

    def policy_names(self):
        """Every policy of the enterprise (``enterprises.policies.list``: ``policies``, ``nextPageToken``)."""
        names = []
        for page in self.client.iter_pages(
            f"/v1/{self.enterprise}/policies",
            {"pageSize": PAGE_SIZE},
            items_key="policies",
            next_key="nextPageToken",
            count_key=None,
            token_param="pageToken",
        ):
            names.extend(policy_name(self.enterprise, p.get("name")) for p in page if isinstance(p, dict))
        return sorted(set(names))

    def policy(self, name):
        return self.client.get_json(f"/v1/{policy_name(self.enterprise, name)}")

    def patch_applications(self, name, applications):
        """``policies.patch`` of the applications list only (``updateMask=applications``): nothing else changes."""
        return self.client.request(
            "PATCH",
            f"/v1/{policy_name(self.enterprise, name)}",
            params={"updateMask": "applications"},
            json_body={"applications": applications},
        ).json()


# -- inventory -----------------------------------------------------------------------------------------


def software_record(report):
    """A software record (contract.py) for one ApplicationReport."""
    return {
        "name": str(report.get("displayName") or report.get("packageName") or ""),
        "version": str(report.get("versionName") or ""),
        "publisher": "",
        "platform": "android",
        "source": "mdm",
        "identifier": str(report.get("packageName") or ""),
    }


def _device_summary(device, enterprise):
    name = str(device.get("name") or "")[:300]
    device_id = name.rsplit("/", 1)[-1]
    # Host data is hostile: an id or serial number that is not a plain token never becomes a host name.
    if not DEVICE_ID.match(device_id) or name != f"{enterprise}/devices/{device_id}":
        device_id = ""
    serial = str((device.get("hardwareInfo") or {}).get("serialNumber") or "")
    try:
        policy = policy_name(enterprise, device.get("appliedPolicyName") or device.get("policyName"))
    except MDMError:
        policy = ""
    ownership = {"COMPANY_OWNED": "company", "PERSONALLY_OWNED": "personal"}.get(device.get("ownership"), "unknown")
    compliant = device.get("policyCompliant")
    reports = device.get("applicationReports")
    return {
        "id": device_id,
        "name": name,
        "serial_number": serial if SERIAL.match(serial) else None,
        "platform": "android",
        "ownership": ownership,
        "supervised": False,
        "compliance": "unknown" if compliant is None else ("compliant" if compliant else "noncompliant"),
        "last_sync": device.get("lastStatusReportTime"),
        "policy": policy,
        "management_mode": device.get("managementMode") or "",
        "state": device.get("state") or "",
        "reports": len(reports) if isinstance(reports, list) else None,
        "inventory": "read",
        "listed": True,
    }


def _finding(match, summary):
    # ``mdm_scope``: the device's policy, the one place a change can remove this copy (mdm_provider.find_app).
    record = dict(
        match["software"],
        device_id=summary["id"],
        device_name=summary.get("host") or summary["id"],
        mdm_scope=summary["policy"],
    )
    return {
        "ban": match["ban"],
        "software": record,
        "rule": match["rule"],
        "device_id": summary["id"],
        "device_name": record["device_name"],
        "platform": "android",
        "ownership": summary["ownership"],
        "supervised": False,
        "policy": summary["policy"],
        "app": {key: record[key] for key in ("name", "version", "publisher", "identifier")},
    }


def reports_enabled(policy):
    """Whether a policy turns application reports on (True/False), read from the policy object."""
    settings = policy.get("statusReportingSettings") or {}
    return bool(settings.get("applicationReportsEnabled"))


def device_sources(device, complete, problems, policies, stale_after_days, listing_error=""):
    """The device's evidence: one ``amapi`` source state, the worst that applies, with its reason."""
    records = device.get("records", 0)
    if not device.get("listed"):
        reason = "not in the AMAPI device listing of this run" + (f" ({listing_error})" if listing_error else "")
        return [contract.source_state(SOURCE, "failed", records, reason)]
    if not complete:
        reason = "AMAPI inventory incomplete: " + ("; ".join(problems) or "a listing could not be read")
        return [contract.source_state(SOURCE, "failed", records, reason)]
    if device.get("inventory") == "stale":
        reason = (
            f"no AMAPI status report since {device.get('last_sync') or 'ever'} "
            f"(more than {stale_after_days} days): its app inventory is too old"
        )
        return [contract.source_state(SOURCE, "failed", records, reason)]
    policy = policies.get(device.get("policy")) or {}
    if policy.get("application_reports") is False:
        reason = (
            f"application reports are off in policy {device.get('policy')} "
            "(statusReportingSettings.applicationReportsEnabled): the device's apps are unknown"
        )
        return [contract.source_state(SOURCE, "failed", records, reason)]
    if not device.get("reports"):
        reason = "the device sent no application reports (application reporting is off or has not reported yet)"
        if policy.get("error"):
            reason += f"; its policy could not be read: {policy['error']}"
        return [contract.source_state(SOURCE, "failed", records, reason)]
    if device.get("management_mode") == "PROFILE_OWNER":
        reason = "work profile: AMAPI reports only the apps in the work profile; apps outside it are unknown"
        return [contract.source_state(SOURCE, "partial", records, reason)]
    return [contract.source_state(SOURCE, "read", records)]


def host_names(devices, hostname="serial_number"):
    """{device id: host name}: the serial number (or the id), a repeated name getting ``_<id>``."""
    names, taken = {}, set()
    field = "serial_number" if hostname == "serial_number" else "id"
    for device in sorted(devices, key=lambda d: (str(d.get(field) or d["id"]), str(d["id"]))):
        name = str(device.get(field) or device["id"])
        if name.lower() in taken:
            name = f"{name}_{device['id']}"
        taken.add(name.lower())
        names[device["id"]] = name
    return names


def inventory(api, catalog, stale_after_days=30, now=None, hostname="serial_number"):
    """Banned apps on the enterprise's devices, every device's evidence and every policy's reporting.

    One pass over ``devices.list`` (each page matched and dropped, so memory
    holds one page and the devices' summaries), then one ``policies.get`` per
    policy in use. Returns ``{provider, tenant_id, findings, devices,
    devices_scanned, complete, problems, listing_error, mdm_apps, policies}``;
    ``mdm_apps`` holds one entry per (policy, banned package) found, the unit
    one policy change removes.
    """
    now = now or datetime.now(timezone.utc)  # noqa: UP017
    stale_after = timedelta(days=stale_after_days)
    result = {
        "provider": "amapi",
        "tenant_id": api.enterprise,
        "findings": [],
        "devices": [],
        "devices_scanned": 0,
        "complete": True,
        "problems": [],
        "listing_error": "",
        "mdm_apps": [],
        "policies": [],
    }
    summaries = {}
    matches = []
    try:
        for page in api.device_pages():
            for device in page:
                if not isinstance(device, dict):
                    continue
                summary = _device_summary(device, api.enterprise)
                if not summary["id"]:
                    # Never dropped in silence: a device that cannot be named makes the listing incomplete.
                    result["complete"] = False
                    result["problems"].append(
                        f"devices.list gave a device whose name is not {api.enterprise}/devices/{{id}}: "
                        f"{str(device.get('name'))[:80]!r}"
                    )
                    continue
                if summary["id"] in summaries:
                    continue
                synced = parse_time(summary["last_sync"])
                if synced is None or now - synced > stale_after:
                    summary["inventory"] = "stale"
                summaries[summary["id"]] = summary
                for report in device.get("applicationReports") or ():
                    if not isinstance(report, dict) or report.get("state", INSTALLED) != INSTALLED:
                        continue  # a removed app (includeRemovedApps) is not on the device
                    for match in catalog.match_record(software_record(report)):
                        matches.append((summary["id"], match))
    except MDMError as error:
        # The pages read before the failure are real devices: they stay in the report (as unknown).
        result["listing_error"] = str(error)
        result["complete"] = False
        result["problems"].append(str(error))
    result["devices_scanned"] = len(summaries)

    policies = {}
    for name in sorted({s["policy"] for s in summaries.values() if s["policy"]}):
        entry = {"name": name, "application_reports": None, "blocked": [], "devices": 0, "error": ""}
        try:
            policy = api.policy(name)
        except MDMError as error:
            entry["error"] = str(error)
        else:
            entry["application_reports"] = reports_enabled(policy)
            entry["blocked"] = sorted(
                str(app.get("packageName"))
                for app in policy.get("applications") or ()
                if isinstance(app, dict) and app.get("installType") == BLOCKED
            )
        policies[name] = entry
    for summary in summaries.values():
        if summary["policy"] in policies:
            policies[summary["policy"]]["devices"] += 1
        if summary["inventory"] == "read" and policies.get(summary["policy"], {}).get("application_reports") is False:
            summary["inventory"] = "reports_off"
        elif summary["inventory"] == "read" and not summary["reports"]:
            summary["inventory"] = "no_reports"
    result["policies"] = list(policies.values())

    names = host_names(summaries.values(), hostname)
    for summary in summaries.values():
        summary["host"] = names[summary["id"]]
    apps = {}
    seen = set()
    for device_id, match in matches:
        summary = summaries[device_id]
        key = (device_id, match["ban"], match["software"]["identifier"])
        if key in seen:
            continue
        seen.add(key)
        summary["records"] = summary.get("records", 0) + 1
        result["findings"].append(_finding(match, summary))
        package = match["software"]["identifier"]
        if summary["policy"] and PACKAGE.match(package):
            app = apps.setdefault(
                (summary["policy"], package),
                {
                    "id": f"{summary['policy']}#{package}",
                    "name": match["software"]["name"],
                    "platform": "android",
                    "identifier": package,
                    "policy": summary["policy"],
                    "scope": summary["policy"],
                    "type": "ApplicationPolicy",
                    "bans": [],
                },
            )
            if match["ban"] not in app["bans"]:
                app["bans"].append(match["ban"])
    result["mdm_apps"] = sorted(apps.values(), key=lambda a: a["id"])
    for summary in summaries.values():
        summary["sources"] = device_sources(
            summary, result["complete"], result["problems"], policies, stale_after_days, result["listing_error"]
        )
        summary.pop("records", None)
    result["devices"] = sorted(summaries.values(), key=lambda d: d["host"])
    result["findings"].sort(key=lambda f: (f["device_name"], f["ban"], f["app"]["identifier"]))
    return result


# -- the one change: BLOCKED in the policy --------------------------------------------------------------


def blocked_applications(policy, packages):
    """The policy's applications with ``packages`` BLOCKED, and what that changes.

    Returns ``(applications or None when nothing changes, added, reblocked,
    already)``: ``added`` packages were not in the policy, ``reblocked`` maps
    a package the policy listed with another install type to that type,
    ``already`` were BLOCKED. Every other entry of the customer's list stays as
    it is, in its place.
    """
    current = [dict(app) for app in policy.get("applications") or () if isinstance(app, dict)]
    where = {app.get("packageName"): index for index, app in enumerate(current)}
    added, reblocked, already = [], {}, []
    for package in packages:
        index = where.get(package)
        if index is None:
            current.append({"packageName": package, "installType": BLOCKED})
            where[package] = len(current) - 1
            added.append(package)
        elif current[index].get("installType") == BLOCKED:
            if package not in already:
                already.append(package)
        else:
            reblocked[package] = current[index].get("installType") or "INSTALL_TYPE_UNSPECIFIED"
            current[index]["installType"] = BLOCKED
    if len(current) > MAX_POLICY_APPLICATIONS:
        raise MDMError(
            f"{policy.get('name') or 'the policy'}: blocking {len(added)} more packages would give "
            f"{len(current)} applications, more than the {MAX_POLICY_APPLICATIONS} a policy may hold"
        )
    changed = bool(added or reblocked)
    return (current if changed else None), added, reblocked, already


def not_blocked(policy, packages):
    """The packages a policy (as read back) does not list as BLOCKED."""
    blocked = {
        app.get("packageName")
        for app in policy.get("applications") or ()
        if isinstance(app, dict) and app.get("installType") == BLOCKED
    }
    return [package for package in packages if package not in blocked]


def module_packages(catalog, packages, where):
    """Split requested packages into those a ban names or matches and those it does not (left alone)."""
    allowed, refused = [], []
    for package in packages:
        package = str(package)
        record = {"name": package, "version": "", "publisher": "", "platform": "android", "identifier": package}
        if PACKAGE.match(package) and catalog.match_record(record):
            if package not in allowed:
                allowed.append(package)
        else:
            refused.append(f"{where}: {package[:120]!r} is not an Android package a given ban names: left alone")
    return allowed, refused


# -- the provider --------------------------------------------------------------------------------------


def _scoped(app_id, enterprise):
    """(policy name, package) of an app object id ``{policy}#{package}``; MDMError when it is not one."""
    policy, _sep, package = str(app_id).partition("#")
    if not PACKAGE.match(package):
        raise MDMError(f"{str(app_id)[:200]!r} is not an AMAPI app object id ({{policy}}#{{package}})")
    return policy_name(enterprise, policy), package


def _entries(policy, packages):
    """The policy's entries for these packages, for a diff (absent ones as None)."""
    by_package = {app.get("packageName"): app for app in policy.get("applications") or () if isinstance(app, dict)}
    return {package: by_package.get(package) for package in packages}


class AmapiProvider(MDMProvider):
    """Android Management as an ``MDMProvider``: devices.list for inventory, one policies.patch per policy."""

    name = "amapi"
    label = "Android Management"
    platforms = ("android",)
    default_platforms = ("android",)
    default_block_profiles = {"android": "AMAPI policy applications (installType BLOCKED)"}  # noqa: RUF012
    argument_spec = AUTH_ARGUMENT_SPEC
    reach = "an AMAPI policy change"
    not_managed = "the device has no AMAPI policy this run could name, so no policy change can remove it"
    apps_unread = "the AMAPI inventory gave no policy apps, so whether a policy change can remove it is not known"
    removal_note = (
        "BLOCKED in the device's policy: uninstalled at its next policy sync "
        "(on a personally-owned device, from the work profile only)"
    )

    def __init__(self, api, error=""):
        super().__init__(api.client if api else MDMClient(API_URL))
        self.api = api
        # Bad connection options (no key, a malformed one, a bad enterprise) fail the first call, inside the
        # module's error handling, with the reason and never the key.
        self.error = error

    @classmethod
    def from_params(cls, params):
        try:
            return cls(AndroidManagement.from_params(params))
        except MDMError as error:
            return cls(None, error=str(error))

    def connected(self):
        if self.api is None:
            raise MDMError(self.error)
        return self.api

    @property
    def tenant_id(self):
        return self.api.enterprise if self.api else ""

    def list_devices(self, platforms=None):
        api = self.connected()
        devices, error = [], ""
        try:
            for page in api.device_pages():
                devices.extend(_device_summary(d, api.enterprise) for d in page if isinstance(d, dict))
        except MDMError as exc:
            error = str(exc)
        return devices, error

    def inventory(self, catalog, platforms=None, **options):
        return inventory(self.connected(), catalog, **options)

    @classmethod
    def block_identifiers(cls, ban, platform):
        spec = (ban.get("platforms") or {}).get(platform) if platform == "android" else None
        if not spec:
            return []
        values = (spec.get("block") or {}).get("packages") or [entry["value"] for entry in spec.get("identifiers", ())]
        return [value for value in dict.fromkeys(values) if PACKAGE.match(str(value))]

    def apply(self, catalog, kind, orders, check_mode, **options):
        if kind == "remove":
            return self.change(catalog, removals=orders, check_mode=check_mode, **options)
        return self.change(catalog, block_bans=orders, check_mode=check_mode, **options)

    def change(self, catalog, removals=(), block_bans=None, check_mode=False, policies=None, **_options):
        """Removal and block as one change: each policy patched once with its banned packages BLOCKED.

        ``removals`` are uninstall orders (``app_id`` ``{policy}#{package}``;
        a refused order is left out); ``block_bans`` ``{"android": [ban ids]}``
        adds the bans' packages to ``policies`` (every policy of the enterprise
        when empty). A package no ban of ``catalog`` names is never written.
        Returns ``(result, failure)``: ``apps`` and ``platforms`` outcomes for
        the report, ``policies`` with what changed in each, ``_diff``.
        """
        api = self.connected()
        enterprise = api.enterprise
        wanted = {}  # policy -> {package: [app ids]}
        unknown, warnings, failures = [], [], []
        for order in removals or ():
            if order.get("refused"):
                continue
            try:
                policy, package = _scoped(order.get("app_id"), enterprise)
            except MDMError as error:
                unknown.append(str(order.get("app_id")))
                warnings.append(f"{error}: left alone")
                continue
            _allowed, refused = module_packages(catalog, [package], order.get("app_id"))
            if refused:
                unknown.append(order["app_id"])
                warnings.extend(refused)
                continue
            wanted.setdefault(policy, {}).setdefault(package, []).append(order["app_id"])
        block_ids = list((block_bans or {}).get("android") or ())
        block_packages = []
        for ban_id in block_ids:
            ban = catalog.bans.get(ban_id)
            if ban is None:
                warnings.append(f"block: {str(ban_id)[:80]!r} is not one of the given bans: left alone")
                continue
            block_packages.extend(p for p in self.block_identifiers(ban, "android") if p not in block_packages)
        if block_packages:
            targets = [policy_name(enterprise, p) for p in policies] if policies else api.policy_names()
            for policy in targets:
                for package in block_packages:
                    wanted.setdefault(policy, {}).setdefault(package, [])

        changed = False
        apps, states, diff_before, diff_after = [], [], {}, {}
        for policy in sorted(wanted):
            packages = list(wanted[policy])
            state = {"name": policy, "added": [], "reblocked": {}, "already": [], "outcome": "ok", "msg": ""}
            try:
                current = api.policy(policy)
                applications, added, reblocked, already = blocked_applications(current, packages)
                state.update(added=added, reblocked=reblocked, already=already, version=current.get("version"))
                if applications is not None:
                    diff_before[policy] = _entries(current, added + list(reblocked))
                    if check_mode:
                        state["outcome"] = "planned"
                        diff_after[policy] = _entries({"applications": applications}, added + list(reblocked))
                    else:
                        api.patch_applications(policy, applications)
                        changed = True
                        after = api.policy(policy)  # read back: the change is what the server kept
                        diff_after[policy] = _entries(after, added + list(reblocked))
                        state["version"] = after.get("version")
                        missing = not_blocked(after, packages)
                        if missing:
                            raise MDMError(f"{policy}: read back, {', '.join(missing)} not BLOCKED")
            except MDMError as error:
                state.update(outcome="failed", msg=str(error))
                failures.append(str(error))
            states.append(state)
            for package, app_ids in wanted[policy].items():
                if state["outcome"] == "failed":
                    outcome, msg = "failed", state["msg"]
                elif state["outcome"] == "planned" and package in state["added"] + list(state["reblocked"]):
                    outcome, msg = "planned", f"{policy}: would set {package} BLOCKED"
                else:
                    outcome, msg = "pending", f"{policy}: {package} BLOCKED; removed at each device's next policy sync"
                apps.extend({"id": app_id, "outcome": outcome, "msg": msg} for app_id in app_ids)
        platforms = {}
        if block_ids:
            block_states = [s for s in states if any(p in block_packages for p in s["added"] + s["already"])] or states
            failed = [s["msg"] for s in block_states if s["outcome"] == "failed"]
            planned = any(s["outcome"] == "planned" for s in block_states)
            platforms["android"] = {
                "outcome": "failed" if failed else ("planned" if planned else "ok"),
                "msg": "; ".join(failed)
                or f"BLOCKED in {len(block_states)} polic{'y' if len(block_states) == 1 else 'ies'}",
            }
        result = {
            "changed": changed or (check_mode and bool(diff_before)),
            "policies": states,
            "apps": apps,
            "unknown": unknown,
            "platforms": platforms,
            "_diff": {"before": diff_before, "after": diff_after},
            "_warnings": warnings,
        }
        return result, "; ".join(failures)


PROVIDER = AmapiProvider


__all__ = [
    "AUTH_ARGUMENT_SPEC",
    "PROVIDER",
    "AmapiProvider",
    "AndroidManagement",
    "PagingError",
    "ServiceAccountCredentials",
    "blocked_applications",
    "inventory",
    "load_service_account",
    "module_packages",
    "not_blocked",
]
