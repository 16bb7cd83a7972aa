"""AppLocker policy generation and merging from the catalog."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.interdict.bans.plugins.module_utils import catalog
from ansible_collections.interdict.bans.plugins.plugin_utils import _applocker as applocker
from ansible_collections.interdict.bans.plugins.plugin_utils import _planning as planning
from ansible_collections.interdict.bans.plugins.plugin_utils import _windows_steps as windows_steps

TIKTOK_PUBLISHER = "CN=4D2A1F3B-7C1E-4B5A-9F0D-2E8C6A1B3D57"
# An existing local policy as Get-AppLockerPolicy -Local -Xml writes it: default Exe rules (GUI ids, braces and
# upper case), a site rule of the organisation, a hash rule we do not model, and Script in audit mode.
with open(os.path.join(os.path.dirname(__file__), "fixtures", "applocker_local.xml"), encoding="utf-8") as _f:
    EXISTING = _f.read()


@pytest.fixture(scope="module")
def bans():
    return {ban["id"]: ban for ban in catalog.load_bans()}


def tiktok_findings():
    record = {
        "name": "BytedancePte.Ltd.TikTok",
        "platform": "windows",
        "source": "appx",
        "identifier": "BytedancePte.Ltd.TikTok_6yccndn6064se",
        "package_name": "BytedancePte.Ltd.TikTok",
        "signer": TIKTOK_PUBLISHER,
    }
    return [{"ban": "tiktok", "software": record, "rule": {"kind": "identifier"}}]


def test_publisher_id_matches_windows():
    # Microsoft's package family names end in _8wekyb3d8bbwe.
    assert (
        applocker.publisher_id("CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US")
        == "8wekyb3d8bbwe"
    )


def test_kaspersky_rules_deny_exe_and_msi_with_default_allows(bans):
    rules, not_blockable = applocker.ban_rules(bans["kaspersky"])
    assert not not_blockable
    assert {(r["collection"], r["action"], r["publisher"]) for r in rules} == {
        ("Exe", "Deny", "O=AO KASPERSKY LAB, L=MOSCOW, S=MOSCOW, C=RU"),
        ("Msi", "Deny", "O=AO KASPERSKY LAB, L=MOSCOW, S=MOSCOW, C=RU"),
    }
    xml = applocker.to_xml(applocker.policy(rules))
    root = ET.fromstring(xml)
    exe = root.find("RuleCollection[@Type='Exe']")
    assert exe.get("EnforcementMode") == "Enabled"
    ids = {rule.get("Id") for rule in exe}
    # Microsoft's default Exe rules keep everything else running.
    assert {
        "921cc481-6e17-4653-8f75-050b80acca20",
        "a61c8b2c-a319-4cd0-9690-d2177cad7b51",
        "fd686d83-a829-4351-8ff4-27c7de5755d2",
    } <= ids
    deny = exe.find("FilePublisherRule[@Action='Deny']")
    condition = deny.find("Conditions/FilePublisherCondition")
    assert condition.get("PublisherName") == "O=AO KASPERSKY LAB, L=MOSCOW, S=MOSCOW, C=RU"
    assert (condition.get("ProductName"), condition.get("BinaryName")) == ("*", "*")
    assert (
        root.find("RuleCollection[@Type='Msi']/FilePublisherRule[@Id='b7af7102-efde-4369-8a89-7a6a392d1473']")
        is not None
    )


def test_rule_ids_are_stable_and_content_derived(bans):
    first = applocker.to_xml(applocker.policy(applocker.ban_rules(bans["wechat"])[0]))
    second = applocker.to_xml(applocker.policy(applocker.ban_rules(bans["wechat"])[0]))
    assert first == second
    ids = [rule["id"] for rule in applocker.ban_rules(bans["wechat"])[0]]
    assert len(set(ids)) == len(ids)  # three Tencent product rules x two collections, all distinct


def test_tiktok_package_rule_from_host_publisher(bans):
    # Only a publisher that hashes to the catalog's publisher id is trusted.
    record = tiktok_findings()[0]["software"]
    assert applocker.publisher_id(TIKTOK_PUBLISHER) != "6yccndn6064se"
    rules, not_blockable = applocker.ban_rules(bans["tiktok"], [record])
    assert not [r for r in rules if r["collection"] == "Appx"]
    assert not_blockable and "publisher" in not_blockable[0]["note"]

    ban = {
        "id": "tiktok",
        "platforms": {
            "windows": {
                "block": {
                    "applocker": {
                        "packages": [
                            {
                                "name": "BytedancePte.Ltd.TikTok",
                                "publisher_id": applocker.publisher_id(TIKTOK_PUBLISHER),
                                "source": "test",
                            }
                        ]
                    }
                }
            }
        },
    }
    rules, not_blockable = applocker.ban_rules(ban, [record])
    assert not not_blockable
    (rule,) = rules
    assert (rule["collection"], rule["publisher"], rule["product"]) == (
        "Appx",
        TIKTOK_PUBLISHER,
        "BytedancePte.Ltd.TikTok",
    )


def test_merge_keeps_existing_rules_and_does_not_double_defaults(bans):
    ours = applocker.policy(applocker.ban_rules(bans["kaspersky"])[0])
    merged = applocker.merge(applocker.parse(EXISTING), ours)
    exe = merged["Exe"]
    ids = [rule["id"] for rule in exe["rules"]]
    assert "0b7e2d8e-3c55-4a8e-9c3a-2f0a0f6d1e11" in ids and "7c3c4a8e-1f2b-4f3a-8c1d-5e6f7a8b9c0d" in ids
    assert ids.count("921cc481-6e17-4653-8f75-050b80acca20") == 1
    assert exe["mode"] == "Enabled"  # the stricter mode wins
    assert merged["Script"]["mode"] == "AuditOnly"  # untouched
    xml = applocker.to_xml(merged)
    assert 'FileHash Type="SHA256" Data="0xAB12"' in xml  # a rule we do not model survives verbatim
    # Idempotent: merging again changes nothing.
    again = applocker.to_xml(applocker.merge(applocker.parse(xml), ours))
    assert again == xml


def test_block_step_when_missing_and_present_when_in_force(bans):
    kaspersky = bans["kaspersky"]
    current = {"applocker": [{"policy": EXISTING, "appidsvc": {"status": "Stopped", "start_mode": "Manual"}}]}
    items = windows_steps.blocks(kaspersky, [], current, {})
    (step,) = [item for item in items if item.get("kind") == "block"]
    assert step["method"] == "applocker" and step["service"] == "AppIDSvc"
    assert step["rules"] == [
        "interdict.bans kaspersky: deny O=AO KASPERSKY LAB, L=MOSCOW, S=MOSCOW, C=RU (Exe)",
        "interdict.bans kaspersky: deny O=AO KASPERSKY LAB, L=MOSCOW, S=MOSCOW, C=RU (Msi)",
    ]
    assert applocker.rules_in_force(step["content"], "kaspersky")
    # After the apply: the merged policy is in force and AppIDSvc runs -> no step, rules reported present.
    applied = {"applocker": [{"policy": step["content"], "appidsvc": {"status": "Running", "start_mode": "Auto"}}]}
    items = windows_steps.blocks(kaspersky, [], planning.normalize_current_blocks(applied), {})
    assert items and all(item["state"] == "present" for item in items)


def test_audit_mode_policy(bans):
    step = windows_steps.blocks(bans["kaspersky"], [], {}, {"applocker_mode": "audit"})[0]
    assert 'EnforcementMode="AuditOnly"' in step["content"]


def test_bad_policy_xml_is_a_clear_error():
    with pytest.raises(applocker.PolicyError, match="AppLocker policy XML"):
        applocker.parse("<AppLockerPolicy Version='1'><RuleCollection")
    with pytest.raises(applocker.PolicyError, match="root element is 'Policy'"):
        applocker.parse("<Policy/>")


def test_plan_with_blocks_for_a_windows_host(bans):
    selected = [bans["kaspersky"], bans["tiktok"]]
    result = planning.removal_plan(
        tiktok_findings(), selected, host="laptop01", mode="enforce", platform="windows", current_blocks={}
    )
    block_steps = [step for step in result["steps"] if step["kind"] == "block"]
    assert {step["ban"] for step in block_steps} == {"kaspersky", "tiktok"}
    assert any(entry["state"] == "not_blockable" for entry in result["blocks"])
    for step in block_steps:
        assert step["exit_codes"] == {"0": "ok"} and step["findings"] == []


def test_applocker_block_waits_for_the_bans_removal(bans):
    # A deny rule in force would stop the ban's own uninstaller: the planner makes the block wait.
    record = tiktok_findings()[0]["software"]
    findings = [{"ban": "tiktok", "software": record, "rule": {"kind": "identifier"}}]
    result = planning.removal_plan(
        findings, [bans["tiktok"]], host="laptop01", mode="enforce", platform="windows", current_blocks={}
    )
    removals = [step["id"] for step in result["steps"] if step["kind"] == "remove"]
    (block,) = [step for step in result["steps"] if step["kind"] == "block"]
    assert removals and sorted(block["depends_on"]) == sorted(removals)
    assert all(step["order"] < block["order"] for step in result["steps"] if step["kind"] == "remove")
