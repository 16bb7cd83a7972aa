# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A loopback Jamf Pro server: the endpoints the Jamf modules use, with the Intune simulator's faults.

No Jamf Pro server is reachable from here. Every shape below is written from a
documented source, cited beside it (docs/mdm.md lists them with what is
unconfirmed). Faults come from the shared machinery in server.py (latency,
429 with and without Retry-After, 5xx, connection resets, tokens that die
early) plus Jamf paging quirks: a page one item short (``rate_truncate``), a
``totalCount`` that changes between pages (``total_drift``), and a record
repeated from the previous page while another is skipped (``page_shift``),
as a listing that changes while it is read gives. State changes at check-in
(``POST /_sim/sync``): a device excluded from a managed app's scope loses the
managed app; a Mac whose restricted software says delete_executable loses it.
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

from .server import DEFAULT_FAULTS, GraphError, GraphHandler, Simulator

EPOCH = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)  # noqa: UP017
JAMF_FAULTS = {**DEFAULT_FAULTS, "total_drift": 0.0, "page_shift": 0.0}
# (name, version, bundle id). Mobile app items: identifier, name, version, shortVersion, managementStatus
# (macadmins/jamf-pro-sdk-python: models/pro/mobile_devices.py MobileDeviceApplication). Computer app items:
# name, path, version, macAppStore, bundleId (same SDK, models/pro/computers.py ComputerApplication). The
# ".app" suffix of computer app names is what Jamf Pro's inventory shows (unconfirmed against a server).
COMMON = {
    "macos": [
        ("Safari.app", "18.1", "com.apple.Safari"),
        ("Google Chrome.app", "131.0", "com.google.Chrome"),
        ("Slack.app", "4.41", "com.tinyspeck.slackmacgap"),
        ("zoom.us.app", "6.3.0", "us.zoom.xos"),
        ("QQ.app", "6.9.50", "com.tencent.qq"),
        ("WeCom.app", "4.1.33", "com.tencent.WeWorkMac"),
    ],
    "ios": [
        ("Slack", "25.11.10", "com.tinyspeck.chatlyio"),
        ("Google Chrome", "131.0", "com.google.chrome.ios"),
        ("Signal", "7.40", "org.whispersystems.signal"),
        ("QQ", "9.1.30", "com.tencent.mqq"),
        ("WeCom", "4.1.33", "com.tencent.ww"),
        ("CapCut - Video Editor", "13.2.0", "com.lemon.lvoverseas"),
    ],
}
BANNED = {
    "macos": [("WeChat.app", "4.0.0", "com.tencent.xinWeChat"), ("TikTok LIVE Studio.app", "0.86", "")],
    "ios": [("WeChat", "8.0.54", "com.tencent.xin"), ("TikTok", "37.6.0", "com.zhiliaoapp.musically")],
}
PLURAL = {
    "mobile_devices": "mobile_device",
    "mobile_device_groups": "mobile_device_group",
    "computers": "computer",
    "computer_groups": "computer_group",
}


class Device:
    __slots__ = ("apps", "id", "kind", "managed", "name", "ownership", "serial", "supervised", "synced")

    def __init__(self, kind, number, rng):
        self.kind = kind
        self.id = number
        prefix = "MAC" if kind == "computer" else "IOS"
        self.name = f"{prefix}-{number:05d}"
        self.serial = f"J{number:09d}"
        self.supervised = kind == "computer" or rng.random() < 0.7
        self.ownership = "Institutional" if rng.random() < 0.9 else "UserEnrollment"
        self.apps = set()
        self.managed = set()
        self.synced = rng.uniform(0, 48)  # hours since the last inventory update


class JamfFleet:
    """The server's data and the rules by which it changes."""

    def __init__(self, devices=1000, seed=42, infected_rate=0.02, mac_share=0.4, stale_rate=0.01):
        self.lock = threading.RLock()
        self.now = EPOCH
        rng = random.Random(seed)
        self.apps = []  # (platform, name, version, bundle id)
        for platform in ("macos", "ios"):
            self.apps += [(platform, *entry) for entry in COMMON[platform] + BANNED[platform]]
        self.banned = {i for i, app in enumerate(self.apps) if app[1:] in [tuple(b) for b in BANNED[app[0]]]}
        self.devices = []
        self.by_id = {}
        self.computers, self.mobiles = [], []
        for number in range(1, devices + 1):
            kind = "computer" if rng.random() < mac_share else "mobile"
            device = Device(kind, number, rng)
            platform = "macos" if kind == "computer" else "ios"
            common = [i for i, app in enumerate(self.apps) if app[0] == platform and i not in self.banned]
            device.apps.update(rng.sample(common, 3))
            if rng.random() < infected_rate:
                banned = [i for i in self.banned if self.apps[i][0] == platform]
                pick = rng.choice(banned)
                device.apps.add(pick)
                if kind == "mobile" and rng.random() < 0.5:
                    device.managed.add(pick)  # deployed by Jamf (a managed app), not installed by the user
            if rng.random() < stale_rate:
                device.synced = 24 * 60
            self.devices.append(device)
            self.by_id[(kind, number)] = device
            (self.computers if kind == "computer" else self.mobiles).append(device)
        # Mobile device apps (Classic API): the banned iOS apps someone once deployed through Jamf.
        self.mobile_apps = {}
        for app_id, index in enumerate(sorted(i for i in self.banned if self.apps[i][0] == "ios"), start=1):
            _platform, name, version, bundle_id = self.apps[index]
            self.mobile_apps[app_id] = {
                "general": {
                    "id": app_id,
                    "name": name,
                    "display_name": name,
                    "bundle_id": bundle_id,
                    "version": version,
                    "deploy_as_managed_app": True,
                },
                "scope": {
                    "all_mobile_devices": True,
                    "mobile_devices": [],
                    "mobile_device_groups": [],
                    "exclusions": {"mobile_devices": [], "mobile_device_groups": []},
                },
            }
        self.restricted = {}
        self.profiles = {}

    # -- records as the Jamf Pro API answers them ----------------------------------------------------

    def _stamp(self, device):
        return (self.now - timedelta(hours=device.synced)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def computer(self, device, sections):
        # GET /api/v1/computers-inventory: ComputerInventory {id, udid, general, hardware, applications}
        # (macadmins/jamf-pro-sdk-python models/pro/computers.py).
        record = {"id": str(device.id), "udid": f"UDID-{device.id:08d}"}
        if "GENERAL" in sections:
            record["general"] = {
                "name": device.name,
                "platform": "Mac",
                "supervised": device.supervised,
                "reportDate": self._stamp(device),
                "remoteManagement": {"managed": True},
            }
        if "HARDWARE" in sections:
            record["hardware"] = {"serialNumber": device.serial, "model": "MacBook Pro"}
        if "APPLICATIONS" in sections:
            record["applications"] = [
                {
                    "name": self.apps[i][1],
                    "path": f"/Applications/{self.apps[i][1]}",
                    "version": self.apps[i][2],
                    "macAppStore": False,
                    "bundleId": self.apps[i][3],
                }
                for i in sorted(device.apps)
            ]
        return record

    def mobile(self, device, sections):
        # GET /api/v2/mobile-devices/detail: {mobileDeviceId, deviceType, general, hardware, applications}
        # (developer.jamf.com/jamf-pro/reference/get_v2-mobile-devices-detail; SDK models/pro/mobile_devices.py).
        record = {"mobileDeviceId": str(device.id), "deviceType": "iOS"}
        if "GENERAL" in sections:
            record["general"] = {
                "displayName": device.name,
                "udid": f"UDID-{device.id:08d}",
                "managed": True,
                "supervised": device.supervised,
                "deviceOwnershipType": device.ownership,
                "lastInventoryUpdateDate": self._stamp(device),
            }
        if "HARDWARE" in sections:
            record["hardware"] = {"serialNumber": device.serial, "model": "iPhone 15"}
        if "APPLICATIONS" in sections:
            record["applications"] = [
                {
                    "identifier": self.apps[i][3],
                    "name": self.apps[i][1],
                    "version": self.apps[i][2],
                    "shortVersion": self.apps[i][2],
                    # managementStatus values: "Managed" is the value used here; the full set is unconfirmed.
                    "managementStatus": "Managed" if i in device.managed else "Unmanaged",
                }
                for i in sorted(device.apps)
                # User Enrollment: the MDM sees only the apps it manages.
                if device.ownership != "UserEnrollment" or i in device.managed
            ]
        return record

    # -- check-in ---------------------------------------------------------------------------------------

    def sync(self, advance_hours=1.0):
        """Devices check in: scope exclusions remove managed apps; restricted software deletes Mac apps."""
        removed = []
        with self.lock:
            self.now += timedelta(hours=advance_hours)
            excluded = {}
            for app in self.mobile_apps.values():
                for entry in app["scope"]["exclusions"]["mobile_devices"]:
                    excluded.setdefault(int(entry["id"]), set()).add(app["general"]["bundle_id"])
            deleted = {
                r["general"]["process_name"] for r in self.restricted.values() if r["general"].get("delete_executable")
            }
            for device in self.devices:
                device.synced = 0.0
                for i in sorted(device.apps):
                    _platform, name, _version, bundle_id = self.apps[i]
                    gone = (
                        device.kind == "mobile" and i in device.managed and bundle_id in excluded.get(device.id, ())
                    ) or (device.kind == "computer" and name.removesuffix(".app") in deleted)
                    if gone:
                        device.apps.discard(i)
                        device.managed.discard(i)
                        removed.append({"device": device.name, "app": name})
        return removed

    def truth(self):
        with self.lock:
            return [
                {
                    "device": d.name,
                    "kind": d.kind,
                    "app": self.apps[i][1],
                    "managed": i in d.managed,
                    "supervised": d.supervised,
                    "ownership": d.ownership,
                }
                for d in self.devices
                for i in sorted(d.apps & self.banned)
            ]


def _from_xml(element):
    """Classic API XML as the JSON the same API answers (plural tags are lists; true/false are booleans)."""
    children = list(element)
    if element.tag in PLURAL:
        return [_from_xml(child) for child in children]
    if not children:
        text = (element.text or "").strip()
        if text in ("true", "false"):
            return text == "true"
        if element.tag == "id" and text.lstrip("-").isdigit():
            return int(text)
        return element.text or ""
    return {child.tag: _from_xml(child) for child in children}


class JamfSimulator(Simulator):
    """The simulated Jamf Pro server behind a ThreadingHTTPServer on 127.0.0.1."""

    def __init__(self, fleet=None, client_id="interdict-jamf-client", client_secret=None, faults=None, **options):
        fleet_options = {k: options.pop(k) for k in list(options) if k in ("devices", "seed", "infected_rate")}
        super().__init__(
            fleet=fleet or JamfFleet(**fleet_options),
            client_id=client_id,
            client_secret=client_secret or "jamf-secret-" + secrets.token_hex(12),
            **options,
        )
        self.faults = {**JAMF_FAULTS, **(faults or {})}
        self.token_lifetime = 599  # expires_in of Jamf's documented example answer

    def start(self, port=0, host="127.0.0.1"):
        from http.server import ThreadingHTTPServer

        simulator = self

        class Handler(JamfHandler):
            sim = simulator

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 256
        self.thread = threading.Thread(target=self.server.serve_forever, name="jamf-simulator", daemon=True)
        self.thread.start()
        return self

    def set_faults(self, **faults):
        with self._lock:
            self.faults = {**JAMF_FAULTS, **faults}

    def module_args(self):
        return {"url": self.url, "client_id": self.client_id, "client_secret": self.client_secret}

    def client_env(self):
        """JAMF_* environment variables pointing clients at this server, as an AWX credential would."""
        return {"JAMF_URL": self.url, "JAMF_CLIENT_ID": self.client_id, "JAMF_CLIENT_SECRET": self.client_secret}

    def issue_token(self, form):
        # POST /api/oauth/token, form grant_type/client_id/client_secret; answer {access_token, scope,
        # token_type, expires_in} (developer.jamf.com/jamf-pro/docs/client-credentials).
        if form.get("grant_type") != "client_credentials":
            raise GraphError(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            raise GraphError(401, "invalid_client", "Client authentication failed")
        token = "jamf." + secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[token] = time.monotonic()
        return {"access_token": token, "scope": "api-role:1", "token_type": "Bearer", "expires_in": self.token_lifetime}

    def _drawn(self, name):
        share = self.faults.get(name) or 0.0
        if share and self._draw() < share:
            with self._lock:
                self.stats["faults"][name] = self.stats["faults"].get(name, 0) + 1
            return True
        return False

    def page(self, devices, render, query):
        # Jamf Pro API paging: page (0-based), page-size, sort; answer {totalCount, results}
        # (macadmins/jamf-pro-sdk-python clients/pro_api/pagination.py).
        number = int(query.get("page", ["0"])[0])
        size = int(query.get("page-size", ["100"])[0])
        sections = set(query.get("section") or ["GENERAL"])
        with self.fleet.lock:
            total = len(devices)
            start = number * size
            chosen = devices[start : start + size]
            if number > 0 and self._drawn("page_shift"):
                chosen = devices[start - 1 : start - 1 + size]  # a record enrolled before this page shifted it
            results = [render(device, sections) for device in chosen]
        if results and len(results) == size and self._drawn("rate_truncate"):
            results = results[:-1]
        if number > 0 and self._drawn("total_drift"):
            total += 1
        return {"totalCount": total, "results": results}

    def dispatch_jamf(self, method, path, query, body):
        fleet = self.fleet
        parts = path.strip("/").split("/")
        if path == "/api/v1/computers-inventory" and method == "GET":
            return self.page(fleet.computers, fleet.computer, query), "computers-inventory"
        if path == "/api/v2/mobile-devices/detail" and method == "GET":
            return self.page(fleet.mobiles, fleet.mobile, query), "mobile-devices/detail"
        # One device at a time (the naive crawl the benchmark compares with):
        # GET /api/v1/computers-inventory-detail/{id}, GET /api/v2/mobile-devices/{id}/detail.
        if parts[:3] == ["api", "v1", "computers-inventory-detail"] and len(parts) == 4:
            device = fleet.by_id.get(("computer", int(parts[3]) if parts[3].isdigit() else None))
            if device is None:
                raise GraphError(404, "NOT_FOUND", "computer not found")
            return fleet.computer(device, {"GENERAL", "HARDWARE", "APPLICATIONS"}), "computers-inventory-detail"
        if parts[:3] == ["api", "v2", "mobile-devices"] and len(parts) == 5 and parts[4] == "detail":
            device = fleet.by_id.get(("mobile", int(parts[3]) if parts[3].isdigit() else None))
            if device is None:
                raise GraphError(404, "NOT_FOUND", "mobile device not found")
            return fleet.mobile(device, {"GENERAL", "HARDWARE", "APPLICATIONS"}), "mobile-devices/id/detail"
        if parts[0] == "JSSResource" and len(parts) >= 2:
            return self.classic(method, parts[1], parts[2:], body)
        raise GraphError(404, "NOT_FOUND", f"no route {path}")

    def classic(self, method, resource, rest, body):
        """Classic API objects: mobiledeviceapplications, restrictedsoftware, mobiledeviceconfigurationprofiles.

        Shapes: list {mobile_device_applications: [{id, name, bundle_id}]}, one {mobile_device_application:
        {general, scope}} (public Classic API clients, see docs/mdm.md); restricted software general/scope
        (developer.jamf.com/jamf-pro/v11.20.0/reference/updaterestrictedsoftwarebyname); configuration profile
        general.payloads (a plist) and scope.
        """
        fleet = self.fleet
        store, plural, single = {
            "mobiledeviceapplications": (fleet.mobile_apps, "mobile_device_applications", "mobile_device_application"),
            "restrictedsoftware": (fleet.restricted, "restricted_software", "restricted_software"),
            "mobiledeviceconfigurationprofiles": (fleet.profiles, "configuration_profiles", "configuration_profile"),
        }.get(resource, (None, None, None))
        if store is None:
            raise GraphError(404, "NOT_FOUND", f"no Classic resource {resource}")
        with fleet.lock:
            if not rest and method == "GET":
                items = []
                for key, item in sorted(store.items()):
                    entry = {"id": key, "name": item["general"]["name"]}
                    if resource == "mobiledeviceapplications":
                        entry.update(bundle_id=item["general"]["bundle_id"], version=item["general"]["version"])
                    items.append(entry)
                return {plural: items}, resource
            if len(rest) != 2 or rest[0] != "id":
                raise GraphError(404, "NOT_FOUND", "Classic API lookups here are by id")
            key = int(rest[1])
            if method == "GET":
                if key not in store:
                    raise GraphError(404, "NOT_FOUND", "The server has not found anything matching the request URI")
                return {single: json.loads(json.dumps(store[key]))}, f"{resource}/id"
            parsed = _from_xml(ElementTree.fromstring(body))
            if method == "POST" and key == 0:
                key = max(store, default=0) + 1
                parsed.setdefault("general", {})["id"] = key
                store[key] = parsed
                self.created_configurations += 1
                return {"id": key}, f"{resource}/create"
            if method == "PUT" and key in store:
                for section, value in parsed.items():
                    if isinstance(value, dict) and isinstance(store[key].get(section), dict):
                        store[key][section].update(value)
                    else:
                        store[key][section] = value
                return {"id": key}, f"{resource}/update"
        raise GraphError(404, "NOT_FOUND", "The server has not found anything matching the request URI")


class JamfHandler(GraphHandler):
    sim: JamfSimulator
    server_version = "jamf-simulator/1.0"

    def do_PUT(self):
        self._handle("PUT")

    def _handle(self, method):
        sim = self.sim
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if url.path.startswith("/_sim/"):
            return self._control(method, url.path, raw)
        if self._fault(url.path):
            return None
        try:
            if url.path == "/api/oauth/token" and method == "POST":
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                sim._note("token")
                return self._send(200, sim.issue_token(form))
            sim.check_token(self.headers.get("Authorization"))
            payload, route = sim.dispatch_jamf(method, url.path, query, raw)
            sim._note(route)
            return self._send(201 if method == "POST" else 200, payload)
        except GraphError as error:
            # Jamf Pro API errors: {httpStatus, errors: [{code, description}]}.
            body = {"httpStatus": error.status, "errors": [{"code": error.code, "description": error.message}]}
            return self._send(error.status, body)
        except (ValueError, KeyError, ElementTree.ParseError) as error:
            return self._send(400, {"httpStatus": 400, "errors": [{"code": "INVALID", "description": str(error)}]})

    def _control(self, method, path, raw):
        sim = self.sim
        body = json.loads(raw) if raw else {}
        if path == "/_sim/sync" and method == "POST":
            return self._send(200, {"removed": sim.fleet.sync(float(body.get("advance_hours", 1.0)))})
        if path == "/_sim/truth":
            return self._send(200, {"infections": sim.fleet.truth()})
        if path == "/_sim/stats":
            with sim._lock:
                return self._send(200, json.loads(json.dumps(sim.stats)))
        if path == "/_sim/faults" and method == "POST":
            sim.set_faults(**body)
            return self._send(200, sim.faults)
        if path == "/_sim/state":
            fleet = sim.fleet
            with fleet.lock:
                state = {
                    "mobile_apps": fleet.mobile_apps,
                    "restricted": fleet.restricted,
                    "profiles": fleet.profiles,
                    "now": fleet.now.isoformat(),
                }
                return self._send(200, json.loads(json.dumps(state)))
        return self._send(404, {"httpStatus": 404, "errors": []})


def main(argv=None):
    """python -m tests.integration.mdm_simulator.jamf --devices 1000 [--latency-ms 20] [--env-file FILE]"""
    import argparse

    parser = argparse.ArgumentParser(description="Simulated Jamf Pro server on 127.0.0.1.")
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--infected-rate", type=float, default=0.02)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--env-file", default=None, help="write JAMF_* variables for the clients here")
    args = parser.parse_args(argv)
    sim = JamfSimulator(
        devices=args.devices,
        seed=args.seed,
        infected_rate=args.infected_rate,
        faults={"latency_ms": args.latency_ms},
    ).start(port=args.port)
    if args.env_file:
        with open(args.env_file, "w", encoding="utf-8") as handle:
            handle.writelines(f"export {key}={value}\n" for key, value in sim.client_env().items())
    # The secret goes to the env file only; stdout says where the server is.
    print(json.dumps({"url": sim.url, "devices": args.devices}), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
