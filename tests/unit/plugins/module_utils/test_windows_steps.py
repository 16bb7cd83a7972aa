"""Windows removal planning against realistic registry and AppX records."""

from __future__ import annotations

import json

import pytest

from ansible_collections.interdict.bans.plugins.action.software_apply import plan_diff
from ansible_collections.interdict.bans.plugins.module_utils import catalog, matching, planning, windows_steps

KES_CODE = "{9A017278-F7F4-4DF9-A482-0B97B70DD7ED}"
AGENT_CODE = "{2924BEDA-E0D7-4DAF-A224-50D2E0B12F5B}"
USER_SID = "S-1-5-21-1004336348-1177238915-682003330-1001"
KES_PASSWORD = 'p@ss "word" 1'
AGENT_PASSWORD = "Agent-Pa55"

# As win_software_facts reports them (values as in the Uninstall keys of real installs).
KES = {
    "name": "Kaspersky Endpoint Security for Windows",
    "version": "12.6.0.438",
    "publisher": "AO Kaspersky Lab",
    "platform": "windows",
    "source": "registry_wow64",
    "identifier": KES_CODE,
    "uninstall_string": f"MsiExec.exe /I{KES_CODE}",
    "windows_installer": True,
}
AGENT = {
    "name": "Kaspersky Security Center Network Agent",
    "version": "14.2.0.26967",
    "publisher": "Kaspersky",
    "platform": "windows",
    "source": "registry_wow64",
    "identifier": AGENT_CODE,
    "uninstall_string": f"MsiExec.exe /X{AGENT_CODE}",
    "windows_installer": True,
}
KASPERSKY_CONSUMER = {
    "name": "Kaspersky",
    "version": "21.9.6.465",
    "publisher": "Kaspersky",
    "platform": "windows",
    "source": "registry",
    "identifier": "{BB2A9A6F-4C2B-4A6E-B2D4-0B1C9E7D2A11}",
    "uninstall_string": "MsiExec.exe /X{BB2A9A6F-4C2B-4A6E-B2D4-0B1C9E7D2A11}",
    "windows_installer": True,
}
KASPERSKY_ROOT_CERT = {
    "name": "Kaspersky Anti-Virus Personal Root Certificate",
    "publisher": "Kaspersky Anti-Virus Personal Root Certificate",
    "signer": "CN=Kaspersky Anti-Virus Personal Root Certificate, O=AO Kaspersky Lab, C=RU",
    "platform": "windows",
    "source": "certificate",
    "identifier": "0A1B2C3D4E5F60718293A4B5C6D7E8F901234567",
    "thumbprint": "0A1B2C3D4E5F60718293A4B5C6D7E8F901234567",
    "store": "Root",
}
KASPERSKY_SERVICE = {
    "name": "Kaspersky Security Center Network Agent",
    "platform": "windows",
    "source": "service",
    "identifier": "klnagent",
}
WECHAT_3 = {
    "name": "WeChat",
    "version": "3.9.12.17",
    "publisher": "腾讯科技(深圳)有限公司",
    "platform": "windows",
    "source": "registry_wow64",
    "identifier": "WeChat",
    "uninstall_string": '"C:\\Program Files (x86)\\Tencent\\WeChat\\Uninstall.exe"',
    "install_location": "C:\\Program Files (x86)\\Tencent\\WeChat",
}
WEIXIN_4_PER_USER = {
    "name": "微信",
    "version": "4.1.0.34",
    "publisher": "Tencent",
    "platform": "windows",
    "source": "registry_user",
    "user": USER_SID,
    "identifier": "Weixin",
    "uninstall_string": '"C:\\Users\\ana\\AppData\\Roaming\\Tencent\\Weixin\\Uninstall.exe"',
    "quiet_uninstall_string": '"C:\\Users\\ana\\AppData\\Roaming\\Tencent\\Weixin\\Uninstall.exe" /S',
}
TIKTOK_PUBLISHER = "CN=4D2A1F3B-7C1E-4B5A-9F0D-2E8C6A1B3D57"
TIKTOK_APPX = {
    "name": "BytedancePte.Ltd.TikTok",
    "version": "1.0.23.0",
    "publisher": TIKTOK_PUBLISHER,
    "signer": TIKTOK_PUBLISHER,
    "platform": "windows",
    "source": "appx",
    "identifier": "BytedancePte.Ltd.TikTok_6yccndn6064se",
    "package_name": "BytedancePte.Ltd.TikTok",
    "package_full_name": "BytedancePte.Ltd.TikTok_1.0.23.0_x64__6yccndn6064se",
}
TIKTOK_PROVISIONED = {
    "name": "BytedancePte.Ltd.TikTok",
    "version": "1.0.23.0",
    "platform": "windows",
    "source": "appx_provisioned",
    "identifier": "BytedancePte.Ltd.TikTok_6yccndn6064se",
    "package_name": "BytedancePte.Ltd.TikTok",
}
TIKTOK_LIVE = {
    "name": "TikTok LIVE Studio",
    "version": "0.68.2",
    "publisher": "TikTok Pte. Ltd.",
    "platform": "windows",
    "source": "registry",
    "identifier": "tiktoklivestudio",
    "uninstall_string": "C:\\Program Files\\TikTok LIVE Studio\\Uninstall TikTok LIVE Studio.exe",
}
NOT_BANNED = {
    "name": "7-Zip 23.01 (x64)",
    "publisher": "Igor Pavlov",
    "platform": "windows",
    "source": "registry",
    "identifier": "7-Zip",
    "uninstall_string": '"C:\\Program Files\\7-Zip\\Uninstall.exe"',
}


@pytest.fixture(scope="module")
def bans():
    return {ban["id"]: ban for ban in catalog.load_bans()}


def plan(records, bans, ban_ids=("kaspersky", "wechat", "tiktok"), **options):
    selected = [bans[i] for i in ban_ids]
    findings = matching.match(records, selected)
    return planning.removal_plan(
        findings, selected, host="laptop01", mode="enforce", records=records, blocks=False, builder_options=options
    )


def by_target(plan_):
    return {step["target"]: step for step in plan_["steps"]}


def test_kaspersky_endpoint_security_before_network_agent_with_passwords(bans):
    result = plan([AGENT, KASPERSKY_CONSUMER, KES], bans, ("kaspersky",), secrets_set=["kaspersky_kes_password"])
    targets = [step["target"] for step in result["steps"]]
    assert targets == [KES_CODE, KASPERSKY_CONSUMER["identifier"], AGENT_CODE]
    kes, consumer, agent = result["steps"]
    assert kes["command"] == [
        "msiexec.exe",
        "/x",
        KES_CODE,
        "KLLOGIN=KLAdmin",
        "KLPASSWD=<secret:kaspersky_kes_password>",
        "/qn",
        "/norestart",
        "/l*v",
        "C:\\Windows\\Temp\\interdict-bans\\kaspersky-9A017278-F7F4-4DF9-A482-0B97B70DD7ED.log",
    ]
    assert kes["command_line"].startswith(
        f'msiexec.exe /x {KES_CODE} KLLOGIN=KLAdmin KLPASSWD="<secret:kaspersky_kes_password>" /qn'
    )
    assert kes["secrets"] == ["kaspersky_kes_password"]
    assert kes["success_codes"] == [0, 1641, 3010] and kes["absent_codes"] == [1605, 1614]
    # The agent password was not given: no KLUNINSTPASSWD, and the failure hint names the option.
    assert not any("KLUNINSTPASSWD" in arg for arg in agent["command"])
    assert "kaspersky_klnagent_password" in agent["failure_hint"]
    # The agent goes last, after every other product; a product without a rule waits for nothing.
    assert set(agent["depends_on"]) == {kes["id"], consumer["id"]}
    assert "depends_on" not in consumer


def test_network_agent_password_is_utf16le_hex_placeholder(bans):
    result = plan([AGENT], bans, ("kaspersky",), secrets_set=["kaspersky_klnagent_password"])
    (agent,) = result["steps"]
    assert "KLUNINSTPASSWD=<secret:kaspersky_klnagent_password:utf16le_hex>" in agent["command"]
    values = windows_steps.secret_values(result["steps"], {"kaspersky_klnagent_password": AGENT_PASSWORD})
    assert values == {"<secret:kaspersky_klnagent_password:utf16le_hex>": "4100670065006E0074002D005000610035003500"}


def test_protected_product_without_password_is_blocked_when_protection_is_on(bans):
    result = plan([KES, AGENT], bans, ("kaspersky",), password_protection="on")
    steps = by_target(result)
    assert (
        steps[KES_CODE]["blocked"] == "password protection is on and no password was given: set kaspersky_kes_password"
    )
    assert "kaspersky_klnagent_password" in steps[AGENT_CODE]["blocked"]


def test_password_protection_off_never_passes_passwords(bans):
    result = plan([KES], bans, ("kaspersky",), password_protection="off", secrets_set=["kaspersky_kes_password"])
    assert not result["steps"][0]["secrets"] and "KLPASSWD" not in result["steps"][0]["command_line"]


def test_bad_password_protection_is_one_clear_error(bans):
    with pytest.raises(windows_steps.PlanInputError, match=r"options.password_protection: expected auto, on or off"):
        plan([KES], bans, ("kaspersky",), password_protection="maybe")


def test_passwords_never_appear_in_plan_diff_or_report(bans):
    records = [KES, AGENT]
    provided = {"kaspersky_kes_password": KES_PASSWORD, "kaspersky_klnagent_password": AGENT_PASSWORD}
    # Even when a caller passes the values themselves as options, only their presence is used.
    result = plan(records, bans, ("kaspersky",), **provided)
    diff = plan_diff(result["steps"])
    report = {"plan": result, "diff": diff}
    text = json.dumps(report, ensure_ascii=False)
    hex_password = AGENT_PASSWORD.encode("utf-16-le").hex().upper()
    for secret in (KES_PASSWORD, AGENT_PASSWORD, hex_password):
        assert secret not in text
    assert "<secret:kaspersky_kes_password>" in text
    # The values exist only in what goes to the module as a no_log option, escaped for the command line.
    values = windows_steps.secret_values(result["steps"], provided)
    assert values["<secret:kaspersky_kes_password>"] == 'p@ss ""word"" 1'


def test_wechat_3_and_4_per_user_exe_uninstallers(bans):
    result = plan([WECHAT_3, WEIXIN_4_PER_USER], bans, ("wechat",))
    steps = {step["target"]: step for step in result["steps"]}
    wechat = steps["WeChat"]
    assert wechat["method"] == "exe"
    assert wechat["command"] == ["C:\\Program Files (x86)\\Tencent\\WeChat\\Uninstall.exe", "/S"]
    assert wechat["command_line"] == '"C:\\Program Files (x86)\\Tencent\\WeChat\\Uninstall.exe" /S'
    assert wechat["wait_for_children"] is True
    weixin = steps[f"Weixin@{USER_SID}"]
    assert weixin["user"] == USER_SID
    # QuietUninstallString already has /S: used as is, not doubled.
    assert weixin["command"] == ["C:\\Users\\ana\\AppData\\Roaming\\Tencent\\Weixin\\Uninstall.exe", "/S"]


def test_tiktok_store_app_removed_for_all_users_and_deprovisioned_once(bans):
    result = plan([TIKTOK_APPX, TIKTOK_PROVISIONED, TIKTOK_LIVE], bans, ("tiktok",))
    methods = [(step["method"], step["target"]) for step in result["steps"]]
    assert methods.count(("appx", "BytedancePte.Ltd.TikTok")) == 1
    assert methods.count(("appx_provisioned", "BytedancePte.Ltd.TikTok")) == 1
    live = by_target(result)["tiktoklivestudio"]
    # Unquoted path with spaces, as Douyin/TikTok LIVE Studio write it.
    assert live["command"] == ["C:\\Program Files\\TikTok LIVE Studio\\Uninstall TikTok LIVE Studio.exe", "/S"]


def test_only_provisioned_tiktok_still_gets_both_steps(bans):
    result = plan([TIKTOK_PROVISIONED], bans, ("tiktok",))
    assert {step["method"] for step in result["steps"]} == {"appx", "appx_provisioned"}


def test_residue_waits_for_products_and_services_get_no_step(bans):
    result = plan([KES, KASPERSKY_ROOT_CERT, KASPERSKY_SERVICE], bans, ("kaspersky",))
    cert = next(step for step in result["steps"] if step["method"] == "certificate")
    assert cert["target"] == KASPERSKY_ROOT_CERT["thumbprint"]
    kes = by_target(result)[KES_CODE]
    assert cert["depends_on"] == [kes["id"]] and cert["order"] > kes["order"]
    assert not any(step["target"] == "klnagent" for step in result["steps"])


def test_never_removes_what_no_ban_matches(bans):
    result = plan([NOT_BANNED, WECHAT_3], bans)
    assert all("7-Zip" not in json.dumps(step) for step in result["steps"])


def test_entry_without_uninstall_command_is_skipped_with_reason(bans):
    bare = {"name": "WeChat", "platform": "windows", "source": "registry", "identifier": "WeChat"}
    result = plan([bare], bans, ("wechat",))
    assert not result["steps"]
    assert result["skipped"][0]["reason"] == "no uninstall command is recorded for it"


def test_vendor_tool_is_off_by_default_and_a_fallback_when_given(bans):
    assert not any(step["method"] == "vendor_tool" for step in plan([KES], bans, ("kaspersky",))["steps"])
    tool = {"path": "C:\\Tools\\kavremvr.exe", "arguments": ["--silent"]}
    result = plan([KES], bans, ("kaspersky",), kaspersky_removal_tool=tool)
    step = result["steps"][-1]
    assert step["method"] == "vendor_tool" and step["command"] == ["C:\\Tools\\kavremvr.exe", "--silent"]
    assert step["fallback_for"] == [result["steps"][0]["id"]]


@pytest.mark.parametrize(
    ("rc", "truncated", "outcome"),
    [
        (0, False, "ok"),
        (3010, False, "reboot_pending"),
        (1641, False, "reboot_pending"),
        (1605, False, "absent"),
        (1614, False, "absent"),
        (1603, False, "failed"),
        (69, True, "absent"),  # Wine: 1605 % 256
        (194, True, "reboot_pending"),  # Wine: 3010 % 256
        (67, True, "failed"),  # Wine: 1603 % 256
        (69, False, "failed"),  # a real 69 is not 1605
        (12, True, "failed"),
    ],
)
def test_exit_codes(rc, truncated, outcome):
    step = {
        "success_codes": list(windows_steps.MSI_SUCCESS_CODES),
        "absent_codes": list(windows_steps.MSI_ABSENT_CODES),
        "reboot_codes": list(windows_steps.MSI_REBOOT_CODES),
    }
    assert windows_steps.classify_exit(step, rc, truncated=truncated) == outcome


@pytest.mark.parametrize(
    ("line", "argv"),
    [
        ('"C:\\Program Files\\A\\u.exe" /S', ["C:\\Program Files\\A\\u.exe", "/S"]),
        (
            "C:\\Program Files (x86)\\ByteDance\\douyin\\Uninstall douyin.exe",
            ["C:\\Program Files (x86)\\ByteDance\\douyin\\Uninstall douyin.exe"],
        ),
        ('u.exe "a b" c\\\\"d"', ["u.exe", "a b", "c\\d"]),
        ('u.exe a\\"b', ["u.exe", 'a"b']),
    ],
)
def test_split_command_line(line, argv):
    assert windows_steps.split_command_line(line) == argv


def test_command_line_round_trips_through_the_splitter():
    argv = ["C:\\Program Files\\X\\u.exe", "/S", 'say "hi"', "trail\\", ""]
    assert windows_steps.split_command_line(windows_steps.command_line(argv)) == argv


def test_plan_is_deterministic(bans):
    records = [TIKTOK_APPX, WECHAT_3, AGENT, KES, WEIXIN_4_PER_USER]
    first = plan(records, bans)
    second = plan(list(reversed(records)), bans)
    assert [s["id"] for s in first["steps"]] == [s["id"] for s in second["steps"]]
