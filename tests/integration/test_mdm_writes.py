# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Intune writes against a tenant with a real tenant's habits (the loopback simulator; no real tenant here).

Managed Google Play apps only on beta, creates that commit and lose their answer,
a server that accepts a second assignment for a target, the customer's
exclusion assignments: two enforce runs must leave exactly what one clean run
would, and the second must change nothing.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from collections import Counter

import pytest

from ansible_collections.interdict.bans.plugins.module_utils import intune_changes, intune_graph, intune_inventory
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog
from ansible_collections.interdict.bans.plugins.module_utils.mdm_client import MDMError

sys.path.insert(0, os.path.dirname(__file__))
from mdm_simulator import Simulator
from test_mdm_intune import fast_api, run_playbook
from test_mdm_roles import device_results, run_role

CATALOG = CompiledCatalog(load_bans(["wechat", "tiktok", "kaspersky"]))
TIKTOK_PLAYBOOK = os.path.join(os.path.dirname(__file__), "mdm_playbooks", "tiktok_role.yml")
HABITS = {
    "beta_only_android": True,
    "accept_duplicate_targets": True,
    "lose_create_response": {"app_assignment": "reset", "configuration": 504, "configuration_assignment": "reset"},
}
LOOK_ALIKES = ("TickTick", "Microsoft Outlook", "Microsoft Teams")


def graph_apps(sim):
    """The tenant's app objects as Graph returns them (assignments as a list)."""
    return [dict(app, assignments=list(app["assignments"].values())) for app in sim.fleet.mobile_apps.values()]


def banned_apps(sim):
    return {app["id"]: app for app, _platform, _m in intune_inventory.banned_app_objects(CATALOG, graph_apps(sim))}


def exclusion_assignments(sim):
    return {
        (app_id, a["id"]): json.dumps(a, sort_keys=True)
        for app_id, app in sim.fleet.mobile_apps.items()
        for a in app["assignments"].values()
        if intune_graph.is_exclusion(a["target"])
    }


def owned_profiles(sim):
    return Counter(c["displayName"] for c in sim.fleet.configurations.values() if intune_graph.is_owned_profile(c))


def test_two_enforce_runs_under_a_real_tenants_habits_create_nothing_twice(tmp_path):
    with Simulator(devices=600, infected_rate=0.1, seed_exclusions=True, faults=HABITS) as sim:
        exclusions = exclusion_assignments(sim)
        assert exclusions, "the tenant has the customer's exclusion assignments"
        look_alikes = {
            app_id: copy.deepcopy(app["assignments"])
            for app_id, app in sim.fleet.mobile_apps.items()
            if app["displayName"] in LOOK_ALIKES
        }
        customer = copy.deepcopy(
            next(c for c in sim.fleet.configurations.values() if c["displayName"] == "Contoso iOS restrictions")
        )

        _proc, first = run_playbook(sim, tmp_path)
        assert sim.stats["faults"]["lost_create"] == 3, "each kind of create lost its answer once"
        assert first["uninstall"]["api_calls"]["ambiguous_writes"] >= 1
        assert first["block"]["api_calls"]["ambiguous_writes"] >= 1
        _proc, second = run_playbook(sim, tmp_path)
        assert not second["uninstall"]["changed"] and not second["block"]["changed"]

        # Android apps exist only on beta: they were found, and written through beta.
        endpoints = {(a["name"], a["platform"]): a["endpoint"] for a in first["uninstall"]["apps"]}
        assert endpoints[("TikTok", "android")] == "beta" and endpoints[("WeChat", "ios")] == "v1.0, beta"
        # Kaspersky has no app object anywhere: said so, never skipped silently.
        assert {"ban": "kaspersky", "platform": "android", "reason": intune_changes.NOT_MANAGED} in first["uninstall"][
            "not_managed"
        ]
        skipped = {s["reason"] for r in first["results"] for s in r["skipped"] if s["finding"]["ban"] == "kaspersky"}
        assert skipped == {intune_changes.NOT_MANAGED}

        for app_id, app in banned_apps(sim).items():
            ours = Counter(
                intune_graph.target_key(a["target"])
                for a in app["assignments"]
                if a["intent"] == "uninstall" and not intune_graph.is_exclusion(a["target"])
            )
            assert ours == {("allDevicesAssignmentTarget", ""): 1}, (app["displayName"], app["assignments"])
            left = [
                a
                for a in app["assignments"]
                if a["intent"] in ("required", "available") and not intune_graph.is_exclusion(a["target"])
            ]
            assert not left, (app_id, left)
        assert exclusion_assignments(sim) == exclusions, "an exclusion was deleted or changed"
        listed = {(e["app"], e["group_id"]) for e in first["uninstall"]["exclusions"]}
        assert ("WeChat", sim.fleet.exclusion_group_id) in listed
        for app_id, assignments in look_alikes.items():
            assert sim.fleet.mobile_apps[app_id]["assignments"] == assignments

        # One profile: iOS. Android Enterprise is blocked through managed Google Play, with no device
        # administrator profile (that management ended on Google Mobile Services devices).
        assert owned_profiles(sim) == {"interdict.bans blocked apps (iOS)": 1}
        for config in sim.fleet.configurations.values():
            if intune_graph.is_owned_profile(config):
                targets = Counter(intune_graph.target_key(a["target"]) for a in config["assignments"].values())
                assert set(targets.values()) == {1}, config["assignments"]
        now = next(c for c in sim.fleet.configurations.values() if c["id"] == customer["id"])
        assert {i["appId"] for i in customer["compliantAppsList"]} <= {i["appId"] for i in now["compliantAppsList"]}


def test_copies_an_earlier_run_left_are_removed_only_when_they_are_ours(tmp_path):
    with Simulator(devices=400, infected_rate=0.1, faults={"accept_duplicate_targets": True}) as sim:
        _proc, _first = run_playbook(sim, tmp_path)
        fleet = sim.fleet
        # An earlier run's lost answers: a second uninstall assignment and a second profile of ours.
        wechat = next(a for a in fleet.mobile_apps.values() if a.get("bundleId") == "com.tencent.xin")
        copy_id = fleet._assign(wechat, "uninstall", {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"})[
            "id"
        ]
        ours = next(c for c in fleet.configurations.values() if c["displayName"].endswith("(iOS)"))
        twin = dict(copy.deepcopy(ours), id="twin-profile", createdDateTime="2099-01-01T00:00:00Z")
        fleet.configurations["twin-profile"] = twin
        # The customer's profile of the same name, without the collection's tag: theirs.
        fleet.configurations["customer-same-name"] = dict(
            copy.deepcopy(ours), id="customer-same-name", description="made by hand", assignments={}
        )

        _proc, again = run_playbook(sim, tmp_path)
        assert copy_id not in wechat["assignments"]
        assert [d["assignment_id"] for d in again["uninstall"]["duplicates"]] == [copy_id]
        assert "twin-profile" not in fleet.configurations and "customer-same-name" in fleet.configurations
        removed = {p["name"]: p["duplicates_removed"] for p in again["block"]["configurations"]}
        assert removed["interdict.bans blocked apps (iOS)"] == ["twin-profile"]
        _proc, third = run_playbook(sim, tmp_path)
        assert not third["uninstall"]["changed"] and not third["block"]["changed"]


def test_beta_only_android_switch():
    with Simulator(devices=100, faults={"beta_only_android": True}) as sim:
        api = fast_api(sim)
        v1 = api.client.get_all("/v1.0/deviceAppManagement/mobileApps")
        assert v1 and not [a for a in v1 if a["@odata.type"].endswith("androidManagedStoreApp")]
        apps = {a["id"]: a for a in api.mobile_apps()}
        android = [a for a in apps.values() if a["@odata.type"].endswith("androidManagedStoreApp")]
        assert android and {tuple(a["endpoints"]) for a in android} == {("beta",)}
        assert {tuple(a["endpoints"]) for a in apps.values() if "bundleId" in a} == {("v1.0", "beta")}
        with pytest.raises(MDMError, match="404"):
            api.app_assignments(android[0]["id"], "v1.0")
        assert api.app_assignments(android[0]["id"], intune_graph.app_endpoint(android[0]))
        summary = intune_inventory.inventory(api, CATALOG, now=sim.fleet.now)["mdm_apps"]
        assert {(a["platform"], a["endpoint"]) for a in summary} == {("ios", "v1.0, beta"), ("android", "beta")}


@pytest.mark.parametrize("how", ["reset", 504])
def test_lost_create_answer_switch(how):
    target = {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g-1"}
    faults = {"accept_duplicate_targets": True, "lose_create_response": {"app_assignment": how, "configuration": how}}
    with Simulator(devices=50, faults=faults) as sim:
        api = fast_api(sim)
        app_id = next(iter(sim.fleet.mobile_apps))
        created = api.add_app_assignment(app_id, "uninstall", target)
        assert created["intent"] == "uninstall" and sim.stats["faults"]["lost_create"] == 1
        same = [a for a in sim.fleet.mobile_apps[app_id]["assignments"].values() if a["target"] == target]
        assert len(same) == 1, "a create whose answer was lost was sent again"
        body = {"@odata.type": intune_changes.CONFIG_TYPES["ios"], "displayName": "p", "description": "d"}
        assert api.create_configuration(body)["displayName"] == "p"
        assert [c["displayName"] for c in sim.fleet.configurations.values()].count("p") == 1
        assert api.client.stats["ambiguous_writes"] == 2
        # Once per kind: the next create answers.
        api.add_app_assignment(app_id, "uninstall", dict(target, groupId="g-2"))
        assert api.client.stats["ambiguous_writes"] == 2


def test_seeded_exclusions_switch():
    with Simulator(devices=100, seed_exclusions=True) as sim:
        group = sim.fleet.exclusion_group_id
        assert sim.fleet.groups[group]["members"]
        plan = intune_changes.plan_uninstall(CATALOG, graph_apps(sim))
        assert {(e["app"], e["intent"], e["group_id"]) for e in plan["exclusions"]} == {
            ("WeChat", "required", group),
            ("TikTok", "available", group),
        }
        excluded = {a["assignment_id"] for a in plan["exclusions"]}
        assert not excluded & {a.get("assignment_id") for a in plan["actions"]}


def test_android_enterprise_tiktok_is_found_uninstalled_and_gone_at_the_next_sync(tmp_path):
    with Simulator(devices=600, infected_rate=0.1, faults={"beta_only_android": True}) as sim:
        holder = next(
            t
            for t in sorted(sim.fleet.truth(), key=lambda t: t["device_name"])
            if t["app"] == "TikTok"
            and t["platform"] == "android"
            and t["managed"]
            and t["ownership"] == "company"
            and not t["stale"]
        )
        name = holder["device_name"]
        _proc, _fleet = run_role(sim, tmp_path / "audit", "audit", playbook=TIKTOK_PLAYBOOK)
        audit = device_results(tmp_path / "audit")[name]
        assert audit["status"] == "non_compliant" and audit["platform"] == "android"
        assert {f["ban"] for f in audit["findings"]} == {"tiktok"}

        _proc, _fleet = run_role(sim, tmp_path / "enforce", "enforce", playbook=TIKTOK_PLAYBOOK)
        enforce = device_results(tmp_path / "enforce")[name]
        action = next(a for a in enforce["actions"] if a["method"] == "mdm_uninstall")
        assert action["outcome"] == "pending", action
        app = next(a for a in sim.fleet.mobile_apps.values() if a.get("packageId") == "com.zhiliaoapp.musically")
        assert {(a["intent"], a["target"]["@odata.type"]) for a in app["assignments"].values()} == {
            ("uninstall", "#microsoft.graph.allDevicesAssignmentTarget")
        }

        sim.fleet.sync()  # the device checks in: Intune removes the copy it installed
        assert (name, "TikTok") not in {(t["device_name"], t["app"]) for t in sim.fleet.truth()}
        _proc, _fleet = run_role(sim, tmp_path / "after", "audit", playbook=TIKTOK_PLAYBOOK)
        after = device_results(tmp_path / "after")[name]
        assert after["status"] == "compliant" and not after["findings"], after
