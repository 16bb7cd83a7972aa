# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one MDM provider interface, and the one base class of every MDM module.

An MDM (Intune, Jamf Pro, Android Management, ...) is one small
``MDMProvider`` over the shared ``mdm_client.MDMClient``. The engine, the
planner (``plugin_utils/_planning`` through ``_mdm_steps``), the fleet report
(``_mdm_fleet``) and the inventory plugins know providers, never vendors:

``list_devices(platforms)``
    ``(devices, error)``: every managed device as a *device summary* (below);
    ``error`` is "" or why the listing stopped (the devices read before it stay).
``inventory(catalog, platforms, **options)``
    what ``_mdm_fleet.plan_fleet`` consumes (the *inventory shape*, below):
    software records matched against the catalog (findings), every device with
    its evidence (``contract.source_state``), and the MDM's own app objects for
    the banned apps. Incomplete reading sets ``complete: false`` and every
    device's source ``failed``: never a clean device that was not read.
``plan_steps(findings, ban, options)`` / ``plan_blocks(ban, findings, current_blocks, options)``
    class methods, pure, run on the controller by the one planner after it
    applied exceptions, the protected list and the cap (the builder interface of
    ``_planning``). The base class gives the common MDM steps: an uninstall
    through the MDM's app object when there is one, else a skip item saying why
    it is not enforceable; a block through the platform's restriction, or a
    ``not_blockable`` status with the reason.
``apply(catalog, kind, orders, check_mode, **options)``
    carry out fleet orders (``kind`` ``remove``: the uninstall orders of
    ``_mdm_steps.fleet_orders``; ``block``: ``{platform: [ban ids]}``). Returns
    the module result ``_mdm_fleet.fleet_results`` reads: for ``remove``
    ``{apps: [{id, outcome, msg}], unknown: [ids]}``, for ``block``
    ``{platforms: {platform: {outcome, msg}}}``; outcomes ``pending``,
    ``planned`` (check mode), ``ok`` or ``failed``; as ``(result, failure)``
    with ``failure`` "" or one message naming what the MDM refused. The result
    may carry ``_diff`` (before/after) and ``_warnings`` for ``MDMModule.exit``.
    Idempotent: a second run changes nothing. Writes are read back before a
    retry (``AmbiguousWriteError``).
``verify(catalog, platforms)``
    re-read the inventory; ``{device id: [ban ids still found]}`` for the caller
    to compare with what was ordered (an MDM removes at the next check-in).

Device summary: ``{id, name, serial_number, platform, ownership, supervised,
compliance, last_sync, inventory, listed}`` (``inventory``: ``read``,
``managed_apps_only``, ``stale`` or ``unlisted``).

Inventory shape: ``{provider, tenant_id, findings, devices, devices_scanned,
complete, problems, method, listing_error, mdm_apps, mdm_apps_error}``;
``findings`` are ``{ban, software, rule, device_id, device_name, platform}``,
``devices`` device summaries with ``host`` and ``sources``, ``mdm_apps``
``[{id, name, platform, identifier, bans}]`` or None when unread.

``MDMModule`` follows community.general's/netbox's module base pattern: one
class owns the connection options (with ``env:`` fallbacks), the provider and
its client, error handling (one message naming the MDM and endpoint), secret
redaction and diffs, so each module's ``main()`` only says what it does.

Vendor providers live beside this file (``intune_provider``, ``jamf``);
``provider_class`` finds one by name on the controller.
"""

from __future__ import annotations

import importlib
from typing import ClassVar

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.interdict.bans.plugins.module_utils import contract
from ansible_collections.interdict.bans.plugins.module_utils.catalog import BanError, validate_ban
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import MDMError

UNINSTALL = "mdm_uninstall"
BLOCK = "mdm_block"
# Module of each provider, relative to module_utils; read on the controller only (modules import their own).
PROVIDER_MODULES = {"intune": "intune_provider", "jamf": "jamf", "amapi": "amapi"}
_PREFIX = "ansible_collections.interdict.bans.plugins.module_utils."
# The environment variables of each provider's credential (what an AWX/AAP credential injects, and what its
# modules fall back to): every group needs one of its names set for the credential to be complete.
CREDENTIAL_ENV = {
    "intune": (
        ("INTUNE_TENANT_ID", "AZURE_TENANT_ID"),
        ("INTUNE_CLIENT_ID", "AZURE_CLIENT_ID"),
        ("INTUNE_CLIENT_SECRET", "AZURE_CLIENT_SECRET"),
    ),
    "jamf": (("JAMF_URL", "JAMF_PRO_URL"), ("JAMF_CLIENT_ID",), ("JAMF_CLIENT_SECRET",)),
    "amapi": (
        ("AMAPI_ENTERPRISE",),
        ("AMAPI_SERVICE_ACCOUNT_KEY", "AMAPI_SERVICE_ACCOUNT_FILE", "GOOGLE_APPLICATION_CREDENTIALS"),
    ),
}


def providers_on(settings, environ, disabled=()):
    """The MDMs a job reaches, in PROVIDER_MODULES order: each one with settings (a non-empty mapping under its
    name) or a complete credential in ``environ``, less those ``disabled`` names."""
    return [
        name
        for name in PROVIDER_MODULES
        if name not in disabled
        and (settings.get(name) or all(any(environ.get(var) for var in group) for group in CREDENTIAL_ENV[name]))
    ]


def provider_class(name):
    """The provider class called ``name`` (controller side: the planner and the report)."""
    module = PROVIDER_MODULES.get(name)
    if module is None:
        raise ValueError(f"provider: expected one of {', '.join(sorted(PROVIDER_MODULES))}, got {name!r}")
    return importlib.import_module(_PREFIX + module).PROVIDER


def app_index(apps):
    """{(scope, platform, identifier or name, casefolded): app object} for matching findings to app objects.

    ``scope`` is where an app object acts when an MDM has one per place (an
    Android Management policy: ``{policy}#{package}``); "" when it acts everywhere. A
    software record names the place its copy is in as ``mdm_scope``.
    """
    index = {}
    for app in apps or ():
        for value in (app.get("identifier"), app.get("name")):
            if value:
                index.setdefault((app.get("scope") or "", app.get("platform"), str(value).casefold()), app)
    return index


def find_app(record, index):
    """The MDM app object a software record is a copy of: same scope and platform, same identifier, else name."""
    platform = record.get("platform")
    scope = record.get("mdm_scope") or ""
    for value in (record.get("identifier"), record.get("name")):
        if value:
            app = index.get((scope, platform, str(value).casefold()))
            if app is not None:
                return app
    return None


class MDMProvider:
    """One MDM. Subclasses set the class attributes and implement the reading and writing methods."""

    name = ""  # the evidence source name and each device's ``provider`` ("intune", "jamf")
    label = ""  # how messages name it ("Intune", "Jamf Pro")
    platforms = ()  # device platforms it manages and the fleet report plans
    default_platforms = ()  # platforms asked about when the caller says nothing
    # Platform -> where a ban's block lives (a restrictions profile, restricted software...).
    default_block_profiles: ClassVar[dict] = {}
    argument_spec: ClassVar[dict] = {}  # connection options (with env: fallbacks) shared by the provider's modules
    not_managed = "not managed by the MDM, so the MDM cannot remove it"
    apps_unread = "the MDM's app objects could not be read, so whether it manages this app is not known"
    not_supervised = (
        "not supervised: iOS hides and stops banned apps only on supervised devices; "
        "the MDM can only report this device"
    )
    nothing_to_block = "the ban names no app id to block on this platform"
    # True when a removal touches only the devices it names (Jamf: a device excluded from an app's scope),
    # so an exempt device elsewhere never stops it; False when it reaches every targeted device.
    per_device_removal = False
    reach = "an MDM assignment"  # what carries a fleet-wide change to every device it targets
    # Skip reasons of findings the MDM cannot act on (not policy: they do not stop a fleet-wide change).
    unenforceable_reasons = ()
    removal_note = "removed at the device's next check-in if the MDM installed it; a copy the user installed stays"

    def __init__(self, client, **settings):
        self.client = client
        self.settings = settings

    @classmethod
    def from_params(cls, params):
        """The provider for a module's (or inventory plugin's) connection options."""
        raise NotImplementedError

    @property
    def tenant_id(self):
        """What names this MDM instance in reports (a tenant id, a server URL)."""
        return ""

    # -- reading ----------------------------------------------------------------------------------

    def list_devices(self, platforms=None):
        raise NotImplementedError

    def inventory(self, catalog, platforms=None, **options):
        raise NotImplementedError

    def verify(self, catalog, platforms=None):
        """{device id: sorted ban ids} the MDM still reports (after an enforce, at the next check-in)."""
        found = {}
        for finding in self.inventory(catalog, platforms or self.default_platforms)["findings"]:
            bans = found.setdefault(finding["device_id"], [])
            if finding["ban"] not in bans:
                bans.append(finding["ban"])
        return {device: sorted(bans) for device, bans in found.items()}

    # -- planning (pure, controller side) -----------------------------------------------------------

    @classmethod
    def skip_reason(cls, finding, options):
        """Why a banned app on a device without an app object cannot be removed through this MDM."""
        return cls.not_managed

    @classmethod
    def plan_steps(cls, findings, ban, options):
        """One uninstall step per banned app the MDM has an app object for, else a skip item saying why."""
        out = []
        apps = options.get("mdm_apps")
        index = app_index(apps)
        device = options.get("device") or {}
        by_app = {}
        for finding in findings:
            if apps is None:
                out.append({"kind": "skip", "finding": finding, "reason": cls.apps_unread})
                continue
            app = find_app(finding["software"], index)
            if app is None:
                out.append({"kind": "skip", "finding": finding, "reason": cls.skip_reason(finding, options)})
                continue
            step = by_app.get(app["id"])
            if step is None:
                platform = finding["software"].get("platform") or options.get("platform")
                note = cls.removal_note
                if platform == "ios" and not device.get("supervised"):
                    note += " (unsupervised: a copy the user installed cannot be taken over silently)"
                step = {
                    "id": f"{ban['id']}:remove:{UNINSTALL}:{app.get('identifier') or app['id']}",
                    "ban": ban["id"],
                    "kind": "remove",
                    "platform": platform,
                    "method": UNINSTALL,
                    "target": app.get("identifier") or app["id"],
                    "name": app.get("name") or app.get("identifier") or app["id"],
                    "findings": [],
                    # An assignment has no exit code; the key keeps the step shape of every other platform.
                    "exit_codes": contract.exit_codes(),
                    "provider": options.get("provider") or cls.name,
                    "app_id": app["id"],
                    "device_id": device.get("id") or finding["software"].get("device_id") or "",
                    "note": note,
                }
                by_app[app["id"]] = step
                out.append(step)
            key = contract.finding_key(finding)
            if key not in step["findings"]:
                step["findings"].append(key)
        return out

    @classmethod
    def block_identifiers(cls, ban, platform):
        """The app ids (bundle ids, package names, process names) a ban's block names on ``platform``."""
        raise NotImplementedError

    @classmethod
    def block_refusal(cls, ban, platform, options):
        """Why this device cannot get the ban's block, or "" when it can."""
        if platform == "ios" and not (options.get("device") or {}).get("supervised"):
            return cls.not_supervised
        return ""

    @classmethod
    def plan_blocks(cls, ban, findings, current_blocks, options):
        """The block step of this ban on this device, or a ``not_blockable`` status saying why there is none."""
        platform = options.get("platform")
        if platform not in cls.default_block_profiles:
            return []
        profile = (options.get("block_profiles") or {}).get(platform) or cls.default_block_profiles[platform]
        identifiers = cls.block_identifiers(ban, platform)
        status = {"ban": ban["id"], "method": BLOCK, "rule": profile}
        if not identifiers:
            return [dict(status, state="not_blockable", note=cls.nothing_to_block)]
        refusal = cls.block_refusal(ban, platform, options)
        if refusal:
            return [dict(status, state="not_blockable", note=refusal)]
        return [
            {
                "id": f"{ban['id']}:block:{BLOCK}:{platform}",
                "ban": ban["id"],
                "kind": "block",
                "platform": platform,
                "method": BLOCK,
                "target": profile,
                "name": profile,
                "rule": profile,
                "findings": [contract.finding_key(f) for f in findings],
                "exit_codes": contract.exit_codes(),
                "provider": options.get("provider") or cls.name,
                "identifiers": identifiers,
            }
        ]

    # -- writing ----------------------------------------------------------------------------------------

    def apply(self, catalog, kind, orders, check_mode, **options):
        raise NotImplementedError


class MDMModule:
    """The base of every MDM module: options, provider, errors, redaction and diffs in one place.

    ``MDMModule(Provider, argument_spec)`` builds the AnsibleModule with the
    provider's connection options added, validates ``bans`` (when the module
    has them) and creates the provider. ``run(function)`` calls ``function()``
    and turns an ``MDMError`` into one failure naming the MDM instance, with the
    client's counters; ``exit(result, failure)`` exits (or fails with
    ``failure``), with ``changed``, ``check_mode``, ``api_calls``, the
    result's ``_warnings`` as warnings and, in diff mode, its ``_diff``. Every message passes the
    client's redaction, so no token or secret leaves the module.
    """

    def __init__(self, provider_cls, argument_spec, supports_check_mode=True, **module_options):
        self.module = AnsibleModule(
            argument_spec=dict(provider_cls.argument_spec, **argument_spec),
            supports_check_mode=supports_check_mode,
            **module_options,
        )
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.bans = self._bans() if "bans" in argument_spec else []
        self.provider = provider_cls.from_params(self.params)
        self.label = f"{provider_cls.label} {self.provider.tenant_id}".strip()

    def _bans(self):
        try:
            return [validate_ban(ban, f"bans[{index}]") for index, ban in enumerate(self.params["bans"] or ())]
        except BanError as error:
            self.module.fail_json(msg=str(error))

    @property
    def api_calls(self):
        return dict(self.provider.client.stats)

    def redact(self, text):
        return self.provider.client.redact(text)

    def fail(self, msg, **result):
        payload = dict(result)
        payload.pop("_diff", None)
        payload.update(check_mode=self.check_mode, api_calls=self.api_calls)
        self.module.fail_json(msg=self.redact(msg), **payload)

    def run(self, function, *args, **kwargs):
        """``function(*args, **kwargs)``; an MDMError fails the module, its message naming the MDM instance."""
        try:
            return function(*args, **kwargs)
        except MDMError as error:
            self.fail(f"{self.label}: {error}")

    def warn(self, text):
        self.module.warn(self.redact(text))

    def exit(self, result, failure=""):
        """Exit with ``result`` (its ``_warnings`` become warnings, its ``_diff`` the diff); fail when ``failure``."""
        result = dict(result)
        diff = result.pop("_diff", None)
        for text in result.pop("_warnings", None) or ():
            self.warn(text)
        result.setdefault("changed", False)
        result["check_mode"] = self.check_mode
        result["api_calls"] = self.api_calls
        if diff is not None and self.module._diff:
            result["diff"] = diff
        if failure:
            self.fail(failure, **result)
        self.module.exit_json(**result)
