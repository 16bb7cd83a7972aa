"""Windows steps against realistic registry and AppX records: the builder's steps, then the plan they make.

Builder-level tests check what each step is (command, exit codes, retry,
secrets, findings); planner-level tests check the order and links the one
planner derives from the catalog's ``remove.order``.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.interdict.bans.plugins.action.software_apply import plan_diff
from ansible_collections.interdict.bans.plugins.module_utils import catalog, contract, matching
from ansible_collections.interdict.bans.plugins.plugin_utils import _planning, _windows_steps

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


KES_SECRET = {"name": "kaspersky_kes_password", "env": "INTERDICT_KASPERSKY_KES_PASSWORD", "encoding": "plain"}
AGENT_SECRET = {
    "name": "kaspersky_klnagent_password",
    "env": "INTERDICT_KASPERSKY_KLNAGENT_PASSWORD",
    "encoding": "utf16le_hex",
}
AGENT_PASSWORD_HEX = "4100670065006E0074002D005000610035003500"  # UTF-16LE of AGENT_PASSWORD, written out by hand


def findings_of(records, ban):
    return matching.match(records, [ban])


def build(records, ban, **options):
    """The builder's output for one ban: (steps, skip items)."""
    items = _windows_steps.steps(findings_of(records, ban), ban, {"platform": "windows", **options})
    return [i for i in items if i.get("kind") != "skip"], [i for i in items if i.get("kind") == "skip"]


def plan(records, bans, ban_ids=("kaspersky", "wechat", "tiktok"), secrets_set=(), **options):
    selected = [bans[i] for i in ban_ids]
    return _planning.removal_plan(
        matching.match(records, selected),
        selected,
        host="laptop01",
        mode="enforce",
        platform="windows",
        blocks=False,
        options=options or None,
        secrets_set=secrets_set,
    )


def by_target(steps):
    return {step["target"]: step for step in steps}


# ---------------------------------------------------------------- builder: what each step is


def test_steps_are_unordered_and_carry_their_findings_and_exit_codes(bans):
    records = [AGENT, KASPERSKY_CONSUMER, KES, KASPERSKY_ROOT_CERT]
    steps, _skips = build(records, bans["kaspersky"])
    assert steps
    for step in steps:
        assert "order" not in step and "depends_on" not in step
        assert step["kind"] in ("remove", "residue") and step["platform"] == "windows"
        assert step["exit_codes"]["0"] == "ok"
        assert step["findings"]
    keys = {contract.finding_key(f) for f in findings_of(records, bans["kaspersky"])}
    assert {key for step in steps for key in step["findings"]} == keys
    kes = by_target(steps)[KES_CODE]
    assert kes["findings"] == [next(k for k in keys if KES_CODE.lower() in k)]


def test_msi_step_exit_codes_and_retry_of_1618(bans):
    steps, _rest = build([KES], bans["kaspersky"])
    (kes,) = steps
    assert kes["exit_codes"] == {
        "0": "ok",
        "1641": "reboot_pending",
        "3010": "reboot_pending",
        "1605": "absent",
        "1614": "absent",
    }
    # Waits of 30, 60 and 120 seconds before the second, third and fourth run.
    assert kes["retry"] == {"codes": [1618], "attempts": 4, "delay": 30, "backoff": 2}
    # 1618 itself is no success: once the retries are spent the step failed.
    assert contract.outcome_of(kes, 1618) == "failed"
    assert kes["timeout"] == _windows_steps.DEFAULT_TIMEOUT
    assert "run_as" not in kes


def test_kes_password_is_a_placeholder_naming_the_declared_secret(bans):
    steps, _rest = build([KES], bans["kaspersky"], secrets_set=["kaspersky_kes_password"])
    (kes,) = steps
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
    assert kes["secrets"] == [KES_SECRET]
    assert "failure_hint" not in kes


def test_login_comes_from_the_option_the_ban_names(bans):
    steps, _rest = build(
        [KES], bans["kaspersky"], secrets_set=["kaspersky_kes_password"], kaspersky_kes_login="ksc-ops"
    )
    assert "KLLOGIN=ksc-ops" in steps[0]["command"]
    # The kaspersky role's empty default: the login the ban names.
    steps, _rest = build([KES], bans["kaspersky"], secrets_set=["kaspersky_kes_password"], kaspersky_kes_login="")
    assert "KLLOGIN=KLAdmin" in steps[0]["command"]


def test_network_agent_password_is_encoded_only_when_substituted(bans):
    steps, _rest = build([AGENT], bans["kaspersky"], secrets_set=["kaspersky_klnagent_password"])
    (agent,) = steps
    assert "KLUNINSTPASSWD=<secret:kaspersky_klnagent_password>" in agent["command"]
    assert agent["secrets"] == [AGENT_SECRET]
    values = _windows_steps.secret_values(steps, {"kaspersky_klnagent_password": AGENT_PASSWORD}, {})
    assert values == {"<secret:kaspersky_klnagent_password>": AGENT_PASSWORD_HEX}
    argv = _windows_steps.substitute_argv(agent, {"kaspersky_klnagent_password": AGENT_PASSWORD}, {})
    assert f"KLUNINSTPASSWD={AGENT_PASSWORD_HEX}" in argv


def test_secret_values_fall_back_to_the_declared_environment_variable(bans):
    steps, _rest = build([KES, AGENT], bans["kaspersky"], secrets_set=[KES_SECRET["name"], AGENT_SECRET["name"]])
    environ = {KES_SECRET["env"]: KES_PASSWORD, AGENT_SECRET["env"]: AGENT_PASSWORD, "UNRELATED": "x"}
    # An empty given value (an empty role default) never masks the environment.
    values = _windows_steps.secret_values(steps, {KES_SECRET["name"]: ""}, environ)
    assert values == {
        "<secret:kaspersky_kes_password>": 'p@ss ""word"" 1',  # inside the property's quotes: quotes doubled
        "<secret:kaspersky_klnagent_password>": AGENT_PASSWORD_HEX,
    }
    # A given value wins over the environment.
    values = _windows_steps.secret_values(steps, {KES_SECRET["name"]: "given"}, environ)
    assert values["<secret:kaspersky_kes_password>"] == "given"
    # No value anywhere: left out, so the executor fails the step and names the secret.
    assert _windows_steps.secret_values(steps, {}, {}) == {}


def test_substitute_argv_gives_raw_values_and_names_a_missing_secret_not_a_value(bans):
    steps, _rest = build([KES], bans["kaspersky"], secrets_set=["kaspersky_kes_password"])
    argv = _windows_steps.substitute_argv(steps[0], {}, {KES_SECRET["env"]: KES_PASSWORD})
    assert f"KLPASSWD={KES_PASSWORD}" in argv and "<secret:" not in " ".join(argv)
    with pytest.raises(_windows_steps.PlanInputError, match="secret kaspersky_kes_password has no value") as error:
        _windows_steps.substitute_argv(steps[0], {}, {})
    assert "INTERDICT_KASPERSKY_KES_PASSWORD" in str(error.value)


def test_without_the_password_the_step_says_which_secret_would_fix_it(bans):
    steps, _rest = build([KES, AGENT], bans["kaspersky"])
    kes, agent = by_target(steps)[KES_CODE], by_target(steps)[AGENT_CODE]
    assert not kes["secrets"] and not any("KLPASSWD" in arg for arg in kes["command"])
    assert kes["failure_hint"] == (
        "if password protection is on, set secret kaspersky_kes_password "
        "(or the environment variable INTERDICT_KASPERSKY_KES_PASSWORD)"
    )
    assert "kaspersky_klnagent_password" in agent["failure_hint"]


def test_protected_product_without_password_is_blocked_when_protection_is_on(bans):
    steps, _rest = build([KES, AGENT], bans["kaspersky"], password_protection="on")
    assert by_target(steps)[KES_CODE]["blocked"] == (
        "password protection is on and no password was given: set secret kaspersky_kes_password "
        "(or the environment variable INTERDICT_KASPERSKY_KES_PASSWORD)"
    )
    assert "kaspersky_klnagent_password" in by_target(steps)[AGENT_CODE]["blocked"]


def test_password_protection_off_never_passes_passwords(bans):
    steps, _rest = build([KES], bans["kaspersky"], password_protection="off", secrets_set=["kaspersky_kes_password"])
    assert not steps[0]["secrets"] and "KLPASSWD" not in steps[0]["command_line"]


def test_bad_password_protection_is_one_clear_error(bans):
    with pytest.raises(_windows_steps.PlanInputError, match=r"options.password_protection: expected auto, on or off"):
        build([KES], bans["kaspersky"], password_protection="maybe")


def test_a_ban_of_ones_own_declares_its_secret_and_needs_no_code(bans):
    ban = {
        "id": "deepseek",
        "title": "DeepSeek",
        "secrets": [{"name": "deepseek_agent_password", "env": "DEEPSEEK_AGENT_PASSWORD", "encoding": "plain"}],
        "platforms": {
            "windows": {
                "names": [{"pattern": "DeepSeek Agent.*", "source": "test"}],
                "remove": {
                    "products": [
                        {
                            "name": "DeepSeek Agent.*",
                            "password": {"property": "UNINSTALL_PASSWORD", "secret": "deepseek_agent_password"},
                            "source": "test",
                        }
                    ]
                },
            }
        },
    }
    code = "{11111111-2222-4333-8444-555555555555}"
    record = {"name": "DeepSeek Agent", "platform": "windows", "source": "registry", "identifier": code}
    record["uninstall_string"], record["windows_installer"] = f"MsiExec.exe /X{code}", True
    steps, _rest = build([record], ban, secrets_set=["deepseek_agent_password"])
    assert "UNINSTALL_PASSWORD=<secret:deepseek_agent_password>" in steps[0]["command"]
    values = _windows_steps.secret_values(steps, {}, {"DEEPSEEK_AGENT_PASSWORD": "pw"})
    assert values == {"<secret:deepseek_agent_password>": "pw"}


def test_wechat_3_and_4_per_user_exe_uninstallers(bans):
    steps, _rest = build([WECHAT_3, WEIXIN_4_PER_USER], bans["wechat"])
    steps = by_target(steps)
    wechat = steps["WeChat"]
    assert wechat["method"] == "exe" and wechat["kind"] == "remove"
    assert wechat["command"] == ["C:\\Program Files (x86)\\Tencent\\WeChat\\Uninstall.exe", "/S"]
    assert wechat["command_line"] == '"C:\\Program Files (x86)\\Tencent\\WeChat\\Uninstall.exe" /S'
    assert wechat["wait_for_children"] is True
    assert wechat["exit_codes"] == {"0": "ok", "1641": "reboot_pending", "3010": "reboot_pending"}
    assert "retry" not in wechat
    assert "run_as" not in wechat and wechat["timeout"] == _windows_steps.DEFAULT_TIMEOUT
    # The per-user Weixin: its user is not logged on, so it is not run at all (never as administrator).
    assert f"Weixin@{USER_SID}" not in steps


def test_a_per_user_uninstaller_runs_as_its_user_only_while_the_user_is_logged_on(bans):
    steps, skips = build([WEIXIN_4_PER_USER], bans["wechat"])
    assert not steps
    assert skips[0]["reason"].startswith("needs the user's session: " + USER_SID + " is not logged on")
    steps, skips = build([dict(WEIXIN_4_PER_USER, user_logged_on=True)], bans["wechat"])
    (weixin,) = steps
    assert not skips
    assert weixin["run_as"] == USER_SID and weixin["target"] == f"Weixin@{USER_SID}"
    # QuietUninstallString already has /S: used as is, not doubled.
    assert weixin["command"] == ["C:\\Users\\ana\\AppData\\Roaming\\Tencent\\Weixin\\Uninstall.exe", "/S"]


def test_the_status_of_a_user_not_logged_on_is_non_compliant_with_why(bans):
    from ansible_collections.interdict.bans.plugins.plugin_utils import _status

    made = plan([WEIXIN_4_PER_USER], bans, ban_ids=("wechat",))
    status, reason, _per_ban, _per_ban_reason = _status.evaluate(["wechat"], made, executed=True)
    assert status == "non_compliant"
    assert "needs the user's session" in reason


def test_a_per_user_msi_runs_as_its_user_and_its_1605_is_not_absent(bans):
    code = "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}"
    record = dict(KES, source="registry_user", user=USER_SID, user_logged_on=True, identifier=code)
    record["uninstall_string"] = f"MsiExec.exe /X{code}"
    (step,), _rest = build([record], bans["kaspersky"])
    assert step["method"] == "msi" and step["run_as"] == USER_SID
    assert contract.outcome_of(step, 1605) == "failed"
    assert contract.outcome_of(step, 1614) == "absent"
    # The user cannot write to the administrators-only log folder: no log for a step run as the user.
    assert "log" not in step and step["command"] == ["msiexec.exe", "/x", code, "/qn", "/norestart"]
    machine, _rest = build([KES], bans["kaspersky"])
    assert contract.outcome_of(machine[0], 1605) == "absent"
    # A password is never put into the scheduled task that runs a step as a user.
    (step,), _rest = build([record], bans["kaspersky"], secrets_set=["kaspersky_kes_password"])
    assert step["blocked"].startswith("a password is never handed to a task run as a user")
    assert not step["secrets"] and "<secret:" not in step["command_line"]


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        ({"nsis_marker": True}, ["/S"]),
        ({"inno_setup_version": "6.2.2"}, ["/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART"]),
        (
            {"identifier": "{7F2A1B3C-1111-2222-3333-444455556666}_is1"},
            ["/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART"],
        ),
    ],
)
def test_silent_switches_only_for_a_recognised_installer_type(bans, evidence, expected):
    # TikTok LIVE Studio without the catalog's product rule: a renamed product the rule does not match.
    record = dict(TIKTOK_LIVE, name="TikTok LIVE Studio", **evidence)
    ban = json.loads(json.dumps(bans["tiktok"]))
    ban["platforms"]["windows"]["remove"]["products"] = []
    (step,), _rest = build([record], ban)
    assert step["command"][1:] == expected


def test_an_unrecognised_exe_gets_no_guessed_switch_and_is_not_run(bans):
    record = dict(TIKTOK_LIVE, name="TikTok LIVE Studio")
    ban = json.loads(json.dumps(bans["tiktok"]))
    ban["platforms"]["windows"]["remove"]["products"] = []
    steps, skips = build([record], ban)
    assert not steps
    assert "not of a recognised type (NSIS, Inno Setup or MSI)" in skips[0]["reason"]
    # Its quiet uninstall string, when the entry has one, is used as is.
    quiet = dict(record, quiet_uninstall_string='"C:\\x\\u.exe" --silent')
    (step,), _rest = build([quiet], ban)
    assert step["command"] == ["C:\\x\\u.exe", "--silent"]


@pytest.mark.parametrize("value", [59, 86401, "600", True, 1.5])
def test_step_timeout_is_bounded(bans, value):
    with pytest.raises(_windows_steps.PlanInputError, match=r"options\.step_timeout"):
        build([KES], bans["kaspersky"], step_timeout=value)


def test_step_timeout_is_given_to_every_command_step(bans):
    steps, _rest = build([KES, WECHAT_3], bans["kaspersky"], step_timeout=600)
    assert [step["timeout"] for step in steps] == [600]


def test_bundle_children_are_removed_through_the_visible_parent(bans):
    bundle = {
        "name": "Kaspersky Plus",
        "platform": "windows",
        "source": "registry",
        "identifier": "{AAAAAAAA-0000-0000-0000-000000000001}",
        "uninstall_string": '"C:\\ProgramData\\Package Cache\\{AAAA}\\setup.exe" /uninstall',
        "quiet_uninstall_string": '"C:\\ProgramData\\Package Cache\\{AAAA}\\setup.exe" /uninstall /quiet',
        "bundle": True,
    }
    hidden = dict(KASPERSKY_CONSUMER, system_component=True)
    child = dict(
        KASPERSKY_CONSUMER,
        identifier="{BB2A9A6F-4C2B-4A6E-B2D4-0B1C9E7D2A12}",
        uninstall_string="MsiExec.exe /X{BB2A9A6F-4C2B-4A6E-B2D4-0B1C9E7D2A12}",
        parent_key_name=bundle["identifier"],
    )
    steps, skips = build([bundle, hidden, child], bans["kaspersky"])
    assert [step["target"] for step in steps] == [bundle["identifier"]]
    assert {skip["reason"] for skip in skips} == {
        "part of the bundle Kaspersky Plus, which is removed through its own uninstall entry"
    }
    # Without its bundle on the host, a hidden product is removed itself.
    steps, skips = build([hidden], bans["kaspersky"])
    assert [step["method"] for step in steps] == ["msi"] and not skips


def test_tiktok_store_app_removed_for_all_users_then_deprovisioned_once(bans):
    steps, _rest = build([TIKTOK_APPX, TIKTOK_PROVISIONED, TIKTOK_LIVE], bans["tiktok"])
    store = [step for step in steps if step["method"] in ("appx", "appx_provisioned")]
    assert sorted((s["method"], s["target"], s["sequence"]) for s in store) == [
        ("appx", "BytedancePte.Ltd.TikTok", 0),
        ("appx_provisioned", "BytedancePte.Ltd.TikTok", 1),
    ]
    # Both steps address both findings (the installed package and its provisioning).
    keys = {contract.finding_key(f) for f in findings_of([TIKTOK_APPX, TIKTOK_PROVISIONED], bans["tiktok"])}
    assert all(set(step["findings"]) == keys for step in store)
    live = by_target(steps)["tiktoklivestudio"]
    # Unquoted path with spaces, as Douyin/TikTok LIVE Studio write it.
    assert live["command"] == ["C:\\Program Files\\TikTok LIVE Studio\\Uninstall TikTok LIVE Studio.exe", "/S"]


def test_only_provisioned_tiktok_still_gets_both_steps(bans):
    steps, _rest = build([TIKTOK_PROVISIONED], bans["tiktok"])
    assert {step["method"] for step in steps} == {"appx", "appx_provisioned"}


def test_certificate_is_residue_and_a_service_gets_a_skip_with_its_reason(bans):
    steps, skips = build([KES, KASPERSKY_ROOT_CERT, KASPERSKY_SERVICE], bans["kaspersky"])
    cert = next(step for step in steps if step["method"] == "certificate")
    assert cert["kind"] == "residue" and cert["target"] == KASPERSKY_ROOT_CERT["thumbprint"]
    assert cert["store"] == "Root"
    assert by_target(steps)[KES_CODE]["kind"] == "remove"
    assert not any(step["target"] == "klnagent" for step in steps)
    (skip,) = skips
    assert skip["finding"]["software"]["identifier"] == "klnagent"
    assert skip["reason"].startswith("a service gets no step: its product's uninstaller removes it")


def test_registry_key_residue(bans):
    key = {
        "name": "KasperskyLab",
        "platform": "windows",
        "source": "registry_key",
        "identifier": "HKLM:\\SOFTWARE\\KasperskyLab",
        "path": "HKLM:\\SOFTWARE\\KasperskyLab",
    }
    steps, _rest = build([key], bans["kaspersky"])
    (step,) = steps
    assert (step["kind"], step["method"], step["target"]) == ("residue", "registry_key", key["path"])


def test_residue_a_host_reports_is_removed_only_when_the_ban_names_it(bans):
    # Matched by name, but a key the ban does not list and a malformed thumbprint are never deleted.
    key = {
        "name": "Kaspersky leftovers",
        "platform": "windows",
        "source": "registry_key",
        "identifier": "HKLM:\\SOFTWARE\\Microsoft",
        "path": "HKLM:\\SOFTWARE\\Microsoft",
    }
    cert = dict(KASPERSKY_ROOT_CERT, thumbprint="..\\..\\My\\X", store="My")
    steps, skips = build([key, cert], bans["kaspersky"])
    assert not steps
    assert [skip["reason"] for skip in skips] == [
        "the registry_key record names no target this ban may remove",
        "the certificate record names no target this ban may remove",
    ]


def test_entry_without_uninstall_command_is_skipped_with_reason(bans):
    bare = {"name": "WeChat", "platform": "windows", "source": "registry", "identifier": "WeChat"}
    steps, skips = build([bare], bans["wechat"])
    assert not steps
    assert skips[0]["reason"] == "no uninstall command is recorded for it"


def test_vendor_tool_is_off_by_default_and_a_fallback_when_given(bans):
    assert not any(step["method"] == "vendor_tool" for step in build([KES], bans["kaspersky"])[0])
    tool = {"path": "C:\\Tools\\kavremvr.exe", "arguments": ["--silent"]}
    steps, _rest = build([KES, AGENT], bans["kaspersky"], kaspersky_removal_tool=tool)
    vendor = next(step for step in steps if step["method"] == "vendor_tool")
    products = [step for step in steps if step["method"] == "msi"]
    assert vendor["command"] == ["C:\\Tools\\kavremvr.exe", "--silent"] and vendor["kind"] == "remove"
    assert sorted(vendor["fallback_for"]) == sorted(step["id"] for step in products)
    assert sorted(vendor["findings"]) == sorted(key for step in products for key in step["findings"])
    assert vendor["sequence"] == 9


def test_never_removes_what_no_ban_matches(bans):
    result = plan([NOT_BANNED, WECHAT_3], bans)
    assert all("7-Zip" not in json.dumps(step) for step in result["steps"])


@pytest.mark.parametrize(
    ("rc", "truncated", "outcome"),
    [
        (0, False, "ok"),
        (3010, False, "reboot_pending"),
        (1641, False, "reboot_pending"),
        (1605, False, "absent"),
        (1614, False, "absent"),
        (1603, False, "failed"),
        (1618, False, "failed"),
        (69, True, "absent"),  # Wine: 1605 % 256
        (194, True, "reboot_pending"),  # Wine: 3010 % 256
        (67, True, "failed"),  # Wine: 1603 % 256
        (69, False, "failed"),  # a real 69 is not 1605
        (12, True, "failed"),
    ],
)
def test_msi_exit_codes_read_through_the_contract(rc, truncated, outcome):
    step = {"exit_codes": _windows_steps.MSI_EXIT_CODES}
    assert contract.outcome_of(step, _windows_steps.normalize_exit_code(rc, truncated=truncated)) == outcome


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
    assert _windows_steps.split_command_line(line) == argv


def test_command_line_round_trips_through_the_splitter():
    argv = ["C:\\Program Files\\X\\u.exe", "/S", 'say "hi"', "trail\\", ""]
    assert _windows_steps.split_command_line(_windows_steps.command_line(argv)) == argv


# ---------------------------------------------------------------- planner: order and links from the catalog


def test_endpoint_security_first_network_agent_last_each_waiting_for_the_earlier(bans):
    result = plan([AGENT, KASPERSKY_CONSUMER, KES], bans, ("kaspersky",), secrets_set=["kaspersky_kes_password"])
    targets = [step["target"] for step in result["steps"]]
    assert targets == [KES_CODE, KASPERSKY_CONSUMER["identifier"], AGENT_CODE]
    kes, consumer, agent = result["steps"]
    assert "depends_on" not in kes
    assert consumer["depends_on"] == [kes["id"]]
    assert set(agent["depends_on"]) == {kes["id"], consumer["id"]}
    assert kes["order"] < consumer["order"] < agent["order"]


def test_residue_waits_for_the_products(bans):
    result = plan([KES, KASPERSKY_ROOT_CERT, KASPERSKY_SERVICE], bans, ("kaspersky",))
    cert = next(step for step in result["steps"] if step["method"] == "certificate")
    kes = by_target(result["steps"])[KES_CODE]
    assert cert["depends_on"] == [kes["id"]] and cert["order"] > kes["order"]
    (skip,) = result["skipped"]
    assert skip["reason"].startswith("a service gets no step")


def test_store_app_removed_before_it_is_deprovisioned(bans):
    result = plan([TIKTOK_PROVISIONED, TIKTOK_APPX], bans, ("tiktok",))
    methods = [step["method"] for step in result["steps"]]
    assert methods.index("appx") < methods.index("appx_provisioned")


def test_vendor_tool_runs_after_every_step_it_backs_up(bans):
    tool = {"path": "C:\\Tools\\kavremvr.exe", "arguments": ["--silent"]}
    result = plan([KES, AGENT], bans, ("kaspersky",), kaspersky_removal_tool=tool)
    steps = result["steps"]
    vendor = next(step for step in steps if step["method"] == "vendor_tool")
    backed_up = [step for step in steps if step["id"] in vendor["fallback_for"]]
    assert len(backed_up) == 2
    assert all(step["order"] < vendor["order"] for step in backed_up)
    # The cap counts removals, not their fallback.
    assert result["removals"] == 2


def test_passwords_never_appear_in_the_plan_its_diff_or_its_report(bans):
    result = plan([KES, AGENT], bans, ("kaspersky",), secrets_set=[KES_SECRET["name"], AGENT_SECRET["name"]])
    text = json.dumps({"plan": result, "diff": plan_diff(result["steps"])}, ensure_ascii=False)
    for secret in (KES_PASSWORD, AGENT_PASSWORD, AGENT_PASSWORD_HEX):
        assert secret not in text
    assert "<secret:kaspersky_kes_password>" in text and "<secret:kaspersky_klnagent_password>" in text


def test_plan_is_deterministic(bans):
    records = [TIKTOK_APPX, WECHAT_3, AGENT, KES, WEIXIN_4_PER_USER]
    first = plan(records, bans)
    second = plan(list(reversed(records)), bans)

    def per_ban(result):
        return {ban: [s for s in result["steps"] if s["ban"] == ban] for ban in ("kaspersky", "wechat", "tiktok")}

    assert per_ban(first) == per_ban(second)


FRENCH_AGENT = {
    # As the French build registers it (GabrielMoreau/resinfo-swmb README): a name in French, publisher "Kaspersky".
    "name": "Agent d'administration de Kaspersky Security Center",
    "version": "12.0.0.7734",
    "publisher": "Kaspersky",
    "platform": "windows",
    "source": "registry_wow64",
    "identifier": "{2924BEDA-E0D7-4DAF-A224-50D2E0B12F5B}",
    "uninstall_string": "MsiExec.exe /X{2924BEDA-E0D7-4DAF-A224-50D2E0B12F5B}",
    "windows_installer": True,
}


@pytest.mark.parametrize(
    "agent",
    [
        FRENCH_AGENT,
        dict(FRENCH_AGENT, name="Агент администрирования Kaspersky Security Center"),
        # A language no public source names: recognised by its product code alone.
        dict(FRENCH_AGENT, name="卡巴斯基安全管理中心 (unknown)"),
    ],
    ids=["french", "russian", "code-only"],
)
def test_a_localized_network_agent_gets_its_password_and_goes_last(bans, agent):
    secrets = ["kaspersky_kes_password", "kaspersky_klnagent_password"]
    made = plan([KES, agent], bans, ban_ids=("kaspersky",), secrets_set=secrets)
    removals = [step for step in made["steps"] if step["kind"] == "remove"]
    assert [step["target"] for step in removals] == [KES_CODE, agent["identifier"]]
    assert "KLUNINSTPASSWD=<secret:kaspersky_klnagent_password>" in removals[-1]["command"]
    assert removals[-1]["depends_on"] == [removals[0]["id"]]
