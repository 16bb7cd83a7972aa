"""The matching engine: real-world forms are caught, look-alikes are not."""

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.interdict.bans.plugins.module_utils.catalog import load_bans
from ansible_collections.interdict.bans.plugins.module_utils.matching import CompiledCatalog, match
from tests.naive_matching import naive_match

BANS = load_bans()
CATALOG = CompiledCatalog(BANS)


def record(name, platform="windows", source="registry", identifier="", publisher="", **extra):
    return dict(
        name=name, version="1.0", publisher=publisher, platform=platform, source=source, identifier=identifier, **extra
    )


def bans_of(rec):
    return sorted((f["ban"], f["rule"]["kind"]) for f in CATALOG.match_record(rec))


CAUGHT = {
    "WeChat 3.x, 32-bit Uninstall key": (
        record(
            "WeChat",
            source="registry_wow64",
            identifier="WeChat",
            publisher="腾讯科技(深圳)有限公司",
            uninstall_string=r'"C:\Program Files (x86)\Tencent\WeChat\Uninstall.exe"',
        ),
        [("wechat", "identifier")],
    ),
    "WeChat 4.x registered as Weixin": (
        record("Weixin", identifier="Weixin", publisher="Tencent"),
        [("wechat", "identifier")],
    ),
    "WeChat 4.x display name 微信 under an unknown key": (
        record("微信", identifier="{1B4B44AE-0D7C-4A06-90C4-FE2A27FCA1E7}", publisher="Tencent"),
        [("wechat", "name")],
    ),
    "WeChat per-user registration": (
        record("WeChat", source="registry_user", identifier="WeChat", user="S-1-5-21-1-2-3-1001"),
        [("wechat", "identifier")],
    ),
    "WeChat Store app": (
        record("WeChat for Windows", source="appx", identifier="TencentWeChatLimited.forWindows10_sdtnhv12zgd7a"),
        [("wechat", "identifier")],
    ),
    "Kaspersky 2022+ consumer product named just Kaspersky": (
        record(
            "Kaspersky",
            source="registry_wow64",
            identifier="{0A1B2C3D-0000-0000-0000-000000000001}",
            publisher="Kaspersky",
        ),
        [("kaspersky", "name")],
    ),
    "Kaspersky Endpoint Security 12": (
        record(
            "Kaspersky Endpoint Security for Windows",
            identifier="{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}",
            publisher="AO Kaspersky Lab",
        ),
        [("kaspersky", "identifier")],
    ),
    "Kaspersky Security Center Network Agent, 32-bit": (
        record(
            "Kaspersky Security Center Network Agent",
            source="registry_wow64",
            identifier="{2924BEDA-E0D7-4DAF-A224-50D2E0B12F5B}",
            publisher="Kaspersky",
        ),
        [("kaspersky", "identifier")],
    ),
    "Kaspersky product known only by its publisher": (
        record("Safe Kids", identifier="{11111111-2222-3333-4444-555555555555}", publisher="AO Kaspersky Lab"),
        [("kaspersky", "publisher")],
    ),
    "Kaspersky signed binary with a blank display name": (
        record("", identifier="avp", signer="CN=AO Kaspersky Lab, O=AO Kaspersky Lab, L=Moscow, C=RU"),
        [("kaspersky", "signer")],
    ),
    "TikTok Store app": (
        record("TikTok", source="appx", identifier="BytedancePte.Ltd.TikTok_6yccndn6064se"),
        [("tiktok", "identifier")],
    ),
    "TikTok provisioned package": (
        record("BytedancePte.Ltd.TikTok", source="appx_provisioned", identifier="BytedancePte.Ltd.TikTok"),
        [("tiktok", "identifier")],
    ),
    "Intune iOS app that carries only a display name": (
        record("WeChat", platform="ios", source="mdm"),
        [("wechat", "name")],
    ),
    "Intune Android TikTok by display name": (record("TikTok", platform="android", source="mdm"), [("tiktok", "name")]),
    "Android package id": (
        record("Kaspersky: VPN & Antivirus", platform="android", source="mdm", identifier="com.kms.free"),
        [("kaspersky", "identifier")],
    ),
    "Linux kesl package": (
        record("kesl", platform="linux", source="dpkg", identifier="kesl"),
        [("kaspersky", "identifier")],
    ),
    "Linux WeChat flatpak": (
        record("WeChat", platform="linux", source="flatpak", identifier="com.tencent.WeChat", scope="user"),
        [("wechat", "identifier")],
    ),
    "macOS WeChat bundle": (
        record("WeChat", platform="macos", source="app_bundle", identifier="com.tencent.xinWeChat"),
        [("wechat", "identifier")],
    ),
    "macOS Kaspersky by team id": (
        record("Some Tool", platform="macos", source="app_bundle", identifier="com.example.tool", signer="2Y8XE5CQ94"),
        [("kaspersky", "signer")],
    ),
    "identifiers are case-insensitive": (
        record("x", source="appx", identifier="bytedancepte.ltd.tiktok_6YCCNDN6064SE"),
        [("tiktok", "identifier")],
    ),
}

NOT_CAUGHT = {
    "Tencent QQ": record("QQ", identifier="QQ", publisher="腾讯科技(深圳)有限公司"),
    "Tencent Meeting": record("Tencent Meeting", identifier="TencentMeeting", publisher="Tencent"),
    "a Tencent game": record("Honor of Kings", identifier="HonorOfKings", publisher="Tencent Games"),
    "WeCom (企业微信)": record("企业微信", identifier="WXWork", publisher="腾讯科技(深圳)有限公司"),
    "WeChat Work by name": record("WeChat Work", identifier="WXWork", publisher="Tencent"),
    "TickTick": record("TickTick", identifier="TickTick", publisher="Appest Limited"),
    "TickTick on Android": record(
        "TickTick: To-Do List & Calendar", platform="android", source="mdm", identifier="com.ticktick.task"
    ),
    "Douyin is not TikTok": record(
        "抖音", identifier="douyin", publisher="Beijing Microlive Vision Technology Co., Ltd."
    ),
    "CapCut is not TikTok": record("CapCut", identifier="CapCut", publisher="Bytedance Pte. Ltd."),
    "a WeChat-named app from someone else": record("WeChat", identifier="WeChatClone", publisher="Contoso Ltd."),
    "a name that only contains WeChat": record("WeChat Backup Viewer", identifier="wbv", publisher="Contoso"),
    "Tencent team id on macOS is not WeChat": record(
        "QQ", platform="macos", source="app_bundle", identifier="com.tencent.qq", signer="5A4RE8SF68"
    ),
    "platform the ban does not cover": record("kesl", platform="ios", source="mdm", identifier="kesl"),
    "Linux package named like a Windows key": record(
        "weixin-helper", platform="linux", source="dpkg", identifier="weixin-helper"
    ),
}


@pytest.mark.parametrize("case", sorted(CAUGHT))
def test_real_world_forms_are_caught(case):
    rec, expected = CAUGHT[case]
    assert bans_of(rec) == expected


@pytest.mark.parametrize("case", sorted(NOT_CAUGHT))
def test_look_alikes_are_not_caught(case):
    assert bans_of(NOT_CAUGHT[case]) == []


def test_finding_shape_and_source():
    (finding,) = CATALOG.match_record(CAUGHT["TikTok Store app"][0])
    assert finding["ban"] == "tiktok"
    assert finding["software"]["identifier"] == "BytedancePte.Ltd.TikTok_6yccndn6064se"
    assert finding["rule"]["kind"] == "identifier"
    assert finding["rule"]["source"]


def test_unconfirmed_rules_say_so():
    (finding,) = CATALOG.match_record(CAUGHT["Linux kesl package"][0])
    assert finding["rule"]["unconfirmed"] is True


def test_match_is_lazy():
    def endless():
        while True:
            yield record("WeChat", identifier="WeChat")

    gen = CompiledCatalog(BANS).match(endless())
    assert next(gen)["ban"] == "wechat"


def test_one_finding_per_ban_with_the_strongest_rule():
    rec = record(
        "Kaspersky Endpoint Security",
        identifier="{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}",
        publisher="Kaspersky",
        signer="O=AO Kaspersky Lab",
    )
    assert bans_of(rec) == [("kaspersky", "identifier")]


# Property-based: the compiled engine agrees with the naive oracle on anything.
CATALOG_VALUES = sorted(
    {
        entry.get("value") or entry.get("pattern")
        for ban in BANS
        for spec in ban["platforms"].values()
        for kind in ("identifiers", "names", "publishers", "signers")
        for entry in spec.get(kind, ())
        if "value" in entry or entry["pattern"].replace(" ", "").isalnum()
    }
    | {
        "WeChat",
        "Weixin",
        "微信",
        "TikTok",
        "TikTok Lite",
        "Kaspersky",
        "Kaspersky Lab",
        "AO Kaspersky Lab",
        "QQ",
        "TickTick",
        "Tencent",
        "企业微信",
        "WeChat Work",
        "2Y8XE5CQ94",
        "5A4RE8SF68",
    }
)
text = st.one_of(
    st.sampled_from(CATALOG_VALUES),
    st.text(max_size=30),
    st.sampled_from(CATALOG_VALUES).map(str.upper),
    st.sampled_from(CATALOG_VALUES).map(lambda v: v + " 2"),
)
records = st.lists(
    st.fixed_dictionaries(
        {
            "name": text,
            "publisher": st.one_of(st.just(""), text),
            "identifier": st.one_of(st.just(""), text),
            "signer": st.one_of(st.just(""), text),
            "version": st.just("1"),
            "source": st.just("registry"),
            "platform": st.sampled_from(["windows", "linux", "macos", "ios", "android", "plan9"]),
        }
    ),
    max_size=20,
)


@settings(max_examples=400, deadline=None)
@given(records)
def test_engine_agrees_with_naive_oracle(recs):
    engine = sorted((f["ban"], f["rule"]["kind"], f["rule"]["value"]) for f in match(recs, BANS))
    assert engine == sorted(naive_match(recs, BANS))


@settings(max_examples=200, deadline=None)
@given(records, records)
def test_findings_for_a_record_do_not_depend_on_its_neighbours(left, right):
    alone = match(left, BANS)
    together = match(left + right, BANS)[: len(alone)]
    assert alone == together


@settings(max_examples=200, deadline=None)
@given(records)
def test_a_ban_never_matches_outside_its_platforms(recs):
    for finding in match(recs, BANS):
        assert finding["software"]["platform"] in next(b for b in BANS if b["id"] == finding["ban"])["platforms"]


def test_user_ban_needs_no_code_change():
    deepseek = {
        "id": "deepseek",
        "title": "DeepSeek",
        "description": "x",
        "authorities": [{"name": "Example", "date": "2025-02-06", "reference": "memo"}],
        "platforms": {"ios": {"identifiers": [{"value": "com.deepseek.chat", "source": "App Store"}]}},
    }
    bans = [*copy.deepcopy(BANS), deepseek]
    found = match([record("DeepSeek", platform="ios", source="mdm", identifier="com.deepseek.chat")], bans)
    assert [f["ban"] for f in found] == ["deepseek"]


def test_host_values_are_cut_before_any_pattern_sees_them():
    from ansible_collections.interdict.bans.plugins.module_utils.matching import FIELD_CAPS, capped

    short = {"name": "WeChat", "platform": "windows"}
    assert capped(short) is short
    long_record = {"name": "n" * 1000, "publisher": "p" * 1000, "signer": "s" * 1000, "path": "x" * 1000}
    cut = capped(long_record)
    assert [len(cut[field]) for field in ("name", "publisher", "signer")] == [
        FIELD_CAPS["name"],
        FIELD_CAPS["publisher"],
        FIELD_CAPS["signer"],
    ]
    assert cut["path"] == long_record["path"] and len(long_record["name"]) == 1000


def test_the_matcher_compiles_patterns_as_the_catalog_checks_them():
    from ansible_collections.interdict.bans.plugins.module_utils.catalog import check_pattern
    from ansible_collections.interdict.bans.plugins.module_utils.matching import compile_pattern

    # An alternation at the top level stays inside its group: "a|b" never turns into "x(?:a)|(?:b)".
    assert compile_pattern("WeChat|Weixin").fullmatch("weixin")
    assert not compile_pattern("WeChat|Weixin").fullmatch("WeChat Work")
    # What compiles bare but not wrapped is refused at load, so the matcher never meets it.
    assert check_pattern("WeChat(?i)").startswith("invalid regular expression")


def test_a_record_seen_again_gets_the_same_findings_from_the_memo():
    catalog = CompiledCatalog(BANS)
    first = [f["ban"] for f in catalog.match_record(record("WeChat", identifier="WeChat"))]
    again = catalog.match_record({**record("WeChat", identifier="WeChat"), "version": "9.9"})
    assert first == [f["ban"] for f in again] == ["wechat"]
    # The finding carries this record, not the one that filled the memo.
    assert again[0]["software"]["version"] == "9.9"


def test_the_memo_stays_bounded(monkeypatch):
    from ansible_collections.interdict.bans.plugins.module_utils import matching

    monkeypatch.setattr(matching, "MEMO_LIMIT", 10)
    catalog = CompiledCatalog(BANS)
    for n in range(35):
        catalog.match_record(record(f"Tool {n}"))
    assert len(catalog._memo) <= 10
    assert [f["ban"] for f in catalog.match_record(record("Kaspersky Endpoint Security"))] == ["kaspersky"]


def test_numbers_that_are_equal_keys_but_different_text_are_not_confused():
    bans = copy.deepcopy([ban for ban in BANS if ban["id"] == "wechat"])
    bans[0]["platforms"]["windows"]["identifiers"].append({"value": "1", "source": "test"})
    catalog = CompiledCatalog(bans)
    assert [f["ban"] for f in catalog.match_record(record("x", identifier=1))] == ["wechat"]
    assert catalog.match_record(record("x", identifier=1.0)) == []  # "1.0" is not "1"
    assert [f["ban"] for f in catalog.match_record(record("x", identifier=1))] == ["wechat"]


@pytest.mark.parametrize(
    ("pattern", "keys"),
    [
        (r"Kaspersky(?:[\s:].*)?", {"k"}),
        (r"(?:AO\s+)?Kaspersky(?:\s+Lab)?.*", {"a", "k"}),
        (r"(?:WeChat|Weixin)", {"w"}),
        (r"[a-c]+z", {"a", "b", "c"}),
        # Not plain to see, or a first character IGNORECASE may fold from non-ASCII: tried for every value.
        (r"(?:.*,\s*)?O=AO Kaspersky Lab(?:,.*)?", None),
        (r"\w+", None),
        (r"a?", None),
        (r"(?:WeChat|微信)", None),
    ],
)
def test_first_character_prefilter(pattern, keys):
    from ansible_collections.interdict.bans.plugins.module_utils.matching import first_keys

    assert first_keys(pattern) == keys


def test_prefilter_keeps_case_folding_of_the_full_pattern():
    # U+212A KELVIN SIGN matches "k" under IGNORECASE: a value starting with it is tried against every pattern.
    assert [f["ban"] for f in CATALOG.match_record(record("\u212aaspersky Endpoint Security"))] == ["kaspersky"]
