# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A loopback HTTP server speaking the Microsoft Graph endpoints the Intune modules use.

No real Intune tenant is reachable from here; this server answers with the
shapes Microsoft documents (see docs/mdm.md) so the modules, the inventory
plugin and the benchmarks run end to end. Faults are injected on demand:
latency, 429 with and without Retry-After, 5xx, tokens that expire early,
connections reset without an answer, listings that end early, a server
that ignores ``$filter``, devices the listing leaves out while the app
reports still name them, a device listing that always fails, managed Google
Play apps only on beta, creates that commit and lose their answer, and
duplicate assignments accepted. ``Fleet(seed_exclusions=True)`` adds the
customer's exclusion assignments.

Control endpoints (not Graph) under ``/_sim/``: ``POST /_sim/sync`` (devices
check in), ``GET /_sim/truth``, ``GET /_sim/stats``, ``POST /_sim/faults``.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import random
import re
import secrets
import socket
import struct
import threading
import time
import zipfile
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from .fleet import Fleet, stable_id

TOKEN_PATH = re.compile(r"^/(?P<tenant>[^/]+)/oauth2/v2\.0/token$")
ROUTE_PREFIX = re.compile(r"^/(?:v1\.0|beta)(?P<rest>/.*)$")
DEFAULT_FAULTS = {
    "latency_ms": 0,
    "rate_429": 0.0,  # share of requests answered 429 with Retry-After
    "rate_429_no_header": 0.0,  # share answered 429 without Retry-After
    "retry_after": "0",  # the header value sent with 429
    "rate_5xx": 0.0,
    "rate_reset": 0.0,  # connection reset without an answer
    "rate_truncate": 0.0,  # a listing page that ends without its nextLink
    "ignore_filter": False,
    "token_ttl": None,  # seconds a token really lives (expires_in still says 3599)
    "unlisted_devices": (),  # device ids managedDevices leaves out (the app reports still name them)
    "listing_status": None,  # an HTTP status every managedDevices listing answers with (e.g. 503)
    # Managed Google Play apps (androidManagedStoreApp) only on beta, as Graph documents them: v1.0 lists
    # none of them and answers 404 for their id.
    "beta_only_android": False,
    # {kind: "reset" | status}: the first create of each kind commits, then its answer is lost (a TCP reset,
    # or that status with no body, as a gateway timeout gives). Kinds: app_assignment, configuration,
    # configuration_assignment.
    "lose_create_response": {},
    # Accept a second assignment for the same target (the stand-in the issue was found with did).
    "accept_duplicate_targets": False,
    # A real tenant's bad habits when reading:
    "or_first_clause_only": False,  # a $filter "a or b" honoured only for its first clause
    "per_page_count": False,  # @odata.count gives the items of this page, not of the listing
    "self_next_link": False,  # @odata.nextLink points at the page just read
    "export": None,  # "empty" (a header row only), "corrupt" (not a zip) or "never" (never completes)
    "non_json_routes": (),  # routes answered 200 with a proxy's HTML page (e.g. "managedDevices", "exportJobs")
    "expired_secret": False,  # the client secret has expired (AADSTS7000222)
}
# Routes of the creates ``lose_create_response`` names.
CREATE_ROUTES = {
    "mobileApps/assignments/create": "app_assignment",
    "deviceConfigurations/create": "configuration",
    "deviceConfigurations/assignments/create": "configuration_assignment",
    "deviceCompliancePolicies/create": "compliance_policy",
}


class GraphError(Exception):
    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class Simulator:
    """The simulated tenant behind a ThreadingHTTPServer on 127.0.0.1."""

    def __init__(
        self,
        fleet=None,
        tenant_id="contoso-sim",
        client_id="interdict-sim-client",
        client_secret=None,
        page_size=1000,
        export_polls=2,
        faults=None,
        fault_seed=7,
        **fleet_options,
    ):
        self.fleet = fleet or Fleet(**fleet_options)
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret or "sim-secret-" + secrets.token_hex(12)
        self.page_size = page_size
        self.export_polls = export_polls
        self.faults = {**DEFAULT_FAULTS, **(faults or {})}
        self._fault_rng = random.Random(fault_seed)
        self._lock = threading.Lock()
        self.tokens = {}
        self.exports = {}
        self.blobs = {}
        self.lost_creates = set()
        self.created_configurations = 0
        self._device_cache = {}
        self.stats = {"requests": 0, "by_route": {}, "faults": {}}
        self.server = None
        self.thread = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self, port=0, host="127.0.0.1"):
        simulator = self

        class Handler(GraphHandler):
            sim = simulator

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 256
        self.thread = threading.Thread(target=self.server.serve_forever, name="mdm-simulator", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self):
        return self.start() if self.server is None else self

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def module_args(self):
        """Connection options that point the modules at this simulator."""
        return {
            "tenant_id": self.tenant_id,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "graph_url": self.url,
            "login_url": self.url,
        }

    def client_env(self):
        """INTUNE_* environment variables pointing clients at this simulator, as an AWX credential would."""
        return {
            "INTUNE_TENANT_ID": self.tenant_id,
            "INTUNE_CLIENT_ID": self.client_id,
            "INTUNE_CLIENT_SECRET": self.client_secret,
            "INTUNE_GRAPH_URL": self.url,
            "INTUNE_LOGIN_URL": self.url,
        }

    def set_faults(self, **faults):
        with self._lock:
            self.faults = {**DEFAULT_FAULTS, **faults}
            self.lost_creates = set()

    def lose_answer(self, route):
        """How to lose the answer of this committed create ("reset" or a status), or None to answer it."""
        kind = CREATE_ROUTES.get(route)
        how = (self.faults.get("lose_create_response") or {}).get(kind)
        with self._lock:
            if how is None or kind in self.lost_creates:
                return None
            self.lost_creates.add(kind)
            self.stats["faults"]["lost_create"] = self.stats["faults"].get("lost_create", 0) + 1
        return how

    def reset_stats(self):
        with self._lock:
            self.stats = {"requests": 0, "by_route": {}, "faults": {}}

    # -- fault injection ------------------------------------------------------------------

    def _draw(self):
        with self._lock:
            return self._fault_rng.random()

    def _note(self, route, fault=None):
        with self._lock:
            self.stats["requests"] += 1
            self.stats["by_route"][route] = self.stats["by_route"].get(route, 0) + 1
            if fault:
                self.stats["faults"][fault] = self.stats["faults"].get(fault, 0) + 1

    def pick_fault(self):
        """None, or the fault to answer this request with."""
        faults = self.faults
        draw = self._draw()
        for name in ("rate_reset", "rate_429", "rate_429_no_header", "rate_5xx"):
            share = faults[name] or 0.0
            if draw < share:
                return name
            draw -= share
        return None

    # -- auth ---------------------------------------------------------------------------

    def issue_token(self, tenant, form):
        if tenant != self.tenant_id:
            raise GraphError(400, "invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            raise GraphError(400, "unsupported_grant_type", "AADSTS70003: grant_type must be client_credentials")
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            raise GraphError(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        if self.faults.get("expired_secret"):
            raise GraphError(
                401,
                "invalid_client",
                f"AADSTS7000222: The provided client secret keys for app '{self.client_id}' are expired.",
            )
        if not str(form.get("scope", "")).endswith("/.default"):
            raise GraphError(400, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid.")
        token = "sim." + secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[token] = time.monotonic()
        return {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}

    def check_token(self, header):
        token = (header or "")[7:] if (header or "").startswith("Bearer ") else None
        with self._lock:
            issued = self.tokens.get(token)
        ttl = self.faults.get("token_ttl")
        if issued is None or (ttl is not None and time.monotonic() - issued > ttl):
            raise GraphError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")

    # -- Graph routes -------------------------------------------------------------------------

    def dispatch(self, method, path, query, body, base):
        """Answer one Graph request (also used for $batch sub-requests): (status, headers, payload, route)."""
        match = ROUTE_PREFIX.match(path)
        if not match:
            raise GraphError(404, "ResourceNotFound", f"Resource not found for the segment '{path}'.")
        rest = match.group("rest")
        version_root = base + path[: len(path) - len(rest)]
        parts = [unquote(p) for p in rest.strip("/").split("/")]
        fleet = self.fleet
        if parts[:2] == ["deviceManagement", "managedDevices"] and len(parts) == 2 and method == "GET":
            if self.faults.get("listing_status"):
                status = int(self.faults["listing_status"])
                raise GraphError(status, "ServiceUnavailable", "The managedDevices listing is not available.")
            return self._page(self._devices(query), query, version_root + rest, "managedDevices", fleet.now)
        if parts[:2] == ["deviceManagement", "managedDevices"] and len(parts) == 4 and parts[3] == "detectedApps":
            device = fleet.by_id.get(parts[2])
            if device is None:
                raise GraphError(404, "ResourceNotFound", "managedDevice not found")
            with fleet.lock:
                apps = [fleet.apps[i] for i in sorted(fleet.visible_apps(device))]
            items = [
                {
                    "id": a.key,
                    "displayName": a.name,
                    "version": a.version,
                    "publisher": a.publisher,
                    "platform": a.platform,
                }
                for a in apps
            ]
            return self._page(items, query, version_root + rest, "managedDevices/detectedApps")
        if parts[:2] == ["deviceManagement", "detectedApps"] and len(parts) == 2 and method == "GET":
            items = self._filter(fleet.detected_apps(), query)
            return self._page(items, query, version_root + rest, "detectedApps")
        if parts[:2] == ["deviceManagement", "detectedApps"] and len(parts) == 4 and parts[3] == "managedDevices":
            index, app = fleet.app_by_key(parts[2])
            if app is None:
                raise GraphError(404, "ResourceNotFound", "detectedApp not found")
            with fleet.lock:
                devices = [d.to_graph(fleet.now) for d in fleet.devices_by_app.get(index, [])]
            return self._page(devices, query, version_root + rest, "detectedApps/managedDevices")
        if parts[:3] == ["deviceManagement", "reports", "exportJobs"] and len(parts) == 3 and method == "POST":
            return self._create_export(body, base)
        if len(parts) == 3 and parts[:2] == ["deviceManagement", "reports"] and parts[2].startswith("exportJobs("):
            return self._poll_export(parts[2][len("exportJobs(") :].strip("')"))
        if parts[:2] == ["deviceAppManagement", "mobileApps"]:
            version = path.strip("/").split("/", 1)[0]
            return self._mobile_apps(method, parts[2:], query, body, version_root + rest, version)
        if parts[:2] == ["deviceManagement", "deviceConfigurations"]:
            return self._configurations(method, parts[2:], query, body, version_root + rest)
        if parts[:2] == ["deviceManagement", "deviceCompliancePolicies"]:
            return self._compliance_policies(method, parts[2:], query, body, version_root + rest)
        if parts == ["groups"] and method == "GET":
            groups = [{"id": gid, "displayName": g["displayName"]} for gid, g in fleet.groups.items()]
            return self._page(self._filter(groups, query), query, version_root + rest, "groups")
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{parts[-1]}'.")

    def _devices(self, query):
        """Devices matching $filter; cached per filter and fleet state, rendered only a page at a time."""
        fleet = self.fleet
        unlisted = frozenset(self.faults.get("unlisted_devices") or ())
        key = (query.get("$filter"), bool(self.faults.get("ignore_filter")), fleet.now, unlisted)
        with self._lock:
            cached = self._device_cache.get(key)
        if cached is None:
            with fleet.lock:
                rendered = [dict(d.to_graph(fleet.now), _d=d) for d in fleet.devices if d.id not in unlisted]
            cached = [item["_d"] for item in self._filter(rendered, query)]
            with self._lock:
                self._device_cache = {key: cached}
        return cached

    def _filter(self, items, query):
        expression = query.get("$filter")
        if not expression or self.faults.get("ignore_filter"):
            return items
        wanted = {}
        clauses = re.split(r"\s+or\s+", expression.strip().strip("()"))
        if self.faults.get("or_first_clause_only"):
            clauses = clauses[:1]
        for clause in clauses:
            found = re.fullmatch(r"\(?\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*\)?", clause.strip())
            if not found:
                raise GraphError(400, "BadRequest", f"Invalid filter clause: {clause}")
            wanted.setdefault(found.group(1), set()).add(found.group(2).replace("''", "'"))
        return [item for item in items if all(str(item.get(field)) in values for field, values in wanted.items())]

    def _page(self, items, query, link_base, route, now=None):
        top = min(int(query.get("$top", self.page_size)), self.page_size)
        offset = 0
        if "$skiptoken" in query:
            try:
                offset = int(base64.urlsafe_b64decode(query["$skiptoken"].encode()).decode().split(":")[1])
            except (ValueError, IndexError, UnicodeDecodeError):
                raise GraphError(400, "BadRequest", "Invalid $skiptoken") from None
        select = [s for s in query.get("$select", "").split(",") if s]
        page = items[offset : offset + top]
        if now is not None:  # device objects: render this page only
            page = [device.to_graph(now) for device in page]
        if select:
            page = [{key: item.get(key) for key in ["id", *select] if key in item} for item in page]
        payload = {"@odata.context": f"{link_base}/$metadata", "value": page}
        if query.get("$count") == "true":
            payload["@odata.count"] = len(page) if self.faults.get("per_page_count") else len(items)
        if offset + top < len(items):
            if self.faults.get("rate_truncate") and self._draw() < self.faults["rate_truncate"]:
                self._note(route, "truncate")
            else:
                following = {k: v for k, v in query.items() if k != "$skiptoken"}
                token = base64.urlsafe_b64encode(f"skip:{offset + top}".encode()).decode()
                following["$skiptoken"] = token
                payload["@odata.nextLink"] = link_base + "?" + urlencode(following, quote_via=quote, safe="$,'")
        return 200, {}, payload, route

    # -- export jobs ------------------------------------------------------------------------

    def _create_export(self, body, base):
        report = (body or {}).get("reportName")
        if report != "AppInvRawData":
            raise GraphError(400, "BadRequest", f"Report '{report}' is not available in this simulator")
        names = None
        expression = body.get("filter")
        if expression and not self.faults.get("ignore_filter"):
            names = set()
            clauses = re.split(r"\s+or\s+", expression.strip())
            if self.faults.get("or_first_clause_only"):
                clauses = clauses[:1]
            for clause in clauses:
                found = re.fullmatch(r"\(?\s*ApplicationName\s+eq\s+'((?:[^']|'')*)'\s*\)?", clause.strip())
                if not found:
                    raise GraphError(400, "BadRequest", f"Invalid filter clause: {clause}")
                names.add(found.group(1).replace("''", "'"))
        job_id = f"AppInvRawData_{secrets.token_hex(8)}"
        job = {
            "id": job_id,
            "reportName": report,
            "filter": expression or "",
            "select": body.get("select") or [],
            "format": body.get("format", "csv"),
            "status": "notStarted",
            "url": None,
            "requestDateTime": self.fleet.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "expirationDateTime": None,
        }
        with self._lock:
            self.exports[job_id] = {"job": job, "polls": 0, "names": names, "base": base}
        return 201, {}, dict(job), "exportJobs"

    def _poll_export(self, job_id):
        with self._lock:
            entry = self.exports.get(job_id)
        if entry is None:
            raise GraphError(404, "ResourceNotFound", "exportJob not found")
        entry["polls"] += 1
        job = entry["job"]
        if job["status"] != "completed":
            job["status"] = "inProgress"
            if entry["polls"] >= self.export_polls and self.faults.get("export") != "never":
                self._render_export(job_id, entry)
        return 200, {}, dict(job), "exportJobs/poll"

    def _render_export(self, job_id, entry):
        job = entry["job"]
        rows = self.fleet.inventory_rows(entry["names"])
        columns = job["select"] or (list(rows[0]) if rows else [])
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        if self.faults.get("export") != "empty":
            writer.writerows(rows)
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"{job_id}.csv", buffer.getvalue().encode("utf-8-sig"))
        blob = archive.getvalue()
        if self.faults.get("export") == "corrupt":
            blob = b"<html><body>Request blocked by proxy</body></html>"
        signature = secrets.token_urlsafe(16)
        with self._lock:
            self.blobs[job_id] = (signature, blob)
        job["status"] = "completed"
        job["url"] = f"{entry['base']}/_blob/reports/{job_id}.zip?sv=2026-02-06&se=2026-11-29&sp=r&sig={signature}"
        job["expirationDateTime"] = "2026-11-29T12:00:00Z"

    # -- mobile apps and assignments ---------------------------------------------------------------

    def _visible_on(self, app, version):
        """Whether an app object exists on this Graph version."""
        beta_only = self.faults.get("beta_only_android") and app["@odata.type"].endswith("androidManagedStoreApp")
        return version == "beta" or not beta_only

    def _mobile_apps(self, method, parts, query, body, link, version="v1.0"):
        fleet = self.fleet
        with fleet.lock:
            if not parts and method == "GET":
                expand = "assignments" in query.get("$expand", "")
                items = []
                for app in fleet.mobile_apps.values():
                    if not self._visible_on(app, version):
                        continue
                    item = {k: v for k, v in app.items() if k != "assignments"}
                    if expand:
                        item["assignments"] = list(app["assignments"].values())
                    items.append(item)
                return self._page(items, query, link, "mobileApps")
            app = fleet.mobile_apps.get(parts[0]) if parts else None
            if app is None or not self._visible_on(app, version):
                raise GraphError(404, "ResourceNotFound", "mobileApp not found")
            if len(parts) == 2 and parts[1] == "assignments" and method == "GET":
                return self._page(list(app["assignments"].values()), query, link, "mobileApps/assignments")
            if len(parts) == 2 and parts[1] == "assignments" and method == "POST":
                intent = (body or {}).get("intent")
                target = (body or {}).get("target") or {}
                if intent not in ("available", "required", "uninstall", "availableWithoutEnrollment"):
                    raise GraphError(400, "BadRequest", f"Invalid intent {intent!r}")
                if not target.get("@odata.type"):
                    raise GraphError(400, "BadRequest", "target is required")
                for existing in app["assignments"].values():
                    if existing["target"] == target and not self.faults.get("accept_duplicate_targets"):
                        raise GraphError(400, "BadRequest", "An assignment for this target already exists")
                created = fleet._assign(app, intent, target)
                return 201, {}, dict(created), "mobileApps/assignments/create"
            if len(parts) == 3 and parts[1] == "assignments" and method == "DELETE":
                if app["assignments"].pop(parts[2], None) is None:
                    raise GraphError(404, "ResourceNotFound", "assignment not found")
                return 204, {}, None, "mobileApps/assignments/delete"
            if len(parts) == 1 and method == "GET":
                return 200, {}, {k: v for k, v in app.items() if k != "assignments"}, "mobileApps/get"
        raise GraphError(405, "MethodNotAllowed", f"{method} not supported here")

    # -- device configurations -----------------------------------------------------------------------

    def _configurations(self, method, parts, query, body, link):
        fleet = self.fleet
        with fleet.lock:
            if not parts and method == "GET":
                items = [{k: v for k, v in c.items() if k != "assignments"} for c in fleet.configurations.values()]
                return self._page(self._filter(items, query), query, link, "deviceConfigurations")
            if not parts and method == "POST":
                kind = (body or {}).get("@odata.type", "")
                if not kind.endswith(("iosGeneralDeviceConfiguration", "androidGeneralDeviceConfiguration")):
                    raise GraphError(400, "BadRequest", f"Unsupported @odata.type {kind!r}")
                if not body.get("displayName"):
                    raise GraphError(400, "BadRequest", "displayName is required")
                self.created_configurations += 1
                config_id = stable_id("deviceConfiguration", body["displayName"], str(self.created_configurations))
                created = {
                    **body,
                    "id": config_id,
                    "version": 1,
                    "createdDateTime": (fleet.now + timedelta(seconds=self.created_configurations)).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"
                    ),
                    "assignments": {},
                }
                fleet.configurations[config_id] = created
                return 201, {}, {k: v for k, v in created.items() if k != "assignments"}, "deviceConfigurations/create"
            config = fleet.configurations.get(parts[0]) if parts else None
            if config is None:
                raise GraphError(404, "ResourceNotFound", "deviceConfiguration not found")
            if len(parts) == 1 and method == "GET":
                return 200, {}, {k: v for k, v in config.items() if k != "assignments"}, "deviceConfigurations/get"
            if len(parts) == 1 and method == "DELETE":
                del fleet.configurations[config["id"]]
                return 204, {}, None, "deviceConfigurations/delete"
            if len(parts) == 3 and parts[1] == "assignments" and method == "DELETE":
                if config["assignments"].pop(parts[2], None) is None:
                    raise GraphError(404, "ResourceNotFound", "assignment not found")
                return 204, {}, None, "deviceConfigurations/assignments/delete"
            if len(parts) == 1 and method == "PATCH":
                if (body or {}).get("@odata.type", config["@odata.type"]) != config["@odata.type"]:
                    raise GraphError(400, "BadRequest", "@odata.type cannot change")
                for key, value in (body or {}).items():
                    if key not in ("id", "assignments"):
                        config[key] = value  # Graph PATCH replaces a collection property whole
                config["version"] += 1
                return 204, {}, None, "deviceConfigurations/patch"
            if len(parts) == 2 and parts[1] == "assignments" and method == "GET":
                return self._page(list(config["assignments"].values()), query, link, "deviceConfigurations/assignments")
            if len(parts) == 2 and parts[1] == "assignments" and method == "POST":
                target = (body or {}).get("target") or {}
                # One assignment per target: a second POST for it replaces the first (unless duplicates are on).
                salt = str(len(config["assignments"])) if self.faults.get("accept_duplicate_targets") else ""
                assignment_id = stable_id("configAssignment", config["id"], json.dumps(target, sort_keys=True), salt)
                config["assignments"][assignment_id] = {"id": assignment_id, "target": target}
                return 201, {}, dict(config["assignments"][assignment_id]), "deviceConfigurations/assignments/create"
        raise GraphError(405, "MethodNotAllowed", f"{method} not supported here")

    def _compliance_policies(self, method, parts, query, body, link):
        """iOS compliance policies, from Microsoft's Graph v1.0 reference (learn.microsoft.com/graph/api/):
        intune-deviceconfig-ioscompliancepolicy-create (POST .../deviceCompliancePolicies),
        intune-deviceconfig-devicecompliancepolicy-assign (POST .../{id}/assign {assignments}: the whole list),
        intune-deviceconfig-devicecompliancescheduledactionforrule ("one and only one block scheduled action";
        that a create without it is refused is how real tenants are reported to behave, not confirmed there).
        """
        fleet = self.fleet
        policies = fleet.compliance_policies
        with fleet.lock:
            if not parts and method == "GET":
                items = [{k: v for k, v in p.items() if k != "assignments"} for p in policies.values()]
                return self._page(self._filter(items, query), query, link, "deviceCompliancePolicies")
            if not parts and method == "POST":
                body = body or {}
                if body.get("@odata.type") != "#microsoft.graph.iosCompliancePolicy":
                    raise GraphError(400, "BadRequest", f"Unsupported @odata.type {body.get('@odata.type')!r}")
                if not body.get("displayName"):
                    raise GraphError(400, "BadRequest", "displayName is required")
                actions = [
                    item
                    for rule in body.get("scheduledActionsForRule") or []
                    for item in rule.get("scheduledActionConfigurations") or []
                ]
                if [a.get("actionType") for a in actions].count("block") != 1:
                    raise GraphError(400, "BadRequest", "Compliance policy must have one and only one block action")
                self.created_configurations += 1
                policy_id = stable_id("deviceCompliancePolicy", body["displayName"], str(self.created_configurations))
                created = {
                    **{k: v for k, v in body.items() if k != "scheduledActionsForRule"},  # a relationship
                    "id": policy_id,
                    "version": 1,
                    "createdDateTime": (fleet.now + timedelta(seconds=self.created_configurations)).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"
                    ),
                    "assignments": {},
                }
                policies[policy_id] = created
                return (
                    201,
                    {},
                    {k: v for k, v in created.items() if k != "assignments"},
                    "deviceCompliancePolicies/create",
                )
            policy = policies.get(parts[0]) if parts else None
            if policy is None:
                raise GraphError(404, "ResourceNotFound", "deviceCompliancePolicy not found")
            if len(parts) == 1 and method == "GET":
                return 200, {}, {k: v for k, v in policy.items() if k != "assignments"}, "deviceCompliancePolicies/get"
            if len(parts) == 1 and method == "DELETE":
                del policies[policy["id"]]
                return 204, {}, None, "deviceCompliancePolicies/delete"
            if len(parts) == 1 and method == "PATCH":
                if (body or {}).get("@odata.type", policy["@odata.type"]) != policy["@odata.type"]:
                    raise GraphError(400, "BadRequest", "@odata.type cannot change")
                for key, value in (body or {}).items():
                    if key not in ("id", "assignments", "scheduledActionsForRule"):
                        policy[key] = value  # a collection property is replaced whole
                policy["version"] += 1
                return 204, {}, None, "deviceCompliancePolicies/patch"
            if len(parts) == 2 and parts[1] == "assignments" and method == "GET":
                items = list(policy["assignments"].values())
                return self._page(items, query, link, "deviceCompliancePolicies/assignments")
            if len(parts) == 2 and parts[1] == "assign" and method == "POST":
                policy["assignments"] = {}
                for assignment in (body or {}).get("assignments") or []:
                    target = assignment.get("target") or {}
                    assignment_id = stable_id("complianceAssignment", policy["id"], json.dumps(target, sort_keys=True))
                    policy["assignments"][assignment_id] = {"id": assignment_id, "target": target}
                payload = {"value": list(policy["assignments"].values())}
                return 200, {}, payload, "deviceCompliancePolicies/assign"
        raise GraphError(405, "MethodNotAllowed", f"{method} not supported here")

    # -- $batch --------------------------------------------------------------------------------------

    def run_batch(self, body, base, version):
        requests = (body or {}).get("requests") or []
        if len(requests) > 20:
            raise GraphError(400, "BadRequest", "The number of batch requests exceeds the limit of 20.")
        responses = []
        for sub in requests:
            sub_id = sub.get("id")
            fault = self.pick_fault()
            if fault in ("rate_429", "rate_429_no_header"):
                headers = {"Retry-After": self.faults["retry_after"]} if fault == "rate_429" else {}
                self._note("$batch/sub", fault)
                responses.append(
                    {"id": sub_id, "status": 429, "headers": headers, "body": _error_body("TooManyRequests")}
                )
                continue
            if fault == "rate_5xx":
                self._note("$batch/sub", fault)
                responses.append(
                    {"id": sub_id, "status": 503, "headers": {}, "body": _error_body("ServiceUnavailable")}
                )
                continue
            url = urlsplit(sub.get("url", ""))
            query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            try:
                status, headers, payload, route = self.dispatch(
                    sub.get("method", "GET"), f"/{version}{url.path}", query, sub.get("body"), base
                )
                self._note(route)
            except GraphError as error:
                status, headers, payload = error.status, error.headers, _error_body(error.code, error.message)
            responses.append({"id": sub_id, "status": status, "headers": headers, "body": payload})
        return {"responses": responses}


def _error_body(code, message=""):
    return {"error": {"code": code, "message": message or code, "innerError": {"request-id": secrets.token_hex(8)}}}


class GraphHandler(BaseHTTPRequestHandler):
    sim: Simulator
    server_version = "mdm-simulator/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: tests read stats, not logs
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    def _send(self, status, payload=None, headers=None, raw=None, content_type="application/json"):
        body = raw if raw is not None else (b"" if payload is None else json.dumps(payload).encode())
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, str(value))
        if body or status != 204:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _reset(self):
        """Drop the connection with a TCP reset and no answer."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _fault(self, path):
        """Answer with an injected fault (latency first): True when the request got one and is done.

        Shared by every simulated MDM (Graph here, Jamf Pro in jamf.py).
        """
        sim = self.sim
        if sim.faults.get("latency_ms"):
            time.sleep(sim.faults["latency_ms"] / 1000.0)
        fault = sim.pick_fault()
        if fault == "rate_reset":
            sim._note(path, fault)
            self._reset()
        elif fault in ("rate_429", "rate_429_no_header"):
            sim._note(path, fault)
            headers = {"Retry-After": sim.faults["retry_after"]} if fault == "rate_429" else {}
            self._send(429, _error_body("TooManyRequests", "Too many requests"), headers)
        elif fault == "rate_5xx":
            sim._note(path, fault)
            self._send(random.choice((500, 502, 503, 504)), _error_body("ServiceUnavailable"))
        return fault is not None

    def _handle(self, method):
        sim = self.sim
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        base = f"http://{self.headers.get('Host')}"
        if url.path.startswith("/_sim/"):
            return self._control(method, url.path, raw)
        if self._fault(url.path):
            return None
        try:
            token_path = TOKEN_PATH.match(url.path)
            if token_path and method == "POST":
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                sim._note("token")
                return self._send(200, sim.issue_token(token_path.group("tenant"), form))
            if url.path.startswith("/_blob/reports/") and method == "GET":
                return self._download(url.path, query)
            sim.check_token(self.headers.get("Authorization"))
            body = json.loads(raw) if raw else None
            if url.path in ("/v1.0/$batch", "/beta/$batch") and method == "POST":
                sim._note("$batch")
                return self._send(200, sim.run_batch(body, base, url.path.split("/")[1]))
            status, headers, payload, route = sim.dispatch(method, url.path, query, body, base)
            sim._note(route)
            if route in (sim.faults.get("non_json_routes") or ()):
                sim._note(route, "non_json")
                page = b"<html><head><title>Sign in to continue</title></head><body>proxy</body></html>"
                return self._send(200, raw=page, content_type="text/html")
            if sim.faults.get("self_next_link") and isinstance(payload, dict) and payload.get("@odata.nextLink"):
                sim._note(route, "self_next_link")
                payload = dict(payload, **{"@odata.nextLink": base + self.path})
            lost = sim.lose_answer(route)
            if lost == "reset":
                return self._reset()
            if lost is not None:
                return self._send(int(lost), raw=b"", content_type="text/plain")
            return self._send(status, payload, headers)
        except GraphError as error:
            if TOKEN_PATH.match(url.path):
                payload = {"error": error.code, "error_description": error.message}
            else:
                payload = _error_body(error.code, error.message)
            return self._send(error.status, payload, error.headers)
        except (ValueError, KeyError) as error:
            return self._send(400, _error_body("BadRequest", str(error)))

    def _download(self, path, query):
        if self.headers.get("Authorization"):
            # Azure Storage refuses a bearer token on a SAS link it was not issued for.
            return self._send(
                400, raw=b"<Error><Code>AuthenticationFailed</Code></Error>", content_type="application/xml"
            )
        job_id = path.rsplit("/", 1)[-1].removesuffix(".zip")
        signature, blob = self.sim.blobs.get(job_id, (None, None))
        if blob is None or query.get("sig") != signature:
            return self._send(
                403, raw=b"<Error><Code>AuthenticationFailed</Code></Error>", content_type="application/xml"
            )
        self.sim._note("blob")
        return self._send(200, raw=blob, content_type="application/zip")

    def _control(self, method, path, raw):
        sim = self.sim
        body = json.loads(raw) if raw else {}
        if path == "/_sim/sync" and method == "POST":
            removed = sim.fleet.sync(body.get("device_ids"), float(body.get("advance_hours", 1.0)))
            return self._send(200, {"removed": removed})
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
                return self._send(
                    200,
                    {
                        "groups": {gid: g["displayName"] for gid, g in fleet.groups.items()},
                        "mobileApps": fleet.mobile_apps,
                        "deviceConfigurations": fleet.configurations,
                        "deviceCompliancePolicies": fleet.compliance_policies,
                        "now": fleet.now.isoformat(),
                    },
                )
        return self._send(404, _error_body("NotFound"))
