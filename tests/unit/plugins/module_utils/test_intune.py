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
