# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils.block_files: the one place that renders, reads and edits the Linux block files."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ansible_collections.interdict.bans.plugins.module_utils import block_files as bf
from ansible_collections.interdict.bans.plugins.module_utils.facts_posix import PosixHost
from tests.unit.plugins.modules.fixtures.posix_builders import write

PACKAGES = ["kesl", "kesl-gui", "klnagent64", "klnagent"]


# --------------------------------------------------------------------------- apt pins


def test_a_pin_is_one_file_per_ban_with_priority_minus_one():
    assert bf.apt_pin_path("kaspersky") == "/etc/apt/preferences.d/interdict-kaspersky.pref"
    content = bf.render_apt_pin("kaspersky", "Kaspersky", PACKAGES)
    assert content.startswith("# interdict.bans: ban 'kaspersky' (Kaspersky). Managed file")
    assert content.endswith("Package: kesl kesl-gui klnagent64 klnagent\nPin: release *\nPin-Priority: -1\n")


def test_a_rendered_pin_is_recognised_as_the_bans():
    content = bf.render_apt_pin("wechat", "WeChat", ["wechat"])
    assert bf.parse_apt_pin(content) == {"ban": "wechat", "packages": ["wechat"], "priority": -1}


def test_a_pin_someone_else_wrote_is_read_but_not_claimed():
    content = "Package: kesl klnagent64\nPin: version *\nPin-Priority: -1\n\nPackage: other\nPin-Priority: 900\n"
    assert bf.parse_apt_pin(content) == {"ban": "", "packages": ["kesl", "klnagent64"], "priority": -1}


def test_a_title_cannot_add_lines_to_the_pin():
    content = bf.render_apt_pin("wechat", "WeChat\nPackage: *\nPin-Priority: 1000", ["wechat"])
    assert content.count("\n") == 5
    assert [line for line in content.splitlines() if line.startswith("Package:")] == ["Package: wechat"]


@pytest.mark.parametrize("packages", [[], ["wechat\nPin-Priority: 1000"], ["*"], ["a b"]])
def test_only_package_names_are_pinned(packages):
    with pytest.raises(bf.BlockFileError):
        bf.render_apt_pin("wechat", "WeChat", packages)


@pytest.mark.parametrize("ban_id", ["../etc/x", "Kaspersky", "a b", ""])
def test_a_ban_id_that_cannot_be_a_file_name_is_refused(ban_id):
    with pytest.raises(bf.BlockFileError):
        bf.apt_pin_path(ban_id)


@pytest.mark.skipif(shutil.which("apt-cache") is None, reason="apt-cache not installed on this machine")
def test_apt_really_refuses_a_pinned_package(tmp_path):
    # Pin a package this machine has, and ask apt itself what it would install.
    (tmp_path / "interdict-kaspersky.pref").write_text(bf.render_apt_pin("kaspersky", "Kaspersky", ["dpkg"]))
    policy = subprocess.run(
        ["apt-cache", "-o", f"Dir::Etc::PreferencesParts={tmp_path}", "policy", "dpkg"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Candidate: (none)" in policy.stdout
    unpinned = subprocess.run(["apt-cache", "policy", "dpkg"], capture_output=True, text=True, check=True)
    assert "Candidate: (none)" not in unpinned.stdout


# --------------------------------------------------------------------------- dnf


def test_dnf_excludes_are_read_in_both_spellings():
    text = "[main]\ngpgcheck=1\nexcludepkgs=kesl, klnagent64 wechat*\nexclude=old\n[updates]\nexcludepkgs=x\n"
    assert bf.dnf_excludes(text) == ["kesl", "klnagent64", "wechat*", "old"]
    assert bf.dnf_excludes("") == []


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("", "[main]\nexcludepkgs=kesl\n"),
        ("[main]\ngpgcheck=1\n", "[main]\ngpgcheck=1\nexcludepkgs=kesl\n"),
        ("[main]\ngpgcheck=1\n\n[x]\na=1\n", "[main]\ngpgcheck=1\nexcludepkgs=kesl\n\n[x]\na=1\n"),
        ("[main]\nexclude=a,b\n", "[main]\nexclude=a b kesl\n"),
        ("[main]\nexcludepkgs = kesl\n", "[main]\nexcludepkgs = kesl\n"),
        ("[other]\nx=1", "[other]\nx=1\n\n[main]\nexcludepkgs=kesl\n"),
    ],
)
def test_ensure_values(before, after):
    assert bf.ensure_values(before, "main", "excludepkgs", ["kesl"]) == after
    # What it writes, it reads back.
    assert "kesl" in bf.dnf_excludes(after)


def test_add_values_extends_the_option_and_nothing_else(tmp_path):
    conf = tmp_path / "dnf.conf"
    conf.write_text("# keep me\n[main]\ngpgcheck=1\nexcludepkgs=kernel*\n\n[other]\nx=1\n")
    os.chmod(conf, 0o640)
    before, after = bf.add_values(str(conf), "main", "excludepkgs", ["kesl", "klnagent64"])
    assert before != after
    assert conf.read_text() == "# keep me\n[main]\ngpgcheck=1\nexcludepkgs=kernel* kesl klnagent64\n\n[other]\nx=1\n"
    assert oct(conf.stat().st_mode & 0o777) == "0o640"
    assert bf.add_values(str(conf), "main", "excludepkgs", ["kesl"])[0] == conf.read_text()


# --------------------------------------------------------------------------- flatpak filter


def test_flatpak_remotes_and_the_filter_each_uses():
    text = '[core]\nmode=bare\n[remote "flathub"]\nurl=u\nxa.filter= /etc/f \n[remote "a b"]\nurl=v\n[x]\ny=1\n'
    assert bf.flatpak_remotes(text) == [("flathub", "/etc/f"), ("a b", "")]


def test_filter_denies_reads_only_deny_lines():
    text = "# deny commented.Out\ndeny com.tencent.WeChat  # why\nallow org.x\ndeny\ndeny a b\n  deny  org.y/*/stable\n"
    assert bf.filter_denies(text) == ["com.tencent.WeChat", "org.y/*/stable"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("", "# h\ndeny a\n"),
        ("deny a\n", "deny a\n"),
        ("deny b", "deny b\ndeny a\n"),
        ("# admin\ndeny b\n", "# admin\ndeny b\ndeny a\n"),
    ],
)
def test_ensure_lines(before, after):
    assert bf.ensure_lines(before, ["deny a"], "# h\n") == after
    assert "a" in bf.filter_denies(after)


def test_add_lines_makes_the_directory_a_fresh_flatpak_host_lacks(tmp_path):
    # Found in the lab: Debian's flatpak ships no /etc/flatpak, and the filter write failed.
    path = tmp_path / "etc" / "flatpak" / "interdict-bans.filter"
    before, after = bf.add_lines(str(path), ["deny com.tencent.WeChat"], bf.FLATPAK_FILTER_HEADER)
    assert before == "" and path.read_text() == after == bf.FLATPAK_FILTER_HEADER + "deny com.tencent.WeChat\n"
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert bf.add_lines(str(path), ["deny com.tencent.WeChat"])[0] == after


# --------------------------------------------------------------------------- files


def test_replace_file_writes_only_a_difference(tmp_path):
    path = tmp_path / "interdict-wechat.pref"
    assert bf.replace_file(str(path), "a\n", 0o644) is None
    assert path.read_text() == "a\n" and oct(path.stat().st_mode & 0o777) == "0o644"
    stat = path.stat()
    assert bf.replace_file(str(path), "a\n", 0o644) == "a\n"
    assert path.stat().st_ino == stat.st_ino  # untouched
    assert bf.replace_file(str(path), "b\n", 0o644) == "a\n" and path.read_text() == "b\n"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "interdict-wechat.pref"
    path.write_text("old\n")

    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bf.os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        bf.replace_file(str(path), "new\n", 0o644)
    assert path.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["interdict-wechat.pref"]


# --------------------------------------------------------------------------- what a host has


class NoTools:
    def get_bin_path(self, name):
        return None


def test_blocks_of_an_image_are_read_as_the_host_sees_them(tmp_path):
    root = tmp_path / "image"
    write(str(root / "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/bash\n")
    pin = bf.render_apt_pin("kaspersky", "Kaspersky", PACKAGES)
    write(str(root / "etc/apt/preferences.d/interdict-kaspersky.pref"), pin)
    write(str(root / "etc/apt/preferences.d/nodejs"), "Package: *\nPin: origin deb.nodesource.com\n")
    write(str(root / "etc/dnf/dnf.conf"), "[main]\nexcludepkgs=kesl\n")
    write(
        str(root / "var/lib/flatpak/repo/config"),
        '[core]\nxa.masked=com.tencent.WeChat;\n\n[remote "flathub"]\nurl=https://x\nxa.filter=%s\n'
        % bf.FLATPAK_FILTER,
    )
    write(
        str(root / "home/bob/.local/share/flatpak/repo/config"), '[core]\nxa.masked=a.B;c.D;\n[remote "corp"]\nurl=x\n'
    )
    write(str(root / "etc/flatpak/interdict-bans.filter"), "# managed\ndeny com.tencent.WeChat\nallow x\n")
    blocks, errors = bf.read_blocks(PosixHost(NoTools(), str(root)))
    assert errors == []
    assert blocks == {
        "apt_pin": [
            {
                "path": "/etc/apt/preferences.d/interdict-kaspersky.pref",
                "content": pin,
                "ban": "kaspersky",
                "packages": PACKAGES,
            }
        ],
        "dnf_exclude": [{"path": "/etc/dnf/dnf.conf", "patterns": ["kesl"]}],
        "flatpak_mask": [
            {"scope": "system", "user": "", "path": "/var/lib/flatpak/repo/config", "patterns": ["com.tencent.WeChat"]},
            {
                "scope": "user",
                "user": "bob",
                "path": "/home/bob/.local/share/flatpak/repo/config",
                "patterns": ["a.B", "c.D"],
            },
        ],
        "flatpak_filter": [{"path": "/etc/flatpak/interdict-bans.filter", "patterns": ["com.tencent.WeChat"]}],
        "flatpak_remote": [
            {
                "scope": "system",
                "user": "",
                "path": "/var/lib/flatpak/repo/config",
                "remote": "flathub",
                "filter": bf.FLATPAK_FILTER,
            },
            {
                "scope": "user",
                "user": "bob",
                "path": "/home/bob/.local/share/flatpak/repo/config",
                "remote": "corp",
                "filter": "",
            },
        ],
    }
    assert bf.flatpak_denied(blocks) == {"com.tencent.WeChat"}


def test_an_unparsable_block_file_is_an_error_and_the_others_are_read(tmp_path):
    root = tmp_path / "image"
    write(str(root / "etc/dnf/dnf.conf"), "excludepkgs=kesl\n")  # no section header
    write(str(root / "var/lib/flatpak/repo/config"), "[core]\nxa.masked=com.tencent.WeChat;\n")
    blocks, errors = bf.read_blocks(PosixHost(NoTools(), str(root)))
    assert blocks["dnf_exclude"] == [] and len(blocks["flatpak_mask"]) == 1
    assert len(errors) == 1 and errors[0].startswith("/etc/dnf/dnf.conf: File contains no section headers")


def test_an_unlistable_preferences_directory_is_an_error(tmp_path, monkeypatch):
    root = tmp_path / "image"
    os.makedirs(root / "etc/apt/preferences.d")

    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(bf.os, "listdir", refuse)
    blocks, errors = bf.read_blocks(PosixHost(NoTools(), str(root)))
    assert blocks["apt_pin"] == []
    assert errors == ["/etc/apt/preferences.d: Permission denied"]


def test_what_is_in_place_is_found_in_the_facts_mapping_or_a_flat_list():
    facts = {
        "apt_pin": [{"path": "/etc/apt/preferences.d/interdict-wechat.pref", "content": "x"}],
        "dnf_exclude": [{"path": "/etc/dnf/dnf.conf", "patterns": ["kesl", "wechat"]}],
        "flatpak_mask": [{"scope": "user", "user": "bob", "path": "/p", "patterns": ["com.tencent.WeChat"]}],
    }
    flat = [{"method": "flatpak_mask", "scope": "system", "user": "", "pattern": "com.tencent.WeChat"}]
    assert bf.apt_pin_at(facts, "/etc/apt/preferences.d/interdict-wechat.pref")["content"] == "x"
    assert bf.apt_pin_at(facts, "/etc/apt/preferences.d/interdict-tiktok.pref") is None
    assert bf.dnf_excluded(facts) == {"kesl", "wechat"}
    assert bf.flatpak_masked(facts, "user", "bob", "com.tencent.WeChat")
    assert not bf.flatpak_masked(facts, "system", "", "com.tencent.WeChat")
    assert bf.flatpak_masked(flat, "system", "", "com.tencent.WeChat")
    assert bf.entries(None, "apt_pin") == []


def test_a_file_someone_else_wrote_under_the_name_is_never_replaced(tmp_path):
    path = tmp_path / "interdict-wechat.pref"
    marker = bf.pin_marker("wechat")
    pin = bf.render_apt_pin("wechat", "WeChat", ["wechat"])
    path.write_text("Package: wechat\nPin: release *\nPin-Priority: -1\n")
    with pytest.raises(bf.BlockFileError, match=r"not written by interdict\.bans: not overwritten"):
        bf.replace_file(str(path), pin, 0o644, managed_marker=marker)
    assert path.read_text().startswith("Package: wechat")
    path.write_text(pin)
    inode = path.stat().st_ino
    assert bf.replace_file(str(path), pin, 0o644, managed_marker=marker) == pin
    assert path.stat().st_ino == inode  # adopted as it is
    older = bf.render_apt_pin("wechat", "WeChat", ["wechat", "weixin"])
    path.write_text(older)
    assert bf.replace_file(str(path), pin, 0o644, managed_marker=marker) == older and path.read_text() == pin
    assert bf.replace_file(str(tmp_path / "new.pref"), pin, 0o644, managed_marker=marker) is None
