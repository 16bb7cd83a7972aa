"""The catalog lookup, through Ansible's own plugin loader."""

import pytest
from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import lookup_loader


@pytest.fixture
def catalog(tmp_path):
    loader = DataLoader()
    loader.set_basedir(str(tmp_path))
    return lookup_loader.get("interdict.bans.catalog", loader=loader, templar=None)


def test_no_terms_returns_every_bundled_ban(catalog):
    assert sorted(ban["id"] for ban in catalog.run([])) == ["kaspersky", "tiktok", "wechat"]


def test_terms_select_bans(catalog):
    assert [ban["id"] for ban in catalog.run(["tiktok"])] == ["tiktok"]


def test_relative_ban_paths_are_relative_to_the_playbook(catalog, tmp_path):
    (tmp_path / "bans").mkdir()
    (tmp_path / "bans" / "deepseek.yml").write_text(
        "id: deepseek\ntitle: DeepSeek\ndescription: x\n"
        "authorities: [{name: Example, date: '2025-02-06', reference: memo}]\n"
        "platforms: {android: {identifiers: [{value: com.deepseek.chat, source: Google Play}]}}\n"
    )
    assert [ban["id"] for ban in catalog.run(["deepseek"], ban_paths=["bans"])] == ["deepseek"]


def test_malformed_file_is_one_lookup_error(catalog, tmp_path):
    (tmp_path / "bad.yml").write_text(
        "id: bad\ntitle: Bad\ndescription: x\n"
        "authorities: [{name: Example, date: '2025-02-06', reference: memo}]\n"
        "platforms: {ios: {names: [{pattern: '.*', source: x}]}}\n"
    )
    with pytest.raises(AnsibleLookupError, match=r"bad\.yml: ban 'bad': platforms\.ios\.names\[0\]\.pattern: "):
        catalog.run([], ban_paths=["bad.yml"])


def test_interdict_ban_paths_is_added_even_when_a_role_passes_an_empty_list(catalog, tmp_path, monkeypatch):
    (tmp_path / "deepseek.yml").write_text(
        "id: deepseek\ntitle: DeepSeek\ndescription: x\n"
        "authorities: [{name: Example, date: '2025-02-06', reference: memo}]\n"
        "platforms: {android: {identifiers: [{value: com.deepseek.chat, source: Google Play}]}}\n"
    )
    monkeypatch.setenv("INTERDICT_BAN_PATHS", f"/nonexistent-but-blank-parts-are-ignored:,{tmp_path}")
    with pytest.raises(AnsibleLookupError, match=r"^/nonexistent-but-blank-parts-are-ignored: no such ban file"):
        catalog.run(["deepseek"], ban_paths=[])
    monkeypatch.setenv("INTERDICT_BAN_PATHS", f"{tmp_path}:")
    assert [ban["id"] for ban in catalog.run(["deepseek"], ban_paths=[])] == ["deepseek"]
