"""Intune: Graph names, each device's evidence, and the assignment changes that carry out a plan."""

from ansible_collections.interdict.bans.plugins.module_utils import intune_changes, intune_graph, intune_inventory
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog

CATALOG = CompiledCatalog(load_bans(["wechat", "tiktok"]))
ALL_DEVICES = {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}


def group(gid, exclusion=False):
    kind = "exclusionGroupAssignmentTarget" if exclusion else "groupAssignmentTarget"
    return {"@odata.type": f"#microsoft.graph.{kind}", "groupId": gid}


def app(app_id, bundle, name, *assignments):
    return {
        "@odata.type": "#microsoft.graph.iosStoreApp",
        "id": app_id,
        "displayName": name,
        "bundleId": bundle,
        "assignments": [
            {"id": f"{app_id}-{n}", "intent": intent, "target": target}
            for n, (intent, target) in enumerate(assignments)
        ],
    }


WECHAT = app("wechat", "com.tencent.xin", "WeChat", ("available", ALL_DEVICES), ("required", group("g-x", True)))
TIKTOK = app("tiktok", "com.zhiliaoapp.musically", "TikTok", ("required", group("g-corp")))
OUTLOOK = app("outlook", "com.microsoft.Office.Outlook", "Microsoft Outlook", ("required", ALL_DEVICES))


def test_host_names_append_the_id_to_a_repeated_name():
    devices = [
        {"id": "b", "deviceName": "iPhone"},
        {"id": "a", "deviceName": "iPhone"},
        {"id": "c", "deviceName": "IPH-3", "serialNumber": "S3"},
    ]
    assert intune_graph.host_names(devices) == {"a": "iPhone", "b": "iPhone_b", "c": "IPH-3"}
    assert intune_graph.host_names(devices, "serial_number")["c"] == "S3"


def test_device_evidence_is_read_partial_or_failed_with_the_reason():
    def state(device, complete=True, problems=(), error=""):
        (source,) = intune_inventory.device_sources(device, 1, complete, list(problems), 30, error)
        return source["state"], source["reason"]

    company = {"listed": True, "inventory": "read"}
    assert state(company) == ("read", "")
    assert state({"listed": True, "inventory": "managed_apps_only"})[0] == "partial"
    stale = state({"listed": True, "inventory": "stale", "last_sync": "2026-10-01T00:00:00Z"})
    assert stale[0] == "failed" and "2026-10-01" in stale[1]
    incomplete = state(company, complete=False, problems=["GET /detectedApps: HTTP 503"])
    assert incomplete == ("failed", "Intune inventory incomplete: GET /detectedApps: HTTP 503")
    unlisted = state({"listed": False}, error="GET /managedDevices: HTTP 503")
    assert unlisted[0] == "failed" and "not in the Intune device listing" in unlisted[1] and "503" in unlisted[1]


def test_only_the_apps_ordered_are_touched_each_with_its_targets():
    orders = [
        {"app_id": "wechat", "target_group_ids": [], "exclusion_group_ids": ["g-exempt"]},
        {"app_id": "outlook"},  # not banned: never touched, whatever an order says
        {"app_id": "gone"},
    ]
    plan = intune_changes.plan_uninstall(CATALOG, [WECHAT, TIKTOK, OUTLOOK], orders=orders)
    assert plan["unknown"] == ["outlook", "gone"]
    assert {a["app_id"] for a in plan["actions"]} == {"wechat"}
    changes = {(a["action"], a["intent"], intune_graph.describe_target(a["target"])) for a in plan["actions"]}
    assert changes == {
        ("delete", "available", "all devices"),
        ("create", "uninstall", "all devices"),
        ("create", "uninstall", "excluding group g-exempt"),
    }
    # The customer's exclusion (intent required) is kept.
    (wechat,) = plan["apps"]
    assert "required: excluding group g-x" in wechat["assignments_after"]


def test_a_refused_order_changes_nothing_and_says_what_still_reaches_devices():
    already = app("wechat", "com.tencent.xin", "WeChat", ("uninstall", ALL_DEVICES))
    plan = intune_changes.plan_uninstall(
        CATALOG, [already], orders=[{"app_id": "wechat", "refused": "an exempt device holds it"}]
    )
    assert plan["actions"] == []
    assert plan["apps"][0]["refused"] == "an exempt device holds it"
    assert plan["apps"][0]["reaching"] == ["all devices"]


def test_without_orders_every_banned_app_gets_the_groups_and_a_second_run_changes_nothing():
    plan = intune_changes.plan_uninstall(CATALOG, [WECHAT, TIKTOK, OUTLOOK], group_ids=["g-phones"])
    assert {a["app_id"] for a in plan["actions"]} == {"wechat", "tiktok"}
    done = []
    for entry in (WECHAT, TIKTOK):
        kept = [
            a
            for a in entry["assignments"]
            if not any(x["action"] == "delete" and x["assignment_id"] == a["id"] for x in plan["actions"])
        ]
        created = [
            {"id": f"new-{n}", "intent": x["intent"], "target": x["target"]}
            for n, x in enumerate(plan["actions"])
            if x["action"] == "create" and x["app_id"] == entry["id"]
        ]
        done.append(dict(entry, assignments=kept + created))
    again = intune_changes.plan_uninstall(CATALOG, done, group_ids=["g-phones"])
    assert again["actions"] == []


def test_exclusions_are_never_touched_and_listed_with_their_group():
    # The customer's exclusion has intent "required", an intent the uninstall otherwise deletes.
    plan = intune_changes.plan_uninstall(CATALOG, [WECHAT], group_ids=[])
    assert not [a for a in plan["actions"] if a.get("assignment_id") == "wechat-1"]
    assert plan["exclusions"] == [
        {
            "app_id": "wechat",
            "app": "WeChat",
            "platform": "ios",
            "assignment_id": "wechat-1",
            "intent": "required",
            "group_id": "g-x",
            "excludes": "excluding group g-x",
        }
    ]
    assert plan["apps"][0]["exclusions"] == ["g-x"]


def test_a_duplicate_of_our_own_assignment_is_deleted_and_reported():
    twice = app("wechat", "com.tencent.xin", "WeChat", ("uninstall", ALL_DEVICES), ("uninstall", ALL_DEVICES))
    plan = intune_changes.plan_uninstall(CATALOG, [twice])
    assert [(a["action"], a["assignment_id"], a.get("duplicate")) for a in plan["actions"]] == [
        ("delete", "wechat-1", True)
    ]
    assert [d["assignment_id"] for d in plan["duplicates"]] == ["wechat-1"]
    assert plan["apps"][0]["assignments_after"] == ["uninstall: all devices"]


def test_apps_read_only_on_beta_are_written_through_beta_and_a_ban_without_app_is_not_managed():
    android = {
        "@odata.type": "#microsoft.graph.androidManagedStoreApp",
        "id": "tiktok-a",
        "displayName": "TikTok",
        "packageId": "com.zhiliaoapp.musically",
        "assignments": [],
        "endpoints": ["beta"],
    }
    plan = intune_changes.plan_uninstall(CATALOG, [android, WECHAT], platforms=["ios", "android"])
    by_app = {a["app_id"]: a["endpoint"] for a in plan["actions"]}
    assert by_app == {"tiktok-a": "beta", "wechat": "v1.0"}
    assert {a["id"]: a["endpoint"] for a in plan["apps"]} == {"tiktok-a": "beta", "wechat": "v1.0"}
    missing = intune_changes.not_managed(
        load_bans(["wechat", "tiktok"]), [android, WECHAT], CATALOG, ["ios", "android"]
    )
    assert missing == [
        {"ban": "wechat", "platform": "android", "reason": intune_changes.NOT_MANAGED},
        {"ban": "tiktok", "platform": "ios", "reason": intune_changes.NOT_MANAGED},
    ]


def profile(config_id, name, description, *bundles):
    return {
        "@odata.type": "#microsoft.graph.iosGeneralDeviceConfiguration",
        "id": config_id,
        "displayName": name,
        "description": description,
        "appsVisibilityListType": "appsNotInListCompliant",
        "appsVisibilityList": [{"appId": b} for b in bundles],
    }


def test_block_finds_its_own_profile_by_name_and_tag_and_removes_only_its_own_copies():
    name = "interdict.bans blocked apps (iOS)"
    lists = {"appsVisibilityList": "appsVisibilityListType"}
    bans = load_bans(["tiktok"])
    ours = [profile(f"p{n}", name, intune_changes.OWNED_MARKER, "com.zhiliaoapp.musically") for n in (1, 2)]
    customer = profile("c1", name, "made by hand")
    plan = intune_changes.plan_block(bans, [customer, *ours], "ios", name, lists)
    assert plan["id"] == "p1" and plan["owned"] and plan["duplicates"] == ["p2"] and plan["others"] == ["c1"]
    assert any("did not create" in p for p in plan["problems"])
    # Without a copy of ours, the customer's profile of that name is patched, never deleted.
    plan = intune_changes.plan_block(bans, [customer], "ios", name, lists)
    assert plan["id"] == "c1" and not plan["owned"] and plan["duplicates"] == [] and plan["action"] == "update"


def test_ios_compliance_policy_merges_the_banned_bundle_ids_keeps_the_customers_and_then_changes_nothing():
    name = "Contoso iOS compliance"
    bans = load_bans(["wechat", "tiktok"])
    banned = set(intune_changes.blocked_identifiers(bans, "ios"))
    fortnite = {"@odata.type": "#microsoft.graph.appListItem", "name": "Fortnite", "appId": "com.epicgames.fortnite"}
    wechat_upper = {"name": "WeChat", "appId": "COM.TENCENT.XIN", "publisher": "Tencent"}
    customer = {
        "@odata.type": "#microsoft.graph.iosCompliancePolicy",
        "id": "c1",
        "displayName": name,
        "description": "made by hand",
        "restrictedApps": [fortnite, wechat_upper],
    }
    # A restrictions profile of the same name is another thing: never taken for the policy.
    lookalike = dict(profile("p1", name, "made by hand"), restrictedApps=[])
    plan = intune_changes.plan_compliance(bans, [lookalike, customer], name)
    assert plan["action"] == "update" and plan["id"] == "c1" and not plan["owned"]
    merged = plan["body"]["restrictedApps"]
    # The customer's entries stay as they are, first; a bundle id already there (any case) is not added again.
    assert merged[:2] == [fortnite, wechat_upper]
    assert {i["appId"] for i in merged[2:]} == banned - {"com.tencent.xin"}
    assert set(plan["body"]) == {"@odata.type", "restrictedApps"}
    assert set(plan["after"]["restrictedApps"]) == {i["appId"] for i in merged}

    again = intune_changes.plan_compliance(bans, [dict(customer, restrictedApps=merged)], name)
    assert again["action"] == "none" and again["body"] == {}


def test_a_new_ios_compliance_policy_carries_its_tag_the_banned_apps_and_one_block_action():
    bans = load_bans(["tiktok"])
    plan = intune_changes.plan_compliance(bans, [], "interdict.bans restricted apps (iOS)")
    body = plan["body"]
    assert plan["action"] == "create" and plan["owned"]
    assert body["@odata.type"] == "#microsoft.graph.iosCompliancePolicy"
    assert intune_graph.is_owned_profile(body)
    assert [i["appId"] for i in body["restrictedApps"]] == intune_changes.blocked_identifiers(bans, "ios")
    actions = [a for rule in body["scheduledActionsForRule"] for a in rule["scheduledActionConfigurations"]]
    assert [a["actionType"] for a in actions] == ["block"]
    # No bans for iOS: nothing to do, nothing made.
    assert intune_changes.plan_compliance([], [], "x")["action"] == "none"


def test_application_key_is_an_identifier_only_when_it_has_the_shape_of_one():
    assert intune_graph.application_key_identifier("com.tencent.xin") == "com.tencent.xin"
    assert intune_graph.application_key_identifier("0f4a24f5-a140-cc5b-511b-bbbb633f00d6") == ""
    assert intune_graph.application_key_identifier("5d41402abc4b2a76b9719d911017c592") == ""
    assert intune_graph.application_key_identifier("com.x; rm -rf /") == ""
    assert intune_graph.application_key_identifier("a." + "b" * 300) == ""
