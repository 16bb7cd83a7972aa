# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Microsoft Intune as an ``MDMProvider`` (module_utils/mdm_provider.py).

Reading is ``intune_inventory``, the Graph calls ``intune_graph``, the writes
``intune_changes``; this class puts them behind the one interface and carries
out uninstall assignments and restriction profiles (``apply``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ansible_collections.interdict.bans.plugins.module_utils import intune_inventory
from ansible_collections.interdict.bans.plugins.module_utils.intune_changes import (
    ANDROID_LISTS,
    IOS_LISTS,
    NOT_MANAGED,
    blocked_identifiers,
    not_managed,
    plan_block,
    plan_compliance,
    plan_uninstall,
)
from ansible_collections.interdict.bans.plugins.module_utils.intune_graph import (
    AUTH_ARGUMENT_SPEC,
    Intune,
    assignment_targets,
    describe_target,
    exclusion_targets,
    is_exclusion,
    target_key,
)
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import MDMError
from ansible_collections.interdict.bans.plugins.module_utils.mdm_provider import MDMProvider


class IntuneProvider(MDMProvider):
    name = "intune"
    label = "Intune tenant"
    platforms = ("ios", "android")
    default_platforms = ("ios", "android")
    # Where a ban's block lives: the iOS restrictions profile; on Android Enterprise, the managed Google Play
    # app's uninstall assignment (a device administrator profile only when the engine names one).
    default_block_profiles = {  # noqa: RUF012 - read only
        "ios": "interdict.bans blocked apps (iOS)",
        "android": "managed Google Play uninstall assignment",
    }
    argument_spec = AUTH_ARGUMENT_SPEC
    reach = "an Intune assignment"
    not_managed = NOT_MANAGED
    apps_unread = "Intune's app objects could not be read, so whether Intune manages this app is not known"
    not_supervised = (
        "not supervised: iOS hides and stops banned apps only on supervised devices; "
        "the prohibited-apps list only reports this device as not compliant"
    )
    removal_note = "removed at the device's next check-in if Intune installed it; a copy the user installed stays"

    def __init__(self, api):
        super().__init__(api.client)
        self.api = api

    @classmethod
    def from_params(cls, params):
        return cls(Intune.from_params(params))

    @property
    def tenant_id(self):
        return self.api.tenant_id

    # -- reading -------------------------------------------------------------------------------------

    def list_devices(self, platforms=None, stale_after_days=30):
        now = datetime.now(timezone.utc)  # noqa: UP017 - module_utils also run on Python < 3.11
        try:
            devices, error = self.api.managed_devices(platforms), ""
        except MDMError as failure:
            devices, error = list(getattr(failure, "partial", None) or []), str(failure)
        stale = timedelta(days=stale_after_days)
        return [intune_inventory._device_summary(d, now, stale) for d in devices], error

    def inventory(self, catalog, platforms=None, **options):
        return intune_inventory.inventory(self.api, catalog, platforms=platforms or self.default_platforms, **options)

    # -- planning ---------------------------------------------------------------------------------------

    @classmethod
    def block_identifiers(cls, ban, platform):
        return blocked_identifiers([ban], platform)

    # -- writing ------------------------------------------------------------------------------------------

    def apply(self, catalog, kind, orders, check_mode, **options):
        """``remove``: uninstall assignments for ``orders``; ``block``: restriction profiles (see the modules)."""
        if kind == "remove":
            return self._uninstall(catalog, orders, check_mode, **options)
        if kind == "block":
            return self._block(catalog, orders, check_mode, **options)
        raise ValueError(f"kind: expected remove or block, got {kind!r}")

    def _uninstall(self, catalog, orders, check_mode, bans, group_ids, exclusion_group_ids, platforms, remove_intents):
        mobile_apps = self.api.mobile_apps()
        plan = plan_uninstall(
            catalog,
            mobile_apps,
            orders=orders,
            group_ids=group_ids,
            exclusion_group_ids=exclusion_group_ids,
            platforms=platforms,
            remove_intents=tuple(remove_intents),
        )
        failures = self._apply_per_app(plan, check_mode)
        warnings = [f"{app['name']} ({app['platform']}): {app['refused']}" for app in plan["apps"] if app["refused"]]
        unmanaged = not_managed(bans, mobile_apps, catalog, platforms)
        warnings += [f"{entry['ban']} ({entry['platform']}): {entry['reason']}" for entry in unmanaged]
        result = {
            "changed": any(app.get("changes") and app["outcome"] in ("pending", "planned") for app in plan["apps"]),
            "actions": plan["actions"],
            "apps": plan["apps"],
            "unknown": plan["unknown"],
            "not_managed": unmanaged,
            "exclusions": plan["exclusions"],
            "duplicates": plan["duplicates"],
            "_warnings": warnings,
            "_diff": {
                "before": {f"{app['name']} ({app['platform']})": app["assignments_before"] for app in plan["apps"]},
                "after": {f"{app['name']} ({app['platform']})": app["assignments_after"] for app in plan["apps"]},
            },
        }
        failure = ""
        if failures or plan["unknown"]:
            problems = failures + [f"no banned app object with id {app_id}: left alone" for app_id in plan["unknown"]]
            failure = "Intune refused some uninstall changes: " + "; ".join(problems)
        return result, failure

    def _apply_per_app(self, plan, check_mode):
        """Carry out each app's changes on its own, so one refusal by Graph does not stop the others."""
        by_app = {}
        for action in plan["actions"]:
            by_app.setdefault(action["app_id"], []).append(action)
        failures = []
        for app in plan["apps"]:
            if app["refused"]:
                app["outcome"], app["msg"] = "failed", app["refused"]
                if app["reaching"]:
                    app["msg"] += "; uninstall assignments already there still reach: " + ", ".join(app["reaching"])
                continue
            actions = by_app.get(app["id"], [])
            app["outcome"], app["msg"] = "pending", "uninstall assigned; removed at each device's next check-in"
            if not actions:
                continue
            if check_mode:
                app["outcome"], app["msg"] = "planned", f"{len(actions)} assignment change(s) to make"
                continue
            try:
                self.api.apply_assignment_actions(actions)
            except MDMError as error:
                app["outcome"], app["msg"] = "failed", str(error)
                failures.append(f"{app['name']} ({app['platform']}): {error}")
        return failures

    def _ensure_profile(self, plan, targets, check_mode, compliance=False):
        """Create or patch one profile (``compliance``: an iOS compliance policy); assign it when this collection
        owns it. Returns whether anything changed.

        Read before every create: the profile is looked up by name and description tag, its assignments by
        target. Extra copies of the collection's own profile, and of its own assignments, are deleted; the
        exclusion assignments on it are the customer's and only reported.
        """
        api = self.api
        if compliance:
            create, update, delete, read_assignments = (
                api.create_compliance_policy,
                api.update_compliance_policy,
                api.delete_compliance_policy,
                api.compliance_policy_assignments,
            )
        else:
            create, update, delete, read_assignments = (
                api.create_configuration,
                api.update_configuration,
                api.delete_configuration,
                api.configuration_assignments,
            )
        changed = plan["action"] != "none"
        if plan["action"] == "create" and not check_mode:
            plan["id"] = create(plan["body"])["id"]
        elif plan["action"] == "update" and not check_mode:
            update(plan["id"], plan["body"])
        plan["removed_duplicates"] = list(plan["duplicates"])
        if plan["duplicates"]:
            changed = True
            if not check_mode:
                for duplicate in plan["duplicates"]:
                    delete(duplicate)
        plan["exclusions"] = []
        if plan["owned"]:
            current = read_assignments(plan["id"]) if plan["id"] else []
            present, extra = set(), []
            for assignment in current:
                target = assignment.get("target") or {}
                if is_exclusion(target):
                    plan["exclusions"].append(
                        {"group_id": target.get("groupId") or "", "excludes": describe_target(target)}
                    )
                if target_key(target) in present and not is_exclusion(target):
                    extra.append(assignment.get("id"))
                present.add(target_key(target))
            missing = [t for t in targets if target_key(t) not in present]
            plan["assigned"] = [t for t in targets if target_key(t) in present] + missing
            plan["removed_assignment_duplicates"] = extra
            if missing or extra:
                changed = True
                if not check_mode and compliance:
                    # ``assign`` replaces the whole list: send every assignment kept (the customer's too).
                    kept = [a.get("target") or {} for a in current if a.get("id") not in extra]
                    api.set_compliance_policy_assignments(plan["id"], kept + missing)
                elif not check_mode:
                    for assignment_id in extra:
                        api.delete_configuration_assignment(plan["id"], assignment_id)
                    for target in missing:
                        api.assign_configuration(plan["id"], target)
        return changed

    def _block(self, catalog, platform_bans, check_mode, bans, platforms, group_ids, exclusion_group_ids, **options):
        api = self.api
        targets = assignment_targets(group_ids) + exclusion_targets(exclusion_group_ids)

        def bans_for(platform):
            wanted = (platform_bans or {}).get(platform)
            return bans if wanted is None else [ban for ban in bans if ban["id"] in wanted]

        changed = False
        profiles, actions, problems, failures, exclusions, duplicates = [], [], [], [], [], []
        states = {platform: {"changed": False, "problems": []} for platform in platforms}
        wanted = []
        if "ios" in states:
            wanted.append(("ios", options["ios_configuration"], dict(IOS_LISTS[n] for n in options["ios_lists"])))
        if "android" in states and options["android_lists"]:
            lists = dict(ANDROID_LISTS[name] for name in options["android_lists"])
            wanted.append(("android", options["android_configuration"], lists))
        if "ios" in states and options.get("ios_compliance_policy"):
            wanted.append(("ios", options["ios_compliance_policy"], None))  # None: the compliance policy
        configurations = api.device_configurations() if any(entry[2] is not None for entry in wanted) else []
        for platform, name, lists in wanted:
            compliance = lists is None
            try:
                if compliance:
                    plan = plan_compliance(bans_for(platform), api.compliance_policies(), name)
                else:
                    plan = plan_block(bans_for(platform), configurations, platform, name, lists)
                if not plan["identifiers"]:
                    continue
                platform_changed = self._ensure_profile(plan, targets, check_mode, compliance)
            except MDMError as error:
                states[platform]["error"] = str(error)
                failures.append(f"{platform} {name}: {error}")
                continue
            changed |= platform_changed
            states[platform]["changed"] |= platform_changed
            states[platform]["problems"].extend(plan["problems"])
            problems.extend(f"{platform} {name}: {problem}" for problem in plan["problems"])
            keys = ("action", "id", "before", "after", "problems", "identifiers", "exclusions", "others")
            profile = {key: plan.get(key) for key in keys}
            profile["duplicates_removed"] = plan["removed_duplicates"] + plan.get("removed_assignment_duplicates", [])
            profile.update(platform=platform, name=name, owned=plan["owned"], assigned=plan.get("assigned", []))
            profile["kind"] = "compliance_policy" if compliance else "configuration"
            profiles.append(profile)
        if "android" in states and options["android_enterprise"] and bans_for("android"):
            try:
                managed_play = [
                    app
                    for app in api.mobile_apps()
                    if str(app.get("@odata.type", "")).endswith("androidManagedStoreApp")
                ]
                android_catalog = CompiledCatalog(bans_for("android"))
                plan = plan_uninstall(
                    android_catalog,
                    managed_play,
                    group_ids=group_ids,
                    exclusion_group_ids=exclusion_group_ids,
                    platforms=["android"],
                )
                for entry in not_managed(bans_for("android"), managed_play, android_catalog, ["android"]):
                    text = f"{entry['ban']}: no managed Google Play app object: {entry['reason']}"
                    states["android"]["problems"].append(text)
                    problems.append(f"android: {text}")
                actions = plan["actions"]
                exclusions = plan["exclusions"]
                duplicates = plan["duplicates"]
                if actions:
                    changed = True
                    states["android"]["changed"] = True
                    if not check_mode:
                        api.apply_assignment_actions(actions)
            except MDMError as error:
                states["android"]["error"] = str(error)
                failures.append(f"android managed Google Play uninstall assignments: {error}")
        result = {
            "changed": changed,
            "configurations": profiles,
            "actions": actions,
            "exclusions": exclusions,
            "duplicates": duplicates,
            "problems": problems,
            "platforms": {
                platform: (
                    {"outcome": "failed", "msg": state["error"]}
                    if state.get("error")
                    else _outcome(state["changed"], state["problems"], check_mode)
                )
                for platform, state in states.items()
            },
            "_diff": {
                "before": {_diff_key(p): p["before"] for p in profiles},
                "after": {_diff_key(p): p["after"] for p in profiles},
            },
        }
        failure = "Intune refused some block changes: " + "; ".join(failures) if failures else ""
        return result, failure


def _diff_key(profile):
    kind = " compliance policy" if profile["kind"] == "compliance_policy" else ""
    return f"{profile['platform']}{kind}: {profile['name']}"


def _outcome(changed, problems, check_mode):
    """A platform's block outcome for the device results."""
    allowed = [p for p in problems if "allows banned" in p]
    if allowed:
        return {"outcome": "failed", "msg": "; ".join(allowed)}
    if changed and check_mode:
        return {"outcome": "planned", "msg": "; ".join(problems)}
    return {"outcome": "ok", "msg": "; ".join(problems)}


PROVIDER = IntuneProvider
