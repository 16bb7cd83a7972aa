"""Jamf Pro devices through the one planner: exceptions, the protected list and the cap hold, and the reasons."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.interdict.bans.plugins.module_utils import jamf
from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.contract import finding_key
from ansible_collections.interdict.bans.plugins.module_utils.matching import match
from ansible_collections.interdict.bans.plugins.plugin_utils import _mdm_fleet, _mdm_steps

BANS = load_bans(["wechat", "tiktok", "kaspersky"])
APPS = [
    {"id": "1", "name": "WeChat", "platform": "ios", "identifier": "com.tencent.xin", "bans": ["wechat"]},
    {"id": "2", "name": "TikTok", "platform": "ios", "identifier": "com.zhiliaoapp.musically", "bans": ["tiktok"]},
]
EXCEPTION = {"approver": "CISO", "reason": "partner liaison", "expires": "2099-12-31", "allow_wide": True}
APPS_ON = {
    "ios": [("WeChat", "com.tencent.xin"), ("TikTok", "com.zhiliaoapp.musically")],
    "macos": [("WeChat", "com.tencent.xinWeChat"), ("TikTok LIVE Studio", "")],
}


def device(name, platform, supervised, picked):
    """A device summary and its findings, as JamfProvider.inventory gives them."""
    device_id = f"{'computer' if platform == 'macos' else 'mobile'}:{name}"
    records = [
        {
            "name": app,
            "identifier": identifier,
            "platform": platform,
            "source": "mdm",
            "managed": managed,
            "device_id": device_id,
            "device_name": name,
        }
        for (app, identifier), managed in picked
    ]
    findings = [dict(f, device_id=device_id) for f in match(records, BANS)]
    summary = {
        "id": device_id,
        "host": name,
        "name": name,
        "platform": platform,
        "supervised": supervised,
        "ownership": "company",
        "sources": [{"source": "jamf", "state": "read", "records": len(findings), "reason": ""}],
    }
    return summary, findings


@st.composite
def jamf_fleets(draw):
    names = draw(st.lists(st.sampled_from([f"J-{i}" for i in range(8)]), min_size=1, max_size=6, unique=True))
    devices, findings = [], []
    for name in names:
        platform = draw(st.sampled_from(["ios", "macos"]))
        picked = draw(st.lists(st.tuples(st.sampled_from(APPS_ON[platform]), st.booleans()), unique_by=lambda p: p[0]))
        summary, found = device(name, platform, draw(st.booleans()), picked)
        devices.append(summary)
        findings += found
    exceptions = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "hosts": st.sampled_from(["J-1", "J-[23]", "j-*", "none"]),
                    **{k: st.just(v) for k, v in EXCEPTION.items()},
                },
                optional={"bans": st.lists(st.sampled_from(["wechat", "tiktok"]), min_size=1, unique=True)},
            ),
            max_size=2,
        )
    )
    protected = draw(st.sampled_from([[], ["TikTok*"]]))
    cap = draw(st.none() | st.integers(min_value=0, max_value=1))
    inventory = {
        "provider": "jamf",
        "tenant_id": "https://jamf.example",
        "devices": devices,
        "findings": findings,
        "mdm_apps": APPS,
    }
    return inventory, exceptions, protected, cap


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(jamf_fleets())
def test_policy_holds_on_jamf_devices(generated):
    inventory, exceptions, protected, cap = generated
    fleet = _mdm_fleet.plan_fleet(
        inventory,
        BANS,
        mode="enforce",
        exceptions=exceptions,
        protected=protected,
        max_removals=cap,
        now="2026-11-28",
        platforms=("ios", "macos"),
    )
    removed_by_order = {(d, o["app_id"]) for o in fleet["uninstall"] if not o["refused"] for d in o["device_ids"]}
    for entry in fleet["devices"]:
        plan = entry["plan"]
        steps = [s for s in plan["steps"] if s["kind"] == "remove"]
        device_id = entry["device"]["id"]
        # The cap: more removals than allowed plans none.
        if cap is not None:
            assert len(steps) <= cap
        for item in plan["exempt"]:
            # An excepted finding is never removed from this device by any order.
            assert not any(finding_key(item["finding"]) in s["findings"] for s in steps)
        for item in plan["skipped"]:
            software = item["finding"]["software"]
            if software["platform"] == "macos":
                assert (
                    item["reason"] in (jamf.MAC_NOT_REMOVABLE,)
                    or "protected" in item["reason"]
                    or "max_removals" in item["reason"]
                )
        for step in steps:
            assert (device_id, step["app_id"]) in removed_by_order
            # Only a copy Jamf manages is ever removed.
            on_device = [f["software"] for f in plan["findings"] if finding_key(f) in step["findings"]]
            assert all(s.get("managed") for s in on_device)
            assert all(not any(s["name"].startswith(p.rstrip("*")) for p in protected) for s in on_device)
        # Jamf removes per device: an order only names devices whose plans carry its step.
    for order in fleet["uninstall"]:
        assert not order["refused"], "a per-device removal is never refused because of another device"
        for host in order["hosts"]:
            entry = next(e for e in fleet["devices"] if e["host"] == host)
            assert any(s.get("app_id") == order["app_id"] for s in entry["plan"]["steps"])


def test_reasons_on_jamf_devices():
    mac, mac_findings = device("MAC-1", "macos", True, [(("WeChat", "com.tencent.xinWeChat"), False)])
    phone, phone_findings = device("IOS-1", "ios", False, [(("WeChat", "com.tencent.xin"), False)])
    managed, managed_findings = device("IOS-2", "ios", False, [(("WeChat", "com.tencent.xin"), True)])
    inventory = {
        "provider": "jamf",
        "devices": [mac, phone, managed],
        "findings": mac_findings + phone_findings + managed_findings,
        "mdm_apps": APPS,
    }
    fleet = _mdm_fleet.plan_fleet(inventory, BANS, mode="enforce", now="2026-11-28", platforms=("ios", "macos"))
    by_host = {e["host"]: e["plan"] for e in fleet["devices"]}
    assert [s["reason"] for s in by_host["MAC-1"]["skipped"]] == [jamf.MAC_NOT_REMOVABLE]
    assert [s["reason"] for s in by_host["IOS-1"]["skipped"]] == [jamf.USER_INSTALLED_UNSUPERVISED]
    assert [s["method"] for s in by_host["IOS-2"]["steps"] if s["kind"] == "remove"] == [_mdm_steps.UNINSTALL]
    # Blocks: a Mac gets restricted software for the ban's process name; an unsupervised iPhone is not blockable.
    mac_blocks = [s for s in by_host["MAC-1"]["steps"] if s["kind"] == "block" and s["ban"] == "wechat"]
    assert mac_blocks and mac_blocks[0]["identifiers"] == ["WeChat"]
    phone_block = next(b for b in by_host["IOS-1"]["blocks"] if b["ban"] == "wechat")
    assert phone_block["state"] == "not_blockable" and phone_block["note"] == jamf.NOT_SUPERVISED
    assert fleet["uninstall"][0]["device_ids"] == ["mobile:IOS-2"]


def test_a_device_two_mdms_report_is_one_result_with_both_sources():
    phone, phone_findings = device("SHARED-1", "ios", True, [(("WeChat", "com.tencent.xin"), True)])
    jamf_fleet = _mdm_fleet.plan_fleet(
        {"provider": "jamf", "devices": [phone], "findings": phone_findings, "mdm_apps": APPS},
        BANS,
        now="2026-11-28",
        platforms=("ios", "macos"),
    )
    intune_device = dict(
        phone, id="intune-1", sources=[{"source": "intune", "state": "read", "records": 0, "reason": ""}]
    )
    intune_fleet = _mdm_fleet.plan_fleet(
        {"provider": "intune", "devices": [intune_device], "findings": [], "mdm_apps": []}, BANS, now="2026-11-28"
    )
    results = _mdm_fleet.merged_results([{"fleet": intune_fleet}, {"fleet": jamf_fleet}], BANS)
    assert [r["host"] for r in results] == ["SHARED-1"]
    (result,) = results
    assert sorted(s["source"] for s in result["sources"]) == ["intune", "jamf"]
    assert result["status"] == "non_compliant"
