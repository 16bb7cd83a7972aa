# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jamf Pro (macOS, iOS, iPadOS) as an ``MDMProvider`` (module_utils/mdm_provider.py).

Sources (docs/mdm.md keeps the list, with what is unconfirmed):

* Auth: API client credentials, ``POST /api/oauth/token`` (form
  ``grant_type=client_credentials``, ``client_id``, ``client_secret``), answer
  ``{access_token, expires_in}`` (developer.jamf.com/jamf-pro/docs/client-credentials).
  A new token is asked for before it expires, never ``keep-alive``
  (jamf-api-auth notes keep-alive loses an API client's privileges).
* At most 5 concurrent connections (developer.jamf.com/jamf-pro/docs/jamf-pro-api-scalability-best-practices);
  429/503 are retried by the shared client with backoff.
* Inventory: ``GET /api/v1/computers-inventory`` and ``GET /api/v2/mobile-devices/detail``
  with ``section=GENERAL&section=HARDWARE&section=APPLICATIONS``, ``page``/``page-size``/``sort``,
  answer ``{totalCount, results}`` (macadmins/jamf-pro-sdk-python: clients/pro_api/pagination.py,
  models/pro/computers.py ``ComputerApplication``, models/pro/mobile_devices.py ``MobileDeviceApplication``).
* Removal: the managed app object, Classic ``/JSSResource/mobiledeviceapplications`` (list
  ``{mobile_device_applications: [{id, name, bundle_id}]}``, one ``{mobile_device_application:
  {general, scope}}``); a device excluded from its scope has the managed app removed at check-in
  (Jamf Pro documentation, Managed Content; the exact behaviour is unconfirmed against a real server).
* Blocking: macOS restricted software ``/JSSResource/restrictedsoftware`` (XML:
  ``general.process_name``, ``match_exact_process_name``, ``kill_process``, ``delete_executable``,
  ``scope``; developer.jamf.com/jamf-pro/v11.20.0/reference/updaterestrictedsoftwarebyname);
  iOS/iPadOS a configuration profile ``/JSSResource/mobiledeviceconfigurationprofiles`` carrying a
  ``com.apple.applicationaccess`` payload with ``blockedAppBundleIDs`` (supervised only;
  apple/device-management: mdm/profiles/com.apple.applicationaccess.yaml).
"""

from __future__ import annotations

import plistlib
import time
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree

from ansible.module_utils.basic import env_fallback

from ansible_collections.interdict.bans.plugins.module_utils import contract
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import (
    ClientCredentials,
    MDMClient,
    MDMError,
    PagingError,
)
from ansible_collections.interdict.bans.plugins.module_utils.mdm_provider import MDMProvider

MAX_CONNECTIONS = 5  # Jamf's guidance: no more than 5 concurrent connections
SECTIONS = ["GENERAL", "HARDWARE", "APPLICATIONS"]
COMPUTERS = "/api/v1/computers-inventory"
MOBILE_DEVICES = "/api/v2/mobile-devices/detail"
MOBILE_APPS = "/JSSResource/mobiledeviceapplications"
RESTRICTED = "/JSSResource/restrictedsoftware"
PROFILES = "/JSSResource/mobiledeviceconfigurationprofiles"
OWNED_MARKER = "Banned apps (interdict.bans)"  # description of the objects this collection creates
RESTRICTED_PREFIX = "interdict.bans: "
PROFILE_NAME = "interdict.bans blocked apps (iOS)"
INSTITUTIONAL = ("Institutional", "AccountDrivenDeviceEnrollment")
MANAGED_ONLY = ("UserEnrollment", "AccountDrivenUserEnrollment")

AUTH_ARGUMENT_SPEC = {
    "url": {"type": "str", "required": True, "fallback": (env_fallback, ["JAMF_URL", "JAMF_PRO_URL"])},
    "client_id": {"type": "str", "required": True, "fallback": (env_fallback, ["JAMF_CLIENT_ID"])},
    "client_secret": {
        "type": "str",
        "required": True,
        "no_log": True,
        "fallback": (env_fallback, ["JAMF_CLIENT_SECRET"]),
    },
    "page_size": {"type": "int", "default": 100},
    "request_timeout": {"type": "int", "default": 30},
    "max_concurrency": {"type": "int", "default": MAX_CONNECTIONS},
    "max_retries": {"type": "int", "default": 6},
    "max_retry_after": {"type": "float", "default": 300.0},
    "deadline": {"type": "float", "default": 3600.0},
    "max_pages": {"type": "int", "default": 10000},
    "validate_certs": {"type": "bool", "default": True},
}

NOT_MANAGED = (
    "not enforceable: Jamf Pro has no managed app object for it (a user-installed app); "
    "Jamf removes only the apps it manages"
)
USER_INSTALLED_UNSUPERVISED = (
    "not enforceable: installed by the user on an unsupervised device; Jamf Pro cannot take it over "
    "without the user's consent, so it cannot remove it"
)
USER_INSTALLED = (
    "not enforceable: installed by the user, not managed by Jamf Pro; Jamf removes only the copies it manages "
    "(taking over management of a user's copy is not done here)"
)
MAC_NOT_REMOVABLE = (
    "not enforceable by removal: Jamf Pro has no API that uninstalls a Mac app; "
    "the restricted-software block (with delete_executable) deletes it when it is launched"
)
NOT_SUPERVISED = (
    "not blockable: not supervised; the restrictions payload (blockedAppBundleIDs) applies to supervised devices only"
)


def parse_time(value):
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)  # noqa: UP017


def software_record(app, platform, **extra):
    """A software record (module_utils/contract.py) for an app Jamf reported on a device."""
    name = str(app.get("name") or "")
    if platform == "macos" and name.endswith(".app"):
        name = name[: -len(".app")]  # Jamf names a Mac app by its bundle's file name
    record = {
        "name": name,
        "version": app.get("shortVersion") or app.get("version") or "",
        "publisher": "",
        "platform": platform,
        "source": "mdm",
        "identifier": app.get("bundleId") or app.get("identifier") or "",
    }
    record.update(extra)
    return record


class Jamf:
    """The Jamf Pro calls. Every request goes through the one MDMClient."""

    def __init__(
        self,
        url,
        client_id,
        client_secret,
        page_size=100,
        request_timeout=30,
        max_concurrency=MAX_CONNECTIONS,
        max_retries=6,
        max_retry_after=300.0,
        deadline=3600.0,
        max_pages=10000,
        validate_certs=True,
        sleep=time.sleep,
        **_ignored,
    ):
        self.url = url.rstrip("/")
        self.page_size = max(1, min(int(page_size), 2000))
        credentials = ClientCredentials(f"{self.url}/api/oauth/token", client_id, client_secret)
        self.client = MDMClient(
            self.url,
            credentials,
            max_concurrency=max(1, min(int(max_concurrency), MAX_CONNECTIONS)),
            timeout=request_timeout,
            max_retries=max_retries,
            max_retry_after=max_retry_after,
            deadline=deadline or None,
            max_pages=max_pages,
            validate_certs=validate_certs,
            sleep=sleep,
        )

    @classmethod
    def from_params(cls, params):
        return cls(**{key: params[key] for key in AUTH_ARGUMENT_SPEC if key in params})

    # -- reading -------------------------------------------------------------------------------------

    def _records(self, path, key):
        params = {"section": SECTIONS, "sort": f"{key}:asc"}
        return self.client.iter_numbered_pages(path, params, page_size=self.page_size, key=key)

    def computers(self):
        """Pages of computer inventory records (general, hardware, applications)."""
        return self._records(COMPUTERS, "id")

    def mobile_devices(self):
        """Pages of mobile device inventory records (general, hardware, applications)."""
        return self._records(MOBILE_DEVICES, "mobileDeviceId")

    def mobile_apps(self):
        """Every mobile device app object with its general section and scope (one call per object)."""
        listed = self.client.get_json(MOBILE_APPS).get("mobile_device_applications") or []
        details = self.client.run_concurrently(self.mobile_app, [str(app.get("id")) for app in listed])
        for _app_id, _detail, error in details:
            if error is not None:
                raise error
        return [detail for _app_id, detail, _error in details]

    def mobile_app(self, app_id):
        return self.client.get_json(f"{MOBILE_APPS}/id/{app_id}")["mobile_device_application"]

    def put_xml(self, path, element):
        body = ElementTree.tostring(element, encoding="unicode").encode()
        return self.client.request("PUT", path, data=body, headers={"Content-Type": "application/xml"})

    def post_xml(self, path, element):
        body = ElementTree.tostring(element, encoding="unicode").encode()
        return self.client.request("POST", path, data=body, headers={"Content-Type": "application/xml"})

    def listing(self, path, key):
        return self.client.get_json(path).get(key) or []


def _xml(tag, children=(), text=None):
    element = ElementTree.Element(tag)
    if text is not None:
        element.text = str(text)
    for child in children:
        element.append(child)
    return element


def _ids(tag, inner, ids):
    return _xml(tag, [_xml(inner, [_xml("id", text=value)]) for value in ids])


def _bool(value):
    return "true" if value else "false"


class JamfProvider(MDMProvider):
    name = "jamf"
    label = "Jamf Pro"
    platforms = ("ios", "macos")
    default_platforms = ("ios", "macos")
    default_block_profiles = {  # noqa: RUF012 - read only
        "ios": PROFILE_NAME,
        "macos": "Jamf Pro restricted software",
    }
    argument_spec = AUTH_ARGUMENT_SPEC
    reach = "a Jamf Pro scope"
    not_managed = NOT_MANAGED
    apps_unread = "Jamf Pro's mobile device apps could not be read, so whether Jamf manages this app is not known"
    not_supervised = NOT_SUPERVISED
    unenforceable_reasons = (USER_INSTALLED, USER_INSTALLED_UNSUPERVISED, MAC_NOT_REMOVABLE)
    removal_note = "excluded from the managed app's scope: Jamf Pro removes the managed app at the next check-in"
    # Excluding one device from an app's scope touches that device only: no exempt device is reached.
    per_device_removal = True

    def __init__(self, api):
        super().__init__(api.client)
        self.api = api

    @classmethod
    def from_params(cls, params):
        return cls(Jamf.from_params(params))

    @property
    def tenant_id(self):
        return self.api.url

    # -- reading -------------------------------------------------------------------------------------

    @staticmethod
    def summary(record, platform, now, stale_after):
        """A device summary (mdm_provider) from a computer or mobile device inventory record."""
        general = record.get("general") or {}
        hardware = record.get("hardware") or {}
        if platform == "macos":
            device_id, synced = f"computer:{record.get('id')}", general.get("reportDate")
            ownership, name = "company", general.get("name")
        else:
            device_id, synced = f"mobile:{record.get('mobileDeviceId')}", general.get("lastInventoryUpdateDate")
            kind = general.get("deviceOwnershipType") or "Institutional"
            ownership, name = ("company" if kind in INSTITUTIONAL else "personal"), general.get("displayName")
        parsed = parse_time(synced)
        if parsed is None or now - parsed > stale_after:
            inventory = "stale"
        elif platform == "ios" and general.get("deviceOwnershipType") in MANAGED_ONLY:
            inventory = "managed_apps_only"
        elif record.get("applications") is None:
            inventory = "stale"  # LENIENT mode answers a section it could not read with null
        else:
            inventory = "read"
        return {
            "id": device_id,
            "name": name or device_id,
            "serial_number": hardware.get("serialNumber"),
            "platform": platform,
            "ownership": ownership,
            "supervised": bool(general.get("supervised")),
            "compliance": "unknown",
            "last_sync": synced,
            "inventory": inventory,
            "listed": True,
        }

    def _pages(self, platforms):
        if "macos" in platforms:
            yield "macos", self.api.computers()
        if "ios" in platforms:
            yield "ios", self.api.mobile_devices()

    def _read(self, catalog, platform, now, stale_after, problems, attempts=3):
        """({id: device summary}, findings) of one platform's listing, matched page by page.

        A listing that changed while it was read (PagingError: a short page, a total that moved, a record
        repeated) is read again from its first page, ``attempts`` times at most.
        """
        listing = self.api.computers if platform == "macos" else self.api.mobile_devices
        for attempt in range(1, attempts + 1):
            devices, findings = {}, []
            try:
                for page in listing():
                    for record in page:
                        summary = self.summary(record, platform, now, stale_after)
                        summary["records"] = 0
                        devices[summary["id"]] = summary
                        for app in record.get("applications") or ():
                            managed = str(app.get("managementStatus") or "").lower() == "managed"
                            for match in catalog.match_record(software_record(app, platform, managed=managed)):
                                summary["records"] += 1
                                findings.append(_finding(match, summary))
                return devices, findings
            except PagingError as error:
                if attempt == attempts:
                    raise
                problems.append(f"{error}; read again from the first page")
        return {}, []

    def list_devices(self, platforms=None, stale_after_days=30):
        now = datetime.now(timezone.utc)  # noqa: UP017
        devices, errors = [], []
        for platform, pages in self._pages(platforms or self.default_platforms):
            try:
                for page in pages:
                    devices.extend(self.summary(r, platform, now, timedelta(days=stale_after_days)) for r in page)
            except MDMError as error:
                errors.append(str(error))
        return devices, "; ".join(errors)

    def inventory(self, catalog, platforms=None, stale_after_days=30, hostname="device_name", app_objects=True, **_):
        """The inventory shape of mdm_provider: one pass over both paged listings, matching as pages arrive."""
        platforms = tuple(platforms or self.default_platforms)
        now = datetime.now(timezone.utc)  # noqa: UP017
        stale_after = timedelta(days=stale_after_days)
        result = {
            "provider": self.name,
            "tenant_id": self.tenant_id,
            "findings": [],
            "devices": [],
            "devices_scanned": 0,
            "complete": True,
            "problems": [],
            "method": "inventory",
            "listing_error": "",
            "mdm_apps": [],
            "mdm_apps_error": "",
        }
        devices = {}
        for platform in platforms:
            try:
                found, findings = self._read(catalog, platform, now, stale_after, result["problems"])
            except MDMError as error:
                # The pages read are not kept: no device of this run may be called clean from half a listing.
                result["listing_error"] = "; ".join(filter(None, (result["listing_error"], str(error))))
                result["complete"] = False
                result["problems"].append(str(error))
                continue
            devices.update(found)
            result["findings"].extend(findings)
        result["devices_scanned"] = len(devices)
        if app_objects and "ios" in platforms:
            try:
                result["mdm_apps"] = banned_app_objects(catalog, self.api.mobile_apps())
            except MDMError as error:
                result["mdm_apps"] = None
                result["mdm_apps_error"] = str(error)
                result["problems"].append(f"Jamf Pro mobile device apps not read: {error}")
        names = host_names(devices.values(), hostname)
        for device in devices.values():
            device["host"] = names[device["id"]]
            device["sources"] = _sources(device, device.pop("records"), result, stale_after_days)
        result["devices"] = sorted(devices.values(), key=lambda d: (d["host"], d["id"]))
        result["findings"].sort(key=lambda f: (f["device_name"] or "", f["ban"], f["app"]["name"], f["device_id"]))
        return result

    # -- planning ---------------------------------------------------------------------------------------

    @classmethod
    def block_identifiers(cls, ban, platform):
        spec = (ban.get("platforms") or {}).get(platform) or {}
        block = spec.get("block") or {}
        if platform == "macos":
            return list(block.get("process_names") or ())
        return list(block.get("bundle_ids") or [entry["value"] for entry in spec.get("identifiers", ())])

    @classmethod
    def plan_steps(cls, findings, ban, options):
        out, rest = [], []
        supervised = (options.get("device") or {}).get("supervised")
        for finding in findings:
            software = finding["software"]
            if software.get("platform") == "macos":
                out.append({"kind": "skip", "finding": finding, "reason": MAC_NOT_REMOVABLE})
            elif not software.get("managed"):
                reason = USER_INSTALLED if supervised else USER_INSTALLED_UNSUPERVISED
                out.append({"kind": "skip", "finding": finding, "reason": reason})
            else:
                rest.append(finding)
        return out + super().plan_steps(rest, ban, options)

    # -- writing ------------------------------------------------------------------------------------------

    def apply(self, catalog, kind, orders, check_mode, **options):
        if kind == "remove":
            return self._remove(catalog, orders or [], check_mode)
        if kind == "block":
            return self._block(orders or {}, check_mode, **options)
        raise ValueError(f"kind: expected remove or block, got {kind!r}")

    def _remove(self, catalog, orders, check_mode):
        """Exclude each device from the scope of the banned managed app it holds (read, compare, write)."""
        banned = {app["id"]: app for app in banned_app_objects(catalog, self.api.mobile_apps())}
        apps, unknown, failures, before, after = [], [], [], {}, {}
        changed = False
        for order in orders:
            app_id = str(order.get("app_id"))
            if app_id not in banned:
                unknown.append(app_id)
                continue
            entry = {"id": app_id, "name": banned[app_id]["name"], "platform": "ios"}
            apps.append(entry)
            if order.get("refused"):
                entry.update(outcome="failed", msg=order["refused"], changes=[])
                continue
            wanted = sorted({str(d).split(":", 1)[-1] for d in order.get("device_ids") or ()})
            try:
                current = self.api.mobile_app(app_id)
                excluded = [str(d.get("id")) for d in _scope_list(current, "exclusions", "mobile_devices")]
                missing = [d for d in wanted if d not in excluded]
                before[entry["name"]] = sorted(excluded)
                after[entry["name"]] = sorted(set(excluded) | set(missing))
                entry["changes"] = [f"exclude mobile device {d} from the scope" for d in missing]
                if missing and not check_mode:
                    scope = _xml(
                        "scope", [_xml("exclusions", [_ids("mobile_devices", "mobile_device", excluded + missing)])]
                    )
                    self.api.put_xml(f"{MOBILE_APPS}/id/{app_id}", _xml("mobile_device_application", [scope]))
                changed |= bool(missing)
                if missing and check_mode:
                    entry.update(outcome="planned", msg=f"{len(missing)} device(s) to exclude from the scope")
                else:
                    entry.update(outcome="pending", msg=self.removal_note)
            except MDMError as error:
                entry.update(outcome="failed", msg=str(error))
                failures.append(f"{entry['name']}: {error}")
        result = {"changed": changed, "apps": apps, "unknown": unknown, "_diff": {"before": before, "after": after}}
        problems = failures + [f"no banned mobile device app with id {app_id}: left alone" for app_id in unknown]
        return result, ("Jamf Pro refused some removals: " + "; ".join(problems) if problems else "")

    def _block(self, platform_bans, check_mode, bans, platforms, group_ids=(), exclusion_group_ids=(), **options):
        """macOS restricted software per banned process; one iOS restrictions profile with the banned bundle ids."""
        delete = bool(options.get("delete_executable"))
        result = {"changed": False, "platforms": {}, "objects": [], "_diff": {"before": {}, "after": {}}}
        failures = []

        def bans_for(platform):
            wanted = platform_bans.get(platform)
            return [ban for ban in bans if wanted is None or ban["id"] in wanted]

        for platform in platforms:
            identifiers = []
            for ban in bans_for(platform):
                identifiers += [i for i in self.block_identifiers(ban, platform) if i not in identifiers]
            if not identifiers:
                continue
            try:
                if platform == "macos":
                    wanted = {
                        RESTRICTED_PREFIX + name: _restricted(name, delete, group_ids, exclusion_group_ids)
                        for name in identifiers
                    }
                    changed = self._ensure(RESTRICTED, "restricted_software", wanted, check_mode, result)
                else:
                    profile = options.get("ios_profile") or PROFILE_NAME
                    wanted = {profile: _profile(profile, identifiers, group_ids, exclusion_group_ids)}
                    changed = self._ensure(PROFILES, "configuration_profiles", wanted, check_mode, result)
            except MDMError as error:
                result["platforms"][platform] = {"outcome": "failed", "msg": str(error)}
                failures.append(f"{platform}: {error}")
                continue
            result["changed"] |= changed
            outcome = "planned" if changed and check_mode else "ok"
            result["platforms"][platform] = {"outcome": outcome, "msg": ", ".join(identifiers)}
        return result, ("Jamf Pro refused some block changes: " + "; ".join(failures) if failures else "")

    def _ensure(self, path, list_key, wanted, check_mode, result):
        """Create or update each named object so it holds what ``wanted`` says; True when anything changed.

        ``wanted`` maps a name to ``(state, element)``: the plain state this collection sets (compared with
        what the server holds, read back through ``restricted_state``/``profile_state``) and the XML to send.
        """
        by_name = {str(item.get("name")): item for item in self.api.listing(path, list_key)}
        single, read = {
            RESTRICTED: ("restricted_software", restricted_state),
            PROFILES: ("configuration_profile", profile_state),
        }[path]
        changed = False
        for name, (want, element) in wanted.items():
            existing = by_name.get(name)
            have = None
            if existing is not None:
                have = read(self.api.client.get_json(f"{path}/id/{existing['id']}").get(single) or {})
            result["_diff"]["before"][name] = have
            result["_diff"]["after"][name] = want
            action = "none" if have == want else ("update" if existing else "create")
            result["objects"].append({"name": name, "action": action, "id": existing and existing.get("id")})
            if action == "none":
                continue
            changed = True
            if check_mode:
                continue
            if existing:
                self.api.put_xml(f"{path}/id/{existing['id']}", element)
            else:
                self.api.post_xml(f"{path}/id/0", element)  # Classic API: id 0 creates
        return changed


# -- helpers -------------------------------------------------------------------------------------------------


def banned_app_objects(catalog, mobile_apps):
    """The mobile device app objects the catalog matches, as mdm_apps entries."""
    out = []
    for app in mobile_apps:
        general = app.get("general") or {}
        record = {
            "name": general.get("name") or "",
            "version": general.get("version") or "",
            "publisher": "",
            "platform": "ios",
            "source": "mdm",
            "identifier": general.get("bundle_id") or "",
        }
        matches = catalog.match_record(record)
        if matches:
            out.append(
                {
                    "id": str(general.get("id")),
                    "name": record["name"],
                    "platform": "ios",
                    "identifier": record["identifier"],
                    "type": "mobileDeviceApplication",
                    "managed": bool(general.get("deploy_as_managed_app")),
                    "bans": sorted({match["ban"] for match in matches}),
                }
            )
    return out


def _scope_list(app, *keys):
    node = app.get("scope") or {}
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, list) else []


def _finding(match, device):
    record = dict(match["software"], device_id=device["id"], device_name=device["name"] or "")
    return {
        "ban": match["ban"],
        "software": record,
        "rule": match["rule"],
        "device_id": device["id"],
        "device_name": device["name"],
        "platform": record["platform"],
        "ownership": device["ownership"],
        "supervised": device["supervised"],
        "app": {key: record[key] for key in ("name", "version", "publisher", "identifier")},
    }


def host_names(devices, hostname="device_name"):
    """{device id: host name}: the chosen property; a name two devices share gets the device id appended."""
    field = {"device_name": "name", "id": "id", "serial_number": "serial_number"}.get(hostname, "name")
    chosen = {device["id"]: str(device.get(field) or device["id"]) for device in devices}
    counts = {}
    for name in chosen.values():
        counts[name.lower()] = counts.get(name.lower(), 0) + 1
    return {
        device_id: f"{name}_{device_id.replace(':', '_')}" if counts[name.lower()] > 1 else name
        for device_id, name in chosen.items()
    }


def _sources(device, records, result, stale_after_days):
    if device["inventory"] == "stale":
        reason = (
            f"no Jamf Pro inventory update since {device.get('last_sync') or 'ever'} "
            f"(more than {stale_after_days} days), or its applications section could not be read"
        )
        return [contract.source_state("jamf", "failed", records, reason)]
    if not result["complete"]:
        reason = "Jamf Pro inventory incomplete: " + "; ".join(result["problems"])
        return [contract.source_state("jamf", "failed", records, reason)]
    if device["inventory"] == "managed_apps_only":
        reason = "User Enrollment: Jamf Pro sees only the apps it manages"
        return [contract.source_state("jamf", "partial", records, reason)]
    return [contract.source_state("jamf", "read", records)]


def _scope(all_key, group_tag, group_inner, group_ids, exclusion_tag, exclusion_group_ids):
    children = [_xml(all_key, text=_bool(not group_ids))]
    if group_ids:
        children.append(_ids(group_tag, group_inner, group_ids))
    children.append(_xml("exclusions", [_ids(exclusion_tag, group_inner, exclusion_group_ids)]))
    return _xml("scope", children)


def _restricted(process, delete, group_ids, exclusion_group_ids):
    general = _xml(
        "general",
        [
            _xml("name", text=RESTRICTED_PREFIX + process),
            _xml("process_name", text=process),
            _xml("match_exact_process_name", text="true"),
            _xml("send_notification", text="true"),
            _xml("kill_process", text="true"),
            _xml("delete_executable", text=_bool(delete)),
            _xml("display_message", text=f"{process} is banned by your organisation ({OWNED_MARKER})."),
        ],
    )
    scope = _scope(
        "all_computers", "computer_groups", "computer_group", group_ids, "computer_groups", exclusion_group_ids
    )
    state = {
        "process_name": process,
        "match_exact_process_name": True,
        "kill_process": True,
        "delete_executable": bool(delete),
        "scope": _wanted_scope(group_ids, exclusion_group_ids),
    }
    return state, _xml("restricted_software", [general, scope])


def _plist(identifiers):
    strings = "".join(f"<string>{_escape(value)}</string>" for value in identifiers)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>'
        "<key>PayloadContent</key><array><dict>"
        "<key>PayloadType</key><string>com.apple.applicationaccess</string>"
        "<key>PayloadIdentifier</key><string>interdict.bans.blocked-apps.restrictions</string>"
        "<key>PayloadVersion</key><integer>1</integer>"
        f"<key>blockedAppBundleIDs</key><array>{strings}</array>"
        "</dict></array>"
        "<key>PayloadDisplayName</key><string>interdict.bans blocked apps</string>"
        "<key>PayloadIdentifier</key><string>interdict.bans.blocked-apps</string>"
        "<key>PayloadType</key><string>Configuration</string>"
        "<key>PayloadVersion</key><integer>1</integer>"
        "</dict></plist>"
    )


def _escape(value):
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _profile(name, identifiers, group_ids, exclusion_group_ids):
    general = _xml(
        "general",
        [
            _xml("name", text=name),
            _xml("description", text=OWNED_MARKER),
            _xml("payloads", text=_plist(identifiers)),
        ],
    )
    scope = _scope(
        "all_mobile_devices",
        "mobile_device_groups",
        "mobile_device_group",
        group_ids,
        "mobile_device_groups",
        exclusion_group_ids,
    )
    state = {"bundle_ids": sorted(identifiers), "scope": _wanted_scope(group_ids, exclusion_group_ids)}
    return state, _xml("configuration_profile", [general, scope])


def _group_ids(node, key):
    return sorted(str(group.get("id")) for group in (node or {}).get(key) or () if isinstance(group, dict))


def _scope_state(scope, all_key, group_key):
    scope = scope or {}
    return {
        "all": bool(scope.get(all_key)),
        "groups": _group_ids(scope, group_key),
        "exclusions": _group_ids(scope.get("exclusions"), group_key),
    }


def restricted_state(item):
    """What this collection sets on a restricted software record (Classic API JSON), as plain data."""
    general = item.get("general") or {}
    state = {key: general.get(key) for key in ("process_name", "match_exact_process_name", "kill_process")}
    state["delete_executable"] = bool(general.get("delete_executable"))
    state["scope"] = _scope_state(item.get("scope"), "all_computers", "computer_groups")
    return state


def profile_state(item):
    """What this collection sets on a mobile device configuration profile (Classic API JSON)."""
    general = item.get("general") or {}
    try:
        payload = plistlib.loads(str(general.get("payloads") or "").encode())
        blocked = [entry.get("blockedAppBundleIDs") for entry in payload.get("PayloadContent") or ()]
        bundle_ids = sorted({str(value) for values in blocked if isinstance(values, list) for value in values})
    except (ValueError, AttributeError, plistlib.InvalidFileException):
        bundle_ids = None
    return {
        "bundle_ids": bundle_ids,
        "scope": _scope_state(item.get("scope"), "all_mobile_devices", "mobile_device_groups"),
    }


def _wanted_scope(group_ids, exclusion_group_ids):
    return {"all": not group_ids, "groups": sorted(group_ids), "exclusions": sorted(exclusion_group_ids)}


PROVIDER = JamfProvider
