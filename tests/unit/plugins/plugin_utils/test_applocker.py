"""AppLocker policy generation and merging from the catalog."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.interdict.bans.plugins.module_utils import catalog
from ansible_collections.interdict.bans.plugins.plugin_utils import _applocker as applocker
from ansible_collections.interdict.bans.plugins.plugin_utils import _planning as planning

TIKTOK_PUBLISHER = "CN=4D2A1F3B-7C1E-4B5A-9F0D-2E8C6A1B3D57"


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


def test_kaspersky_rules_deny_exe_and_msi(bans):
    rules, not_blockable = applocker.ban_rules(bans["kaspersky"])
    assert not not_blockable
    assert {(r["collection"], r["action"], r["publisher"]) for r in rules} == {
        ("Exe", "Deny", "O=AO KASPERSKY LAB, L=MOSCOW, S=MOSCOW, C=RU"),
        ("Msi", "Deny", "O=AO KASPERSKY LAB, L=MOSCOW, S=MOSCOW, C=RU"),
    }
    root = ET.fromstring(applocker.to_xml(applocker.policy(rules)))
    deny = root.find("RuleCollection[@Type='Exe']/FilePublisherRule[@Action='Deny']")
    condition = deny.find("Conditions/FilePublisherCondition")
    assert condition.get("PublisherName") == "O=AO KASPERSKY LAB, L=MOSCOW, S=MOSCOW, C=RU"
    assert (condition.get("ProductName"), condition.get("BinaryName")) == ("*", "*")


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
