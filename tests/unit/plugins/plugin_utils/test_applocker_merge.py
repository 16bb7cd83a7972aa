"""AppLocker as a blocklist: golden policies, what they block, explicit modes, extensions last, schema, idempotence.

Each case is a local policy as Get-AppLockerPolicy -Local -Xml writes it (and,
for the GPO case, the effective policy) in fixtures/applocker/. The merge of
the Kaspersky ban (Exe and Msi publisher denies) and then the TikTok ban (an
Appx deny) into it must equal ``<case>.merged.xml`` byte for byte, validate
against the AppLocker schema (fixtures/applocker/AppLockerPolicy.xsd, with its
sources), block only the banned publishers (checked with the documented
AppLocker evaluation below, on files a fleet really runs), and stay the same
bytes when merged again.
"""

from __future__ import annotations

import fnmatch
import os

import pytest

from ansible_collections.interdict.bans.plugins.module_utils import catalog
from ansible_collections.interdict.bans.plugins.plugin_utils import _applocker as applocker
from ansible_collections.interdict.bans.plugins.plugin_utils import _windows_steps as windows_steps

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "applocker")
CASES = ("empty", "allowlist", "denies", "extensions", "gpo")
KASPERSKY = "O=AO KASPERSKY LAB, L=MOSCOW, S=MOSCOW, C=RU"
TIKTOK_PUBLISHER = "CN=4D2A1F3B-7C1E-4B5A-9F0D-2E8C6A1B3D57"
EVERYONE, USERS = "S-1-1-0", "S-1-5-32-545"
STANDARD_USER = (EVERYONE, USERS)


def read(name):
    path = os.path.join(FIXTURES, name)
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def bans():
    found = {ban["id"]: ban for ban in catalog.load_bans()}
    tiktok = dict(found["tiktok"])
    windows = dict(tiktok["platforms"]["windows"])
    block = {"applocker": {"packages": [{"name": "BytedancePte.Ltd.TikTok", "publisher": TIKTOK_PUBLISHER}]}}
    tiktok["platforms"] = dict(tiktok["platforms"], windows=dict(windows, block=block))
    return {"kaspersky": found["kaspersky"], "tiktok": tiktok}


def merge_case(case, bans, mode="Enabled", services=False):
    """The local policy after the Kaspersky block and then the TikTok block (two steps of one run)."""
    local = applocker.parse(read(f"{case}.local.xml"))
    effective = applocker.parse(read(f"{case}.effective.xml"))
    for ban_id in ("kaspersky", "tiktok"):
        ours = applocker.policy(applocker.ban_rules(bans[ban_id])[0], mode)
        local = applocker.merge(local, ours, effective, services)
    return applocker.to_xml(local)


# ---------------------------------------------------------------- AppLocker's evaluation, as documented
# https://learn.microsoft.com/windows/security/application-security/application-control/app-control-for-business/
# applocker/understand-applocker-rules (and ...-enforcement-settings): a collection without rules, or in audit,
# blocks nothing; otherwise a matching deny wins, then a matching allow; anything else is blocked.

ENVIRONMENT = {"%PROGRAMFILES%": "C:\\Program Files", "%WINDIR%": "C:\\Windows", "%OSDRIVE%": "C:"}


def _path_matches(pattern, path):
    for variable, value in ENVIRONMENT.items():
        pattern = pattern.replace(variable, value)
    return fnmatch.fnmatchcase(path.casefold(), pattern.casefold())


def _matches(rule, app):
    if rule["type"] == "path":
        return _path_matches(rule["path"], app["path"])
    if rule["type"] == "publisher":
        if not app.get("publisher"):
            return False  # an unsigned file matches no publisher rule
        return all(
            rule[key] == "*" or rule[key].casefold() == app.get(key, "").casefold()
            for key in ("publisher", "product", "binary")
        )
    return False  # hash and complex rules: none of the sample files


def runs(policy, app, user=STANDARD_USER):
    collection = policy.get(app["collection"])
    if not collection or not collection["rules"] or applocker.effective_mode(collection) != "Enabled":
        return True
    rules = [rule for rule in collection["rules"] if rule["sid"] in user]
    if any(rule["action"] == "Deny" and _matches(rule, app) for rule in rules):
        return False
    return any(rule["action"] == "Allow" and _matches(rule, app) for rule in rules)


def app(collection, path, publisher="", product="", binary=""):
    return {"collection": collection, "path": path, "publisher": publisher, "product": product, "binary": binary}


FLEET = {
    "per-user Teams": app(
        "Exe", "C:\\Users\\ana\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe", "O=MICROSOFT CORPORATION"
    ),
    "Zoom": app("Exe", "C:\\Users\\ana\\AppData\\Roaming\\Zoom\\bin\\Zoom.exe", "O=ZOOM VIDEO COMMUNICATIONS, INC."),
    "OneDrive": app("Exe", "C:\\Users\\ana\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe", "O=MICROSOFT"),
    "tool on D:": app("Exe", "D:\\tools\\putty.exe"),
    "ClickOnce app": app("Exe", "C:\\Users\\ana\\AppData\\Local\\Apps\\2.0\\X1\\app.exe"),
    "Chrome installer": app("Msi", "C:\\Users\\ana\\Downloads\\googlechromestandaloneenterprise64.msi", "O=GOOGLE LLC"),
    "Calculator": app("Appx", "", "CN=Microsoft Corporation", "Microsoft.WindowsCalculator"),
    "Program Files app": app("Exe", "C:\\Program Files\\7-Zip\\7zFM.exe"),
}
BANNED = {
    "Kaspersky": app("Exe", "C:\\Program Files (x86)\\Kaspersky Lab\\avp.exe", KASPERSKY, "Kaspersky", "AVP.EXE"),
    "Kaspersky MSI": app("Msi", "C:\\Users\\ana\\Downloads\\kes.msi", KASPERSKY, "Kaspersky", "KES.MSI"),
    "TikTok": app("Appx", "", TIKTOK_PUBLISHER, "BytedancePte.Ltd.TikTok"),
}


@pytest.mark.parametrize("case", CASES)
def test_merged_policy_is_the_golden_file(case, bans):
    assert merge_case(case, bans) == read(f"{case}.merged.xml")


@pytest.mark.parametrize("case", CASES)
def test_a_second_merge_is_byte_identical(case, bans):
    merged = merge_case(case, bans)
    effective = applocker.parse(read(f"{case}.effective.xml"))
    again = applocker.parse(merged)
    for ban_id in ("kaspersky", "tiktok"):
        again = applocker.merge(again, applocker.policy(applocker.ban_rules(bans[ban_id])[0]), effective)
    assert applocker.to_xml(again) == merged


@pytest.mark.parametrize("case", CASES)
def test_merged_policy_validates_against_the_applocker_schema(case, bans):
    etree = pytest.importorskip("lxml.etree", reason="lxml validates XML Schema")
    schema = etree.XMLSchema(etree.parse(os.path.join(FIXTURES, "AppLockerPolicy.xsd")))
    for text in (read(f"{case}.local.xml"), merge_case(case, bans)):
        document = etree.fromstring(text.encode())
        assert schema.validate(document), schema.error_log


def test_the_schema_refuses_what_the_old_merge_wrote():
    etree = pytest.importorskip("lxml.etree", reason="lxml validates XML Schema")
    schema = etree.XMLSchema(etree.parse(os.path.join(FIXTURES, "AppLockerPolicy.xsd")))
    extensions_first = read("extensions.local.xml").replace(
        "  </RuleCollection>",
        '    <FilePathRule Id="0b7e2d8e-3c55-4a8e-9c3a-2f0a0f6d1e11" Name="x" Description="" '
        'UserOrGroupSid="S-1-1-0" Action="Allow"><Conditions><FilePathCondition Path="*" /></Conditions>'
        "</FilePathRule>\n  </RuleCollection>",
    )
    assert not schema.validate(etree.fromstring(extensions_first.encode()))


def combined(local, domain):
    """The effective policy: local and domain rules together, the domain's mode where it sets one."""
    result = {}
    for name in set(local) | set(domain):
        mine, theirs = local.get(name, applocker._empty()), domain.get(name, applocker._empty())
        mode = theirs["mode"] if theirs["mode"] != "NotConfigured" else mine["mode"]
        result[name] = {"mode": mode, "rules": mine["rules"] + theirs["rules"]}
    return result


def _allowlist_lets_run(policy, sample):
    collection = policy.get(sample["collection"])
    if not collection or not applocker.allows_anything(collection):
        return True  # no allowlist: whatever it denies, AppIDSvc was not enforcing an allowlist here
    return runs(policy, sample)


@pytest.mark.parametrize("case", CASES)
def test_only_the_banned_publishers_are_blocked(case, bans):
    before = applocker.parse(read(f"{case}.local.xml"))
    domain = applocker.parse(read(f"{case}.effective.xml"))
    after = combined(applocker.parse(merge_case(case, bans)), domain)
    for name, sample in FLEET.items():
        # What an allowlist (local or the domain's) let run still runs; everything else runs now.
        expected = _allowlist_lets_run(before, sample) and runs(domain, sample)
        assert runs(after, sample) == expected, f"{case}: {name}"
    notes = []
    for ban_id in ("kaspersky", "tiktok"):
        entry = {"policy": read(f"{case}.local.xml"), "effective": read(f"{case}.effective.xml")}
        step = [i for i in windows_steps.blocks(bans[ban_id], [], {"applocker": [entry]}, {}) if i.get("kind")]
        notes.append(step[0].get("note", ""))
    for name, sample in BANNED.items():
        if after[sample["collection"]]["mode"] == "AuditOnly":
            # Not blockable without enforcing someone else's audit-mode policy: the report says so.
            assert any(f"{sample['collection']}: " in note for note in notes), f"{case}: {name} unreported"
        else:
            assert not runs(after, sample), f"{case}: {name} still runs"


def test_a_collection_without_rules_gets_an_explicit_allow_everything_rule(bans):
    merged = applocker.parse(merge_case("empty", bans))
    for collection, kind in (("Exe", "path"), ("Msi", "path"), ("Appx", "publisher")):
        (allow,) = [rule for rule in merged[collection]["rules"] if rule["action"] == "Allow"]
        assert (allow["sid"], allow["type"]) == (EVERYONE, kind)
        assert allow.get("path", allow.get("publisher")) == "*"


def test_an_allowlist_is_left_alone_and_gets_only_the_denies(bans):
    before = applocker.parse(read("allowlist.local.xml"))
    merged = applocker.parse(merge_case("allowlist", bans))
    for collection in ("Exe", "Msi"):
        added = [rule for rule in merged[collection]["rules"] if rule not in before[collection]["rules"]]
        assert {rule["action"] for rule in added} == {"Deny"}
        assert before[collection]["rules"] == merged[collection]["rules"][: len(before[collection]["rules"])]
    # An allowlist in audit is not raised to enforce (that would lock out what it only audits); reported instead.
    assert (merged["Exe"]["mode"], merged["Msi"]["mode"]) == ("AuditOnly", "Enabled")
    assert merged["Script"] == before["Script"]


def test_a_gpo_allowlist_is_not_undone_by_a_local_allow_everything_rule(bans):
    merged = applocker.parse(merge_case("gpo", bans))
    assert not [rule for rule in merged["Exe"]["rules"] if rule["action"] == "Allow"]
    # Msi has no allow anywhere: it becomes a blocklist locally.
    assert [rule["path"] for rule in merged["Msi"]["rules"] if rule["action"] == "Allow"] == ["*"]


@pytest.mark.parametrize("mode", ["AuditOnly", "Enabled"])
def test_every_touched_collection_gets_an_explicit_mode(bans, mode):
    for case in ("empty", "denies", "extensions"):
        merged = applocker.parse(merge_case(case, bans, mode=mode))
        for collection in ("Exe", "Msi", "Appx"):
            assert merged[collection]["mode"] != "NotConfigured"
    empty = applocker.parse(merge_case("empty", bans, mode=mode))
    assert {content["mode"] for content in empty.values()} == {mode}
    # A collection already enforcing its denies is not weakened to audit.
    denies = applocker.parse(merge_case("denies", bans, mode=mode))
    assert denies["Exe"]["mode"] == "Enabled"


def test_extensions_are_written_after_the_rules_and_kept(bans):
    merged = merge_case("extensions", bans)
    exe = merged[merged.index('<RuleCollection Type="Exe"') :]
    exe = exe[: exe.index("</RuleCollection>")]
    assert exe.rindex("Rule Id=") < exe.index("<RuleCollectionExtensions>")
    assert '<Services EnforcementMode="NotConfigured" />' in exe  # kept as it was: the user's choice


def test_services_enforcement_closes_the_system_context_gap_where_windows_has_it(bans):
    merged = applocker.parse(merge_case("empty", bans, services=True))
    assert merged["Exe"]["extensions"] == applocker.SERVICES_EXTENSIONS
    assert not merged["Msi"]["extensions"]  # the extensions exist for Exe and Dll only


def _block(ban, current, **options):
    items = windows_steps.blocks(ban, [], current, options)
    steps = [item for item in items if item.get("kind") == "block"]
    return (steps[0] if steps else None), items


def test_the_block_step_carries_explicit_modes_and_reports_the_system_gap(bans):
    current = {"applocker": [{"policy": read("empty.local.xml"), "appidsvc": {"status": "Stopped"}, "build": "19045"}]}
    step, _rest = _block(bans["kaspersky"], current, applocker_mode="audit")
    assert step["modes"] == {"Exe": "AuditOnly", "Msi": "AuditOnly"} and step["extensions"] == {}
    assert applocker.SYSTEM_GAP in step["note"]
    step, _rest = _block(bans["kaspersky"], current, applocker_services=True)
    assert step["extensions"] == {"Exe": applocker.SERVICES_EXTENSIONS}
    assert "SYSTEM" not in step.get("note", "")
    old = {"applocker": [dict(current["applocker"][0], build="9600")]}  # Windows 8.1 / Server 2012 R2
    step, _rest = _block(bans["kaspersky"], old, applocker_services=True)
    assert step["extensions"] == {} and "has no rule collection extensions" in step["note"]


def test_a_domain_policy_overriding_the_local_mode_is_reported(bans):
    entry = {"policy": read("gpo.local.xml"), "effective": read("gpo.effective.xml"), "appidsvc": {}}
    step, _rest = _block(bans["kaspersky"], {"applocker": [entry]})
    assert (
        "Msi: a domain (Group Policy) AppLocker policy enforces AuditOnly, which overrides the local Enabled"
        in (step["note"])
    )


def test_present_once_in_force_and_a_not_configured_collection_converges(bans):
    current = {"applocker": [{"policy": read("denies.local.xml"), "appidsvc": {"status": "Stopped"}}]}
    step, _rest = _block(bans["kaspersky"], current)
    applied = {"applocker": [{"policy": step["content"], "appidsvc": {"status": "Running", "start_mode": "Auto"}}]}
    step, items = _block(bans["kaspersky"], applied)
    assert step is None
    assert {item["state"] for item in items} == {"present"}
    assert all(applocker.SYSTEM_GAP in item["note"] for item in items)
