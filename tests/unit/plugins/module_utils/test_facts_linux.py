# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils.facts_linux: the parsers on real-format output, and the readers on real files.

The parsers are fed output in the exact formats the tools produce (dpkg-query output captured on Debian 12;
rpm, flatpak and snapd formats as their documentation gives them). Flatpak deploy files are built with a
GVariant serializer written from the specification (tests/unit/plugins/modules/fixtures/posix_builders.py).
"""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.interdict.bans.plugins.module_utils import facts_linux as fl
from ansible_collections.interdict.bans.plugins.module_utils.facts_posix import PosixHost, SourceFailed
from tests.unit.plugins.modules.fixtures.posix_builders import (
    COMMIT,
    DEPLOY_METADATA,
    build_deploy,
    make_flatpak_app,
    write,
)

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "modules", "fixtures", "software_facts")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read()


# --------------------------------------------------------------------------- dpkg


def test_dpkg_real_output_gives_one_record_per_installed_package():
    output = fixture("dpkg-query.txt")
    records = fl.parse_dpkg(output)
    assert len(records) == len(output.splitlines())
    by_name = {record["identifier"]: record for record in records}
    assert by_name["dpkg"] == {
        "name": "dpkg",
        "version": "1.21.23",
        "publisher": "Dpkg Developers",
        "platform": "linux",
        "source": "dpkg",
        "identifier": "dpkg",
        "arch": "amd64",
        "state": "installed",
        "maintainer": "Dpkg Developers <debian-dpkg@lists.debian.org>",
    }
    assert by_name["python3"]["publisher"] == "Matthias Klose"
    assert by_name["tzdata"]["arch"] == "all"


def test_dpkg_keeps_partly_installed_packages_and_drops_removed_ones():
    # `${Status}` is "want flag status", exactly as dpkg writes it.
    output = (
        "kesl\tamd64\t12.0.0.6672\tinstall reinstreq half-installed\tAO Kaspersky Lab <support@kaspersky.com>\n"
        "wechat\tamd64\t4.0.0.21\tinstall ok unpacked\tTencent\n"
        "klnagent64\tamd64\t15.0.0.12912\tdeinstall ok config-files\tAO Kaspersky Lab <support@kaspersky.com>\n"
        "tiktok\tamd64\t1.0\tpurge ok not-installed\t\n"
        "broken line without tabs\n"
        "\n"
    )
    records = fl.parse_dpkg(output)
    assert [(r["identifier"], r["state"]) for r in records] == [("kesl", "half-installed"), ("wechat", "unpacked")]
    assert records[0]["publisher"] == "AO Kaspersky Lab"
    assert records[1]["publisher"] == "Tencent"


def test_dpkg_query_format_matches_the_fixture_fields():
    # The fixture was produced by this exact format; a change to one must change the other.
    assert fl.DPKG_FORMAT == "${Package}\t${Architecture}\t${Version}\t${Status}\t${Maintainer}\n"


# --------------------------------------------------------------------------- rpm, flatpak, snap


RPM_OUTPUT = (
    "bash\tx86_64\t5.2.26-3.fc41\tFedora Project\tFedora Project\n"
    "kesl\tx86_64\t12.1.0-1186\tAO Kaspersky Lab\t(none)\n"
    "perl-IO\tx86_64\t1:1.55-512.fc41\t(none)\tPerl Team <perl-devel@lists.fedoraproject.org>\n"
    "gpg-pubkey\t(none)\te99d6ad1-64d2612c\t(none)\t(none)\n"
)


def test_rpm_records_use_vendor_then_packager_and_blank_missing_tags():
    records = fl.parse_rpm(RPM_OUTPUT)
    assert [r["identifier"] for r in records] == ["bash", "kesl", "perl-IO", "gpg-pubkey"]
    assert records[1]["publisher"] == "AO Kaspersky Lab"
    assert records[1]["packager"] == ""
    assert records[2]["publisher"] == "Perl Team"
    assert records[2]["version"] == "1:1.55-512.fc41"
    assert records[3]["arch"] == ""
    assert {r["source"] for r in records} == {"rpm"}


def test_rpm_format_asks_for_the_documented_tags():
    for tag in ("%{NAME}", "%{VERSION}-%{RELEASE}", "%{VENDOR}", "%{PACKAGER}", "%{ARCH}"):
        assert tag in fl.RPM_FORMAT


def test_flatpak_list_columns():
    output = (
        "com.tencent.WeChat\tWeChat\t4.0.1.11\tflathub\n"
        "org.mozilla.firefox\tFirefox\t137.0\tflathub\n"
        "org.example.NoVersion\tNo Version\t\tlocal\n"
    )
    records = fl.parse_flatpak_list(output)
    assert records[0] == {
        "name": "WeChat",
        "version": "4.0.1.11",
        "publisher": "",
        "platform": "linux",
        "source": "flatpak",
        "identifier": "com.tencent.WeChat",
        "scope": "system",
        "origin": "flathub",
    }
    assert records[2]["version"] == ""


def test_flatpak_list_ignores_a_header_row():
    assert fl.parse_flatpak_list("Application ID\tName\tVersion\tOrigin\norg.a.B\tB\t1\tflathub\n")[0]["name"] == "B"


# The shape of GET /v2/snaps as the snapd REST API documentation shows it.
SNAPD_ANSWER = {
    "type": "sync",
    "status-code": 200,
    "status": "OK",
    "result": [
        {
            "id": "99T7MUlRhtI3U0QFgl5mXXESAiSwt776",
            "title": "core22",
            "name": "core22",
            "version": "20240111",
            "revision": "1122",
            "tracking-channel": "latest/stable",
            "publisher": {"id": "canonical", "username": "canonical", "display-name": "Canonical"},
            "developer": "canonical",
            "type": "base",
            "status": "active",
        },
        {
            "id": "JeFfwAV9XfWYyBKTf3MoNYUqHNGvy4Hw",
            "title": "TikTok Desktop",
            "name": "tiktok-desktop",
            "version": "2.3.0",
            "revision": 42,
            "channel": "stable",
            "publisher": {"id": "x1", "username": "someone"},
            "developer": "someone",
            "type": "app",
            "status": "active",
        },
    ],
}


def test_snapd_answer_gives_records():
    records = fl.parse_snapd_snaps(json.dumps(SNAPD_ANSWER).encode())
    assert records[0]["publisher"] == "Canonical"
    assert records[0]["channel"] == "latest/stable"
    assert records[1] == {
        "name": "TikTok Desktop",
        "version": "2.3.0",
        "publisher": "someone",
        "platform": "linux",
        "source": "snap",
        "identifier": "tiktok-desktop",
        "revision": "42",
        "channel": "stable",
    }


def test_snapd_error_answer_is_a_failed_source():
    answer = {"type": "error", "status-code": 500, "result": {"message": "cannot read state"}}
    with pytest.raises(SourceFailed, match="cannot read state"):
        fl.parse_snapd_snaps(json.dumps(answer))


def test_snap_list_text_output():
    output = (
        "Name      Version    Rev    Tracking       Publisher   Notes\n"
        "core22    20240111   1122   latest/stable  canonical*  base\n"
        "wechat    4.0        7      -              -           -\n"
    )
    records = fl.parse_snap_list(output)
    assert [(r["identifier"], r["publisher"], r["channel"]) for r in records] == [
        ("core22", "canonical", "latest/stable"),
        ("wechat", "", ""),
    ]


def test_deploy_file_keys_sit_where_flatpak_puts_them():
    data = build_deploy("flathub", COMMIT, [], [*DEPLOY_METADATA[:1], ("appdata-version", "s", "154.0.1")])
    # Observed in real deploy files: origin and commit lead; keys and values sit at 8-aligned offsets.
    assert data.startswith(b"flathub\0" + COMMIT.encode() + b"\0")
    assert data.index(b"appdata-version\x00154.0.1\x00\x00s") % 8 == 0


@pytest.mark.parametrize("subpaths", [[], ["/de", "/zh"]])
@pytest.mark.parametrize("padding", [0, 300, 70000])  # 1-, 2- and 4-byte framing offsets
def test_deploy_file_is_parsed(subpaths, padding):
    metadata = [*DEPLOY_METADATA, ("appdata-content-rating-note", "s", "x" * padding)]
    parsed = fl.parse_flatpak_deploy(build_deploy("flathub", COMMIT, subpaths, metadata))
    assert parsed["origin"] == "flathub"
    assert parsed["commit"] == COMMIT
    assert parsed["metadata"]["appdata-name"] == "WeChat"
    assert parsed["metadata"]["appdata-name@zh_CN"] == "微信"
    assert parsed["metadata"]["appdata-version"] == "4.0.1.11"
    assert "deploy-version" not in parsed["metadata"]  # not a string


def test_deploy_file_without_metadata_and_with_empty_origin():
    parsed = fl.parse_flatpak_deploy(build_deploy("", COMMIT, [], []))
    assert parsed == {"origin": "", "commit": COMMIT, "metadata": {}}


@pytest.mark.parametrize("data", [b"", b"\x05", b"flathub\0" + b"\xff" * 40, b"\x00" * 7 + b"\x09\x09\x09"])
def test_corrupt_deploy_file_is_refused(data):
    with pytest.raises(fl.GVariantError):
        fl.parse_flatpak_deploy(data)


def test_user_installation_is_read_from_files(tmp_path):
    installation = str(tmp_path / "flatpak")
    make_flatpak_app(installation, "com.tencent.WeChat", build_deploy("flathub", COMMIT, [], DEPLOY_METADATA))
    make_flatpak_app(installation, "org.example.Broken", b"\x01\x02")
    os.makedirs(os.path.join(installation, "app", "org.example.Removed"))  # no current deployment
    gaps = []
    records = fl.read_flatpak_installation(installation, "user", "alice", gaps)
    assert records == [
        {
            "name": "WeChat",
            "version": "4.0.1.11",
            "publisher": "",
            "platform": "linux",
            "source": "flatpak",
            "identifier": "com.tencent.WeChat",
            "scope": "user",
            "origin": "flathub",
            "user": "alice",
        },
        {
            "name": "org.example.Broken",
            "version": "",
            "publisher": "",
            "platform": "linux",
            "source": "flatpak",
            "identifier": "org.example.Broken",
            "scope": "user",
            "origin": "",
            "user": "alice",
        },
    ]
    assert len(gaps) == 1 and "org.example.Broken" in gaps[0] and gaps[0].startswith("flatpak user alice ")


def test_every_one_of_many_packages_gives_one_record():
    # Speed is measured by tests/bench/bench_software_facts.py; this checks nothing is lost or merged at scale.
    line = fixture("dpkg-query.txt").splitlines()[0]
    many = "\n".join(line.replace("\t", "%d\t" % i, 1) for i in range(20000))
    records = fl.parse_dpkg(many)
    assert len(records) == 20000
    assert len({r["identifier"] for r in records}) == 20000


# --------------------------------------------------------------------------- readers


class NoTools:
    """A module on a machine without any package tool: readers must work from files or say why not."""

    def get_bin_path(self, name):
        return None

    def run_command(self, *args, **kwargs):
        raise AssertionError("no process may run here")


def image(tmp_path):
    root = tmp_path / "image"
    write(str(root / "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/bash\n")
    return root


def test_nothing_installed_means_absent_not_empty(tmp_path):
    host = PosixHost(NoTools(), str(image(tmp_path)))
    for reader in (fl.read_dpkg, fl.read_rpm, fl.read_flatpak, fl.read_snap):
        gaps = []
        assert reader(host, gaps) is None
        assert gaps == []


def test_a_database_without_its_tool_fails_the_source(tmp_path):
    root = image(tmp_path)
    write(str(root / "var/lib/dpkg/status"), "Package: kesl\n")
    write(str(root / "var/lib/rpm/rpmdb.sqlite"), "")
    host = PosixHost(NoTools(), str(root))
    with pytest.raises(SourceFailed, match="dpkg-query is not installed"):
        fl.read_dpkg(host, [])
    with pytest.raises(SourceFailed, match="rpm is not installed"):
        fl.read_rpm(host, [])


def test_offline_snaps_fail_the_source(tmp_path):
    root = image(tmp_path)
    write(str(root / "var/lib/snapd/snaps/tiktok-desktop_42.snap"), "hsqs")
    with pytest.raises(SourceFailed, match="snapd is not running"):
        fl.read_snap(PosixHost(NoTools(), str(root)), [])


def test_flatpaks_of_the_system_and_of_each_user_are_read_from_files(tmp_path):
    root = image(tmp_path)
    make_flatpak_app(str(root / "var/lib/flatpak"), "org.mozilla.firefox", build_deploy("flathub", COMMIT, [], []))
    bob = str(root / "home/bob/.local/share/flatpak")
    make_flatpak_app(bob, "com.tencent.WeChat", build_deploy("flathub", COMMIT, [], DEPLOY_METADATA))
    gaps = []
    records = fl.read_flatpak(PosixHost(NoTools(), str(root)), gaps)
    assert [(r["identifier"], r["scope"], r.get("user")) for r in records] == [
        ("org.mozilla.firefox", "system", None),
        ("com.tencent.WeChat", "user", "bob"),
    ]
    assert gaps == []


def test_a_broken_deploy_file_is_a_gap_named_as_the_host_sees_it(tmp_path):
    root = image(tmp_path)
    bob = str(root / "home/bob/.local/share/flatpak")
    make_flatpak_app(bob, "com.tencent.WeChat", b"\x01\x02")
    gaps = []
    records = fl.read_flatpak(PosixHost(NoTools(), str(root)), gaps)
    assert len(records) == 1
    assert records[0]["identifier"] == "com.tencent.WeChat" and records[0]["user"] == "bob"
    deploy = "/home/bob/.local/share/flatpak/app/com.tencent.WeChat/current/active/deploy"
    assert gaps == ["flatpak user bob %s: truncated framing offset" % deploy]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every directory; the unreadable case needs a normal user")
def test_an_unreadable_user_installation_is_a_gap_and_the_rest_is_still_read(tmp_path):
    root = image(tmp_path)
    make_flatpak_app(str(root / "var/lib/flatpak"), "org.mozilla.firefox", build_deploy("flathub", COMMIT, [], []))
    bob = root / "home/bob/.local/share/flatpak"
    make_flatpak_app(str(bob), "com.tencent.WeChat", build_deploy("flathub", COMMIT, [], DEPLOY_METADATA))
    os.chmod(bob / "app", 0o300)  # a directory that can be entered but not listed
    try:
        gaps = []
        records = fl.read_flatpak(PosixHost(NoTools(), str(root)), gaps)
    finally:
        os.chmod(bob / "app", 0o700)
    assert [r["identifier"] for r in records] == ["org.mozilla.firefox"]
    assert gaps == ["flatpak user bob installation /home/bob/.local/share/flatpak: Permission denied"]


def test_an_unlistable_installation_is_a_gap(tmp_path, monkeypatch):
    # Works as root too: the listing itself is made to fail the way a permission error does.
    root = image(tmp_path)
    bob = root / "home/bob/.local/share/flatpak"
    make_flatpak_app(str(bob), "com.tencent.WeChat", build_deploy("flathub", COMMIT, [], DEPLOY_METADATA))
    listdir = os.listdir

    def refuse(path):
        if str(path).endswith(".local/share/flatpak/app"):
            raise PermissionError(13, "Permission denied", str(path))
        return listdir(path)

    monkeypatch.setattr(fl.os, "listdir", refuse)
    gaps = []
    assert fl.read_flatpak(PosixHost(NoTools(), str(root)), gaps) == []
    assert gaps == ["flatpak user bob installation /home/bob/.local/share/flatpak: Permission denied"]


def test_dpkg_is_read_with_one_process_and_its_exit_code_is_checked(tmp_path):
    root = image(tmp_path)
    write(str(root / "var/lib/dpkg/status"), "Package: kesl\n")
    calls = []

    class Dpkg(NoTools):
        def get_bin_path(self, name):
            return "/usr/bin/" + name

        def run_command(self, argv, **kwargs):
            calls.append(argv)
            return self.rc, fixture("dpkg-query.txt").encode(), b"dpkg-query: error: parsing file\n"

    module = Dpkg()
    module.rc = 0
    records = fl.read_dpkg(PosixHost(module, str(root)), [])
    assert calls == [["/usr/bin/dpkg-query", "--admindir=%s/var/lib/dpkg" % root, "-W", "-f=" + fl.DPKG_FORMAT]]
    assert len(records) == len(fixture("dpkg-query.txt").splitlines())
    module.rc = 2
    with pytest.raises(SourceFailed, match="exited 2: dpkg-query: error: parsing file"):
        fl.read_dpkg(PosixHost(module, str(root)), [])


def test_snapd_answer_is_json():
    with pytest.raises(ValueError):
        fl.parse_snapd_snaps(b"<html>")
    assert fl.parse_snapd_snaps(json.dumps({"type": "sync", "result": []})) == []
