"""Ban files: the bundled ones are valid; a malformed one gets one clear error."""

import copy

import pytest
import yaml

from ansible_collections.interdict.bans.plugins.module_utils.catalog import (
    PLATFORMS,
    BanError,
    load_bans,
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
        r"platforms\.ios: Additional properties are not allowed \('bundle' was unexpected\)",
    ),
    "unknown top-level key": (lambda d: d.update(severity="high"), r"\(top level\): Additional properties"),
    "wrong type": (lambda d: d.update(title=["DeepSeek"]), r"title: \['DeepSeek'\] is not of type 'string'"),
    "invalid pattern": (
        lambda d: d["platforms"]["ios"]["names"][0].update(pattern="DeepSeek(AI"),
        r"platforms\.ios\.names\[0\]\.pattern: invalid regular expression: missing \)",
    ),
    "unknown platform": (
        lambda d: d["platforms"].update(blackberry=d["platforms"]["ios"]),
        r"platforms\.blackberry: unknown platform \(expected one of windows, linux, macos, ios, android\)",
    ),
    "empty matcher": (
        lambda d: d["platforms"]["ios"].update(identifiers=[]),
        r"platforms\.ios\.identifiers: \[\] should be non-empty",
    ),
    "platform without matchers": (
        lambda d: d["platforms"].update(android={}),
        r"platforms\.android: needs at least one matcher",
    ),
    "pattern matching any name": (
        lambda d: d["platforms"]["ios"]["names"][0].update(pattern=".*"),
        r"platforms\.ios\.names\[0\]\.pattern: pattern is too broad: it matches ''",
    ),
    "pattern matching common software": (
        lambda d: d["platforms"]["ios"]["names"][0].update(pattern="(?:DeepSeek|Google.*)"),
        r"pattern is too broad: it matches 'Google Chrome'",
    ),
    "broad publisher constraint is fine but a broad publisher rule is not": (
        lambda d: d["platforms"]["ios"].update(publishers=[{"pattern": "[A-Za-z ]+", "source": "x"}]),
        r"platforms\.ios\.publishers\[0\]\.pattern: pattern is too broad: it matches 'a'",
    ),
    "inline global flag": (
        lambda d: d["platforms"]["ios"]["names"][0].update(pattern="DeepSeek(?i)"),
        r"invalid regular expression: global flags not at the start",
    ),
    "matcher without source": (
        lambda d: d["platforms"]["ios"]["identifiers"][0].pop("source"),
        r"platforms\.ios\.identifiers\[0\]: 'source' is a required property",
    ),
    "bad id": (lambda d: d.update(id="Deep Seek"), r"ban 'Deep Seek': id: 'Deep Seek' does not match"),
    "bad date": (
        lambda d: d["authorities"][0].update(date="6 Feb 2025"),
        r"authorities\[0\]\.date: '6 Feb 2025' does not match",
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
    with pytest.raises(BanError, match=r"x\.yml: ban \(no id\): \(top level\): expected a mapping, got list"):
        validate_ban(["id"], "x.yml")


def test_missing_path():
    with pytest.raises(BanError, match="no such ban file or directory"):
        load_bans(paths=["/nonexistent/ban.yml"])
