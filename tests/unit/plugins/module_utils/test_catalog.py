"""Ban files: the bundled ones are valid; a malformed one gets one clear error."""

import copy

import pytest
import yaml

from ansible_collections.interdict.bans.plugins.module_utils.catalog import (
    PLATFORMS,
    BanError,
    bundled_ids,
    load_bans,
    secret_value,
    validate_ban,
)

GOOD = {
    "id": "deepseek",
    "title": "DeepSeek",
    "description": "DeepSeek's chat app.",
    "authorities": [{"name": "Example Ministry", "date": "2025-02-06", "reference": "memo 1"}],
    "platforms": {
        "ios": {
            "identifiers": [{"value": "com.deepseek.chat", "source": "App Store"}],
            "names": [{"pattern": "DeepSeek(?: - AI Assistant)?", "source": "App Store"}],
        }
    },
}


SECRET = {
    "name": "deepseek_agent_password",
    "env": "DEEPSEEK_AGENT_PASSWORD",
    "encoding": "utf16le_hex",
    "description": "uninstall password of the DeepSeek agent",
}
WINDOWS = {
    "names": [{"pattern": "DeepSeek Agent.*", "source": "test"}],
    "remove": {
        "order": {"first": ["DeepSeek Agent Core.*"], "last": ["DeepSeek Agent Updater.*"]},
        "products": [
            {
                "name": "DeepSeek Agent.*",
                "password": {"property": "UNINSTALLPASSWORD", "secret": "deepseek_agent_password"},
                "source": "test",
            }
        ],
    },
}


def with_secret(data):
    data["secrets"] = [dict(SECRET)]
    data["platforms"]["windows"] = copy.deepcopy(WINDOWS)


def write(tmp_path, data, name="deepseek.yml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_bundled_bans_load_and_cover_every_platform():
    bans = {ban["id"]: ban for ban in load_bans()}
    assert sorted(bans) == ["kaspersky", "tiktok", "wechat"]
    assert set(bans["kaspersky"]["platforms"]) == set(PLATFORMS)
    for ban in bans.values():
        assert ban["authorities"], ban["id"]


def test_bundled_files_are_named_after_their_ids():
    assert bundled_ids() == sorted(ban["id"] for ban in load_bans())


def test_bundled_authorities():
    bans = {ban["id"]: ban for ban in load_bans()}
    dates = {ban: {a["date"] for a in bans[ban]["authorities"]} for ban in bans}
    assert "2023-10-30" in dates["wechat"] and "2023-10-30" in dates["kaspersky"]
    assert "2023-02-28" in dates["tiktok"]
    refs = " ".join(a["reference"] for a in bans["kaspersky"]["authorities"])
    assert "17-01" in refs and "1634" in refs
    assert "M-23-13" in " ".join(a["reference"] for a in bans["tiktok"]["authorities"])


def test_select_by_id_in_the_order_asked():
    assert [ban["id"] for ban in load_bans(["wechat", "kaspersky"])] == ["wechat", "kaspersky"]


def test_unknown_ban_id_is_named():
    with pytest.raises(BanError, match="unknown ban 'deepseek': known bans are kaspersky, tiktok, wechat"):
        load_bans(["deepseek"])


def test_users_ban_file_and_folder(tmp_path):
    path = write(tmp_path, GOOD)
    assert [ban["id"] for ban in load_bans(["deepseek"], paths=[str(path)])] == ["deepseek"]
    assert "deepseek" in [ban["id"] for ban in load_bans(paths=[str(tmp_path)])]


def test_users_file_replaces_a_bundled_ban(tmp_path):
    mine = copy.deepcopy(GOOD)
    mine["id"] = "tiktok"
    with pytest.raises(
        BanError, match=r"deepseek\.yml: ban 'tiktok': id: the bundled ban 'tiktok' .* say replaces: tiktok"
    ):
        load_bans(["tiktok"], paths=[str(write(tmp_path, mine))])
    mine["replaces"] = "tiktok"
    (ban,) = load_bans(["tiktok"], paths=[str(write(tmp_path, mine))])
    assert ban["title"] == "DeepSeek"


def test_two_user_files_with_one_id(tmp_path):
    write(tmp_path, GOOD, "a.yml")
    write(tmp_path, GOOD, "b.yml")
    with pytest.raises(BanError, match=r"b\.yml: ban 'deepseek': id: already defined in .*a\.yml"):
        load_bans(paths=[str(tmp_path)])


def mutate(change):
    data = copy.deepcopy(GOOD)
    change(data)
    return data


BAD = {
    "unknown key": (
        lambda d: d["platforms"]["ios"].update(bundle=["x"]),
        r"platforms\.ios: unknown field 'bundle' "
        r"\(allowed: block, exclude, identifiers, names, publishers, remove, signers\)",
    ),
    "unknown top-level key": (lambda d: d.update(severity="high"), r"\(top level\): unknown field 'severity'"),
    "wrong type": (lambda d: d.update(title=["DeepSeek"]), r"title: expected a string, got a list"),
    "invalid pattern": (
        lambda d: d["platforms"]["ios"]["names"][0].update(pattern="DeepSeek(AI"),
        r"platforms\.ios\.names\[0\]\.pattern: invalid regular expression: missing \)",
    ),
    "unknown platform": (
        lambda d: d["platforms"].update(blackberry=copy.deepcopy(d["platforms"]["ios"])),
        r"platforms\.blackberry: unknown platform \(expected one of windows, linux, macos, ios, android\)",
    ),
    "empty matcher": (
        lambda d: d["platforms"]["ios"].update(identifiers=[]),
        r"platforms\.ios\.identifiers: must not be empty",
    ),
    "platform without matchers": (
        lambda d: d["platforms"].update(android={}),
        r"platforms\.android: needs at least one matcher",
    ),
    "pattern matching any name": (
        lambda d: d["platforms"]["ios"]["names"][0].update(pattern=".*"),
        r"platforms\.ios\.names\[0\]\.pattern: matches the empty string",
    ),
    "pattern matching common software": (
        lambda d: d["platforms"]["ios"]["names"][0].update(pattern="(?:DeepSeek|Google.*)"),
        r"names\[0\]\.pattern: too broad: it matches 'google-cloud-cli', common software \(data/corpus\)",
    ),
    "broad publisher constraint is fine but a broad publisher rule is not": (
        lambda d: d["platforms"]["ios"].update(publishers=[{"pattern": "[A-Za-z ]+", "source": "x"}]),
        r"platforms\.ios\.publishers\[0\]\.pattern: too broad: it matches 'aaphoto', common software",
    ),
    "inline global flag": (
        lambda d: d["platforms"]["ios"]["names"][0].update(pattern="DeepSeek(?i)"),
        r"invalid regular expression: global flags not at the start",
    ),
    "matcher without source": (
        lambda d: d["platforms"]["ios"]["identifiers"][0].pop("source"),
        r"platforms\.ios\.identifiers\[0\]: missing required field 'source'",
    ),
    "bad id": (lambda d: d.update(id="Deep Seek"), r"ban \(no id\): id: does not have the required form"),
    "password naming an undeclared secret": (
        lambda d: (with_secret(d), d.pop("secrets")),
        r"platforms\.windows\.remove\.products\[0\]\.password\.secret: 'deepseek_agent_password' is not declared "
        r"in secrets \(declared: none\)",
    ),
    "secret declared twice": (
        lambda d: (with_secret(d), d["secrets"].append(dict(SECRET))),
        r"secrets\[1\]\.name: 'deepseek_agent_password' is declared twice",
    ),
    "unknown secret encoding": (
        lambda d: (with_secret(d), d["secrets"][0].update(encoding="base64")),
        r"secrets\[0\]\.encoding: expected one of plain, utf16le_hex",
    ),
    "secret without environment variable": (
        lambda d: (with_secret(d), d["secrets"][0].pop("env")),
        r"secrets\[0\]: missing required field 'env'",
    ),
    "encoding on the password instead of the secret": (
        lambda d: (
            with_secret(d),
            d["platforms"]["windows"]["remove"]["products"][0]["password"].update(encoding="plain"),
        ),
        r"platforms\.windows\.remove\.products\[0\]\.password: unknown field 'encoding'",
    ),
    "product order is gone: order lives in remove.order": (
        lambda d: (with_secret(d), d["platforms"]["windows"]["remove"]["products"][0].update(order=10)),
        r"platforms\.windows\.remove\.products\[0\]: unknown field 'order'",
    ),
    "default_order is gone": (
        lambda d: (with_secret(d), d["platforms"]["windows"]["remove"].update(default_order=50)),
        r"platforms\.windows\.remove: unknown field 'default_order'",
    ),
    "invalid order pattern": (
        lambda d: (with_secret(d), d["platforms"]["windows"]["remove"]["order"].update(last=["Updater("])),
        r"platforms\.windows\.remove\.order\.last\[0\]: invalid regular expression: missing \)",
    ),
    "bad date": (
        lambda d: d["authorities"][0].update(date="6 Feb 2025"),
        r"authorities\[0\]\.date: does not have the required form",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_ban_file_names_file_ban_and_field(tmp_path, case):
    change, message = BAD[case]
    path = write(tmp_path, mutate(change))
    with pytest.raises(BanError) as error:
        load_bans(paths=[str(path)])
    assert str(error.value).startswith(f"{path}: ban ")
    assert "\n" not in str(error.value)
    assert error.match(message)


def test_not_yaml(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("id: [unclosed\n")
    with pytest.raises(BanError, match=r"broken\.yml: ban \(unparsed\): not valid YAML"):
        load_bans(paths=[str(path)])


def test_not_a_mapping():
    with pytest.raises(BanError, match=r"x\.yml: ban \(no id\): \(top level\): expected a mapping, got a list"):
        validate_ban(["id"], "x.yml")


def test_missing_path():
    with pytest.raises(BanError, match="no such ban file or directory"):
        load_bans(paths=["/nonexistent/ban.yml"])


def test_kaspersky_declares_its_secrets_and_one_order():
    (ban,) = load_bans(["kaspersky"])
    assert [(s["name"], s["env"], s["encoding"]) for s in ban["secrets"]] == [
        ("kaspersky_kes_password", "INTERDICT_KASPERSKY_KES_PASSWORD", "plain"),
        ("kaspersky_klnagent_password", "INTERDICT_KASPERSKY_KLNAGENT_PASSWORD", "utf16le_hex"),
    ]
    remove = ban["platforms"]["windows"]["remove"]
    assert remove["order"]["first"][0].startswith("Kaspersky Endpoint Security")
    assert "Network Agent" in remove["order"]["last"][0]
    passwords = [p["password"] for p in remove["products"] if "password" in p]
    assert {p["secret"] for p in passwords} == {"kaspersky_kes_password", "kaspersky_klnagent_password"}
    assert all(
        set(product) <= {"name", "password", "quiet_args", "msi_properties", "source", "unconfirmed", "note"}
        for product in remove["products"]
    )


def test_a_users_ban_declares_its_own_secret(tmp_path):
    data = copy.deepcopy(GOOD)
    with_secret(data)
    (ban,) = load_bans(["deepseek"], paths=[str(write(tmp_path, data))])
    assert ban["secrets"][0]["env"] == "DEEPSEEK_AGENT_PASSWORD"


def test_secret_names_are_unique_across_bans(tmp_path):
    data = copy.deepcopy(GOOD)
    with_secret(data)
    data["secrets"][0]["name"] = "kaspersky_kes_password"
    data["platforms"]["windows"]["remove"]["products"][0]["password"]["secret"] = "kaspersky_kes_password"
    path = write(tmp_path, data)
    with pytest.raises(BanError) as error:
        load_bans(paths=[str(path)])
    assert str(error.value).startswith(f"{path}: ban 'deepseek': secrets[0].name: 'kaspersky_kes_password' ")
    assert error.match(r"is already declared by ban 'kaspersky' in .*kaspersky\.yml$")
    # A file that replaces the bundled ban may keep the same names: the bundled one is no longer loaded.
    replacement = copy.deepcopy(data)
    replacement["id"] = "kaspersky"
    replacement["replaces"] = "kaspersky"
    path.unlink()
    other = write(tmp_path, replacement, "kaspersky.yml")
    assert load_bans(["kaspersky"], paths=[str(other)])[0]["title"] == "DeepSeek"


def test_secret_value_prefers_the_given_value_and_falls_back_to_the_environment():
    secret = {"name": "deepseek_agent_password", "env": "DEEPSEEK_AGENT_PASSWORD", "encoding": "plain"}
    environ = {"DEEPSEEK_AGENT_PASSWORD": "from-env"}
    assert secret_value(secret, {"deepseek_agent_password": "given"}, environ) == "given"
    # An empty value (an empty role default) never masks the environment.
    assert secret_value(secret, {"deepseek_agent_password": ""}, environ) == "from-env"
    assert secret_value(secret, {"deepseek_agent_password": None}, environ) == "from-env"
    assert secret_value(secret, {}, environ) == "from-env"
    assert secret_value(secret, {}, {}) == ""
    with pytest.raises(BanError, match=r"secrets\.deepseek_agent_password: expected a string value, got dict"):
        secret_value(secret, {"deepseek_agent_password": {"nested": "x"}}, {})


@pytest.mark.parametrize(
    "pattern",
    [
        "Kaspersky(?:[\\s:].*)?",
        "(?:.*,\\s*)?O=AO Kaspersky Lab(?:,.*)?",
        "(?:WeChat|Weixin|微信)(?:\\s+(?:for Windows(?: 10)?|\\(?[0-9][0-9.]*\\)?))?",
        "TikTok(?:\\s+(?:LIVE Studio|Lite))?",
        "(?:ab|cd)+x",  # a repeated alternation whose branches start differently
        "x{3}(?:y{2})+",  # fixed counts inside a repeat
        "Deep(?!Seek Helper).*",
    ],
)
def test_patterns_that_run_in_bounded_time_are_accepted(pattern):
    from ansible_collections.interdict.bans.plugins.module_utils.catalog import pattern_hazard

    assert pattern_hazard(pattern) is None
