"""Properties of the one planner and the one status function, over generated fleets.

Every target kind is in the pool (Linux packages, Windows MSI/EXE/Store entries,
macOS bundles, MDM-reported phone apps), with generated exceptions, protected
lists, caps and evidence. What must hold whatever the input:

* no ban on a host with a source not fully read is ever ``compliant``;
* no step ever addresses a finding inside an active exception or a protected
  item, and removals never exceed the cap, on any target including phones;
* the plan an audit shows is the plan an enforce executes.
"""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.contract import (
    SOURCE_STATES,
    finding_key,
    source_state,
)
from ansible_collections.interdict.bans.plugins.module_utils.matching import match
from ansible_collections.interdict.bans.plugins.plugin_utils import _planning, _report, _status

BANS = load_bans(["kaspersky", "wechat", "tiktok"])
BAN_IDS = [ban["id"] for ban in BANS]
KES_CODE = "{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}"
AGENT_CODE = "{2924BEDA-E0D7-4DAF-A224-50D2E0B12F5B}"

POOL = {
    "linux": [
        {"name": n, "identifier": n, "source": "dpkg", "publisher": ""}
        for n in ("kesl", "kesl-gui", "klnagent64", "wechat", "bash", "libc6")
    ]
    + [{"name": "WeChat", "identifier": "com.tencent.WeChat", "source": "flatpak", "scope": "system"}],
    "windows": [
        {
            "name": "Kaspersky Endpoint Security for Windows",
            "identifier": KES_CODE,
            "source": "registry",
            "publisher": "AO Kaspersky Lab",
            "uninstall_string": f"MsiExec.exe /X{KES_CODE}",
            "windows_installer": True,
        },
        {
            "name": "Kaspersky Security Center Network Agent",
            "identifier": AGENT_CODE,
            "source": "registry",
            "publisher": "AO Kaspersky Lab",
            "uninstall_string": f"MsiExec.exe /X{AGENT_CODE}",
            "windows_installer": True,
        },
        {
            "name": "WeChat",
            "identifier": "WeChat",
            "source": "registry_user",
            "publisher": "Tencent",
            "uninstall_string": "C:\\Users\\a\\AppData\\Roaming\\Tencent\\WeChat\\Uninstall.exe",
            "user": "S-1-5-21-1-2-3-1001",
        },
        {"name": "TikTok", "identifier": "BytedancePte.Ltd.TikTok_6yccndn6064se", "source": "appx"},
        {"name": "7-Zip", "identifier": "7-Zip", "source": "registry", "uninstall_string": "C:\\7z\\uninstall.exe"},
    ],
    "macos": [
        {
            "name": "WeChat",
            "identifier": "com.tencent.xinWeChat",
            "source": "app_bundle",
            "path": "/Applications/WeChat.app",
        },
        {
            "name": "TikTok",
            "identifier": "com.zhiliaoapp.musically",
            "source": "app_bundle",
            "path": "/Applications/TikTok.app",
        },
    ],
    "ios": [
        {"name": "WeChat", "identifier": "com.tencent.xin", "source": "mdm", "device_id": "d1"},
        {"name": "TikTok", "identifier": "com.zhiliaoapp.musically", "source": "mdm", "device_id": "d1"},
    ],
    "android": [
        {"name": "WeChat", "identifier": "com.tencent.mm", "source": "mdm", "device_id": "d2"},
        {"name": "Kaspersky Security & VPN", "identifier": "com.kms.free", "source": "mdm", "device_id": "d2"},
    ],
}
HOSTS = ["web01", "laptop-07", "phone-3", "WEB02.example.org"]


@st.composite
def hosts(draw):
    """A host (or device) of one platform: its records, evidence, exceptions, protected list and cap."""
    platform = draw(st.sampled_from(sorted(POOL)))
    records = [dict(r, platform=platform) for r in draw(st.lists(st.sampled_from(POOL[platform]), unique_by=str))]
    host = draw(st.sampled_from(HOSTS))
    exception = st.fixed_dictionaries(
        {
            "hosts": st.sampled_from(["web*", "laptop-07", "*", "phone-?", "none"]),
            "approver": st.just("CIO Office"),
            "reason": st.just("ticket SEC-1"),
            "expires": st.sampled_from(["2026-01-01", "2026-11-29", "2099-12-31"]),
            # Every host or 2099 is wide: the planner refuses it without allow_wide.
            "allow_wide": st.just(True),
        },
        optional={"bans": st.lists(st.sampled_from(BAN_IDS), min_size=1, unique=True)},
    )
    sources = draw(
        st.lists(
            st.builds(
                source_state,
                st.sampled_from(["dpkg", "registry", "appx", "app_bundle", "intune"]),
                st.sampled_from(SOURCE_STATES),
            ),
            max_size=3,
            unique_by=lambda s: s["source"],
        )
    )
    return {
        "host": host,
        "platform": platform,
        "records": records,
        "sources": {"platform": platform, "sources": sources},
        "exceptions": draw(st.lists(exception, max_size=2)),
        "protected": draw(
            st.lists(st.sampled_from(["kesl", "klnagent*", "WeChat", "com.tencent.*", "tiktok"]), max_size=2)
        ),
        "max_removals": draw(st.none() | st.integers(min_value=0, max_value=4)),
    }


def plan_for(host, mode="audit"):
    return _planning.removal_plan(
        match(host["records"], BANS),
        BANS,
        host=host["host"],
        mode=mode,
        exceptions=host["exceptions"],
        protected=host["protected"],
        max_removals=host["max_removals"],
        sources=host["sources"],
        platform=host["platform"],
        now="2026-11-29",
        options={"mdm_apps": []},
    )


SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(hosts())
def test_no_step_touches_an_exempt_or_protected_finding_and_the_cap_holds(host):
    plan = plan_for(host, mode="enforce")
    exceptions = _planning.validate_exceptions(host["exceptions"], "2026-11-29")
    findings = {finding_key(f): f for f in plan["findings"]}
    for step in plan["steps"]:
        if step["kind"] == "block":
            assert _planning.active_exception(exceptions, host["host"], step["ban"]) is None
            continue
        for key in step["findings"]:
            finding = findings[key]
            assert _planning.active_exception(exceptions, host["host"], finding["ban"]) is None
            assert _planning.protected_by(finding["software"], host["protected"]) is None
    removals = [s for s in plan["steps"] if s["kind"] == "remove" and not s.get("fallback_for")]
    if host["max_removals"] is not None:
        assert len(removals) <= host["max_removals"]


@SETTINGS
@given(hosts())
def test_the_audit_plan_is_the_plan_enforce_executes(host):
    assert plan_for(host, "audit")["steps"] == plan_for(host, "enforce")["steps"]


@SETTINGS
@given(hosts(), st.booleans(), st.sampled_from(["ok", "failed", "absent", "pending", "skipped"]))
def test_no_ban_with_evidence_not_fully_read_is_ever_compliant(host, enforce, outcome):
    plan = plan_for(host, "enforce" if enforce else "audit")
    actions = [{"step": s["id"], "outcome": outcome} for s in plan["steps"]] if enforce else []
    record = _report.host_result(
        host["host"],
        plan=copy.deepcopy(plan),
        actions=actions,
        mode="enforce" if enforce else "audit",
        bans=BANS,
        sources=host["sources"],
        verified=enforce and outcome == "ok",
        remaining=[],
    )
    if _status.evidence_gaps(host["sources"]):
        assert record["status"] != "compliant"
        assert "compliant" not in record["per_ban"].values()
        assert set(record["per_ban"].values()) <= {"unknown", "non_compliant", "failed"}
    assert record["status"] == _status.worst(record["per_ban"].values(), default=record["status"])
