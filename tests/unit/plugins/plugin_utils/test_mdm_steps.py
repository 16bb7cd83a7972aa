"""The MDM step builder and the one fleet-wide decision of where an MDM's changes may reach."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.contract import finding_key
from ansible_collections.interdict.bans.plugins.module_utils.matching import match
from ansible_collections.interdict.bans.plugins.plugin_utils import _mdm_steps, _planning

BANS = load_bans(["wechat", "tiktok", "kaspersky"])
WECHAT_IOS = {"id": "app-wechat-ios", "name": "WeChat", "platform": "ios", "identifier": "com.tencent.xin"}
WECHAT_ANDROID = {"id": "app-wechat-and", "name": "WeChat", "platform": "android", "identifier": "com.tencent.mm"}
TIKTOK_IOS = {"id": "app-tiktok-ios", "name": "TikTok", "platform": "ios", "identifier": "com.zhiliaoapp.musically"}
APPS = [WECHAT_IOS, WECHAT_ANDROID, TIKTOK_IOS]
EXCEPTION = {"approver": "CISO", "reason": "partner liaison", "expires": "2099-12-31", "allow_wide": True}


def record(device, platform, name, identifier):
    return {
        "name": name,
        "identifier": identifier,
        "platform": platform,
        "source": "mdm",
        "device_id": device,
        "device_name": device,
    }


def wechat(device, platform="ios"):
    identifier = "com.tencent.xin" if platform == "ios" else "com.tencent.mm"
    return record(device, platform, "WeChat", identifier)


def kaspersky(device):
    return record(device, "ios", "Kaspersky Security & VPN", "com.kaspersky.securityadvisor")


def plan(host, records, platform="ios", supervised=True, apps=tuple(APPS), **policy):
    return _planning.removal_plan(
        match(records, BANS),
        BANS,
        host=host,
        mode="enforce",
        platform=platform,
        sources=[{"source": "intune", "state": "read", "records": len(records), "reason": ""}],
        now="2026-11-28",
        options={"mdm_apps": None if apps is None else list(apps), "device": {"id": host, "supervised": supervised}},
        **policy,
    )


def removals(result):
    return [s for s in result["steps"] if s["kind"] == "remove"]


# -- the builder, through the planner ------------------------------------------------------------------------


def test_one_uninstall_step_per_managed_app_with_the_findings_it_addresses():
    # The export names the bundle id; detectedApps only the name: both are the one app object.
    result = plan("IPH-1", [wechat("IPH-1"), dict(wechat("IPH-1"), identifier="")])
    steps = removals(result)
    assert len(steps) == 1
    step = steps[0]
    assert step["method"] == "mdm_uninstall" and step["app_id"] == "app-wechat-ios" and step["kind"] == "remove"
    assert len(result["findings"]) == 2
    assert sorted(step["findings"]) == sorted(finding_key(f) for f in result["findings"])
    assert step["exit_codes"] == {"0": "ok"} and step["platform"] == "ios"


def test_an_app_without_an_app_object_is_skipped_as_user_installed():
    result = plan("IPH-1", [kaspersky("IPH-1"), wechat("IPH-1")])
    assert [s["app_id"] for s in removals(result)] == ["app-wechat-ios"]
    assert [(s["finding"]["ban"], s["reason"]) for s in result["skipped"]] == [("kaspersky", _mdm_steps.NOT_MANAGED)]


def test_unread_app_objects_never_pass_for_user_installed():
    result = plan("IPH-1", [wechat("IPH-1")], apps=None)
    assert not removals(result)
    assert [s["reason"] for s in result["skipped"]] == [_mdm_steps.APPS_UNREAD]


def test_device_ids_keep_the_same_app_on_two_devices_apart():
    one = plan("IPH-1", [wechat("IPH-1")])["findings"][0]
    two = plan("IPH-2", [wechat("IPH-2")])["findings"][0]
    assert finding_key(one) != finding_key(two)


def test_exceptions_protected_items_and_the_cap_hold_on_a_phone():
    exempt = plan("IPH-7", [wechat("IPH-7")], exceptions=[dict(EXCEPTION, hosts=["iph-*"], bans=["wechat"])])
    assert not removals(exempt) and exempt["exempt"]
    assert not [s for s in exempt["steps"] if s["ban"] == "wechat"], "no block on an exempt device either"
    protected = plan("IPH-7", [wechat("IPH-7")], protected=["com.tencent.*"])
    assert not removals(protected) and "protected" in protected["skipped"][0]["reason"]
    capped = plan(
        "IPH-7", [wechat("IPH-7"), record("IPH-7", "ios", "TikTok", "com.zhiliaoapp.musically")], max_removals=1
    )
    assert not removals(capped) and capped["blocked_by_cap"]


def test_blocks_need_a_supervised_iphone():
    supervised = plan("IPH-1", [], supervised=True)
    assert {s["ban"] for s in supervised["steps"] if s["method"] == "mdm_block"} == {"wechat", "tiktok", "kaspersky"}
    block = next(s for s in supervised["steps"] if s["ban"] == "wechat")
    assert block["identifiers"] == ["com.tencent.xin"] and block["target"] == _mdm_steps.DEFAULT_PROFILES["ios"]
    unsupervised = plan("IPH-2", [], supervised=False)
    assert not unsupervised["steps"]
    assert {b["state"] for b in unsupervised["blocks"]} == {"not_blockable"}
    assert "supervised" in unsupervised["blocks"][0]["note"]
    android = plan("AND-1", [], platform="android", supervised=False)
    assert {s["platform"] for s in android["steps"]} == {"android"}


# -- the fleet-wide decision ----------------------------------------------------------------------------------


def fleet(*devices):
    return [{"host": host, "plan": result} for host, result in devices]


def test_an_exempt_holder_without_exclusion_groups_refuses_that_app_only():
    exceptions = [dict(EXCEPTION, hosts=["IPH-1"], bans=["wechat"])]
    devices = fleet(
        ("IPH-1", plan("IPH-1", [wechat("IPH-1")], exceptions=exceptions)),
        (
            "IPH-2",
            plan(
                "IPH-2",
                [wechat("IPH-2"), record("IPH-2", "ios", "TikTok", "com.zhiliaoapp.musically")],
                exceptions=exceptions,
            ),
        ),
        ("AND-3", plan("AND-3", [wechat("AND-3", "android")], platform="android", exceptions=exceptions)),
    )
    orders = _mdm_steps.fleet_orders(devices, APPS)
    by_app = {o["app_id"]: o for o in orders["uninstall"]}
    assert "IPH-1" in by_app["app-wechat-ios"]["refused"] and "exclusion" in by_app["app-wechat-ios"]["refused"]
    assert by_app["app-tiktok-ios"]["refused"] == "" and by_app["app-wechat-and"]["refused"] == ""
    assert by_app["app-wechat-ios"]["hosts"] == ["IPH-2"]
    assert orders["blocked"] == {
        "IPH-2": {
            "wechat:remove:mdm_uninstall:com.tencent.xin": by_app["app-wechat-ios"]["refused"],
            "wechat:block:mdm_block:ios": orders["block"]["ios"]["wechat"],
        }
    }
    assert set(orders["block"]) == {"ios"} and set(orders["block"]["ios"]) == {"wechat"}


def test_exclusion_groups_let_the_uninstall_go_around_exempt_devices():
    exceptions = [dict(EXCEPTION, hosts=["IPH-1"], bans=["wechat"])]
    devices = fleet(
        ("IPH-1", plan("IPH-1", [wechat("IPH-1")], exceptions=exceptions)),
        ("IPH-2", plan("IPH-2", [wechat("IPH-2")], exceptions=exceptions)),
    )
    orders = _mdm_steps.fleet_orders(devices, APPS, group_ids=["g-phones"], exclusion_group_ids=["g-excepted"])
    (order,) = orders["uninstall"]
    assert order["refused"] == "" and order["exclusion_group_ids"] == ["g-excepted"]
    assert order["target_group_ids"] == ["g-phones"] and order["steps"] == [
        {"host": "IPH-2", "step": "wechat:remove:mdm_uninstall:com.tencent.xin"}
    ]
    assert orders["blocked"] == {} and orders["block"] == {}


def test_a_device_over_the_cap_refuses_the_app_even_with_exclusion_groups():
    devices = fleet(
        (
            "IPH-1",
            plan(
                "IPH-1", [wechat("IPH-1"), record("IPH-1", "ios", "TikTok", "com.zhiliaoapp.musically")], max_removals=1
            ),
        ),
        ("IPH-2", plan("IPH-2", [wechat("IPH-2")], max_removals=1)),
    )
    orders = _mdm_steps.fleet_orders(devices, APPS, exclusion_group_ids=["g-excepted"])
    (order,) = orders["uninstall"]
    assert "IPH-1" in order["refused"] and "max_removals" in order["refused"]


def test_user_installed_copies_do_not_hold_an_app_back():
    devices = fleet(
        ("IPH-1", plan("IPH-1", [kaspersky("IPH-1")])),
        ("IPH-2", plan("IPH-2", [wechat("IPH-2")])),
    )
    orders = _mdm_steps.fleet_orders(devices, APPS)
    assert [o["refused"] for o in orders["uninstall"]] == [""]
    assert orders["block"] == {}


# -- the property: no assignment ever reaches a device its plan leaves alone ----------------------------------

PHONE_RECORDS = {
    "ios": [
        ("WeChat", "com.tencent.xin"),
        ("TikTok", "com.zhiliaoapp.musically"),
        ("Kaspersky Security & VPN", "com.kaspersky.securityadvisor"),
    ],
    "android": [("WeChat", "com.tencent.mm"), ("TikTok Lite", "com.zhiliaoapp.musically.go")],
}


@st.composite
def phone_fleets(draw):
    names = draw(st.lists(st.sampled_from([f"PH-{i}" for i in range(8)]), min_size=1, max_size=6, unique=True))
    exceptions = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "hosts": st.sampled_from(["PH-1", "PH-[23]", "ph-*", "none"]),
                    **{k: st.just(v) for k, v in EXCEPTION.items()},
                },
                optional={
                    "bans": st.lists(st.sampled_from(["wechat", "tiktok", "kaspersky"]), min_size=1, unique=True)
                },
            ),
            max_size=2,
        )
    )
    cap = draw(st.none() | st.integers(min_value=0, max_value=2))
    exclusions = draw(st.sampled_from([[], ["g-excepted"]]))
    devices = []
    for name in names:
        platform = draw(st.sampled_from(sorted(PHONE_RECORDS)))
        picked = draw(st.lists(st.sampled_from(PHONE_RECORDS[platform]), unique=True))
        records = [record(name, platform, app, identifier) for app, identifier in picked]
        devices.append((name, plan(name, records, platform=platform, exceptions=exceptions, max_removals=cap)))
    return devices, exclusions


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(phone_fleets())
def test_no_assignment_reaches_a_device_whose_plan_leaves_the_app(generated):
    devices, exclusions = generated
    orders = _mdm_steps.fleet_orders(fleet(*devices), APPS, exclusion_group_ids=exclusions)
    index = _mdm_steps.app_index(APPS)
    for order in orders["uninstall"]:
        if order["refused"]:
            for entry in order["steps"]:
                assert orders["blocked"][entry["host"]][entry["step"]] == order["refused"]
            continue
        for host, result in devices:
            stepped = {s["app_id"] for s in result["steps"] if s.get("app_id")}
            for item in result["exempt"]:
                if _mdm_steps.find_app(item["finding"]["software"], index) is order_app(order):
                    assert exclusions, f"{host} is exempt and holds {order['app']}, yet it is assigned"
            for item in result["skipped"]:
                if _mdm_steps.find_app(item["finding"]["software"], index) is order_app(order):
                    assert order["app_id"] in stepped, f"{host} keeps {order['app']} by policy, yet it is assigned"


def order_app(order):
    return next(app for app in APPS if app["id"] == order["app_id"])
