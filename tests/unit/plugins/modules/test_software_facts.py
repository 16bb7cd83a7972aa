# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""interdict.bans.software_facts: parsers on real-format output, and the module run for real through Ansible.

The parsers are fed output in the exact formats the tools produce (dpkg-query output captured on Debian 12;
rpm, flatpak and snapd formats as their documentation gives them). The module itself is run with the
`ansible` command: on this machine (live dpkg), and with `root` on offline trees laid out like a Linux
image and a macOS disk, which is how it reads a chroot or a mounted image.
"""

from __future__ import annotations

import json
import os
import plistlib
import shutil
import struct
import subprocess
import sys

import pytest

from ansible_collections.interdict.bans.plugins.modules import software_facts as sf

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "software_facts")
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read()


# --------------------------------------------------------------------------- dpkg


def test_dpkg_real_output_gives_one_record_per_installed_package():
    output = fixture("dpkg-query.txt")
    records = sf.parse_dpkg(output)
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
    records = sf.parse_dpkg(output)
    assert [(r["identifier"], r["state"]) for r in records] == [("kesl", "half-installed"), ("wechat", "unpacked")]
    assert records[0]["publisher"] == "AO Kaspersky Lab"
    assert records[1]["publisher"] == "Tencent"


def test_dpkg_query_format_matches_the_fixture_fields():
    # The fixture was produced by this exact format; a change to one must change the other.
    assert sf.DPKG_FORMAT == "${Package}\t${Architecture}\t${Version}\t${Status}\t${Maintainer}\n"


# --------------------------------------------------------------------------- rpm, flatpak, snap


RPM_OUTPUT = (
    "bash\tx86_64\t5.2.26-3.fc41\tFedora Project\tFedora Project\n"
    "kesl\tx86_64\t12.1.0-1186\tAO Kaspersky Lab\t(none)\n"
    "perl-IO\tx86_64\t1:1.55-512.fc41\t(none)\tPerl Team <perl-devel@lists.fedoraproject.org>\n"
    "gpg-pubkey\t(none)\te99d6ad1-64d2612c\t(none)\t(none)\n"
)


def test_rpm_records_use_vendor_then_packager_and_blank_missing_tags():
    records = sf.parse_rpm(RPM_OUTPUT)
    assert [r["identifier"] for r in records] == ["bash", "kesl", "perl-IO", "gpg-pubkey"]
    assert records[1]["publisher"] == "AO Kaspersky Lab"
    assert records[1]["packager"] == ""
    assert records[2]["publisher"] == "Perl Team"
    assert records[2]["version"] == "1:1.55-512.fc41"
    assert records[3]["arch"] == ""
    assert {r["source"] for r in records} == {"rpm"}


def test_rpm_format_asks_for_the_documented_tags():
    for tag in ("%{NAME}", "%{VERSION}-%{RELEASE}", "%{VENDOR}", "%{PACKAGER}", "%{ARCH}"):
        assert tag in sf.RPM_FORMAT


def test_flatpak_list_columns():
    output = (
        "com.tencent.WeChat\tWeChat\t4.0.1.11\tflathub\n"
        "org.mozilla.firefox\tFirefox\t137.0\tflathub\n"
        "org.example.NoVersion\tNo Version\t\tlocal\n"
    )
    records = sf.parse_flatpak_list(output)
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
    assert sf.parse_flatpak_list("Application ID\tName\tVersion\tOrigin\norg.a.B\tB\t1\tflathub\n")[0]["name"] == "B"


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
    records = sf.parse_snapd_snaps(json.dumps(SNAPD_ANSWER).encode())
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
    with pytest.raises(sf.SourceFailed, match="cannot read state"):
        sf.parse_snapd_snaps(json.dumps(answer))


def test_snap_list_text_output():
    output = (
        "Name      Version    Rev    Tracking       Publisher   Notes\n"
        "core22    20240111   1122   latest/stable  canonical*  base\n"
        "wechat    4.0        7      -              -           -\n"
    )
    records = sf.parse_snap_list(output)
    assert [(r["identifier"], r["publisher"], r["channel"]) for r in records] == [
        ("core22", "canonical", "latest/stable"),
        ("wechat", "", ""),
    ]


# --------------------------------------------------------------------------- flatpak deploy files (GVariant)
# A GVariant serializer written from the GVariant serialization specification (framing offsets at the end of
# containers, in reverse for tuples; 8-byte alignment of variants), to build deploy files the way flatpak writes
# them with g_variant_get_data() for the type (ssasta{sv}).


def _gv_offset_size(body_size, count):
    for size in (1, 2, 4, 8):
        if body_size + count * size <= (1 << (8 * size)) - 1 or size == 8:
            return size
    raise AssertionError


def _gv_pad(buffer, alignment):
    buffer.extend(b"\0" * (-len(buffer) % alignment))


def _gv_string(value):
    return value.encode() + b"\0"


def _gv_variant(kind, value):
    return (_gv_string(value) if kind == "s" else struct.pack("<i", value)) + b"\0" + kind.encode()


def _gv_entry(key, kind, value):
    body = bytearray(_gv_string(key))
    key_end = len(body)
    _gv_pad(body, 8)
    body.extend(_gv_variant(kind, value))
    size = _gv_offset_size(len(body), 1)
    return bytes(body) + key_end.to_bytes(size, "little")


def _gv_array(elements, alignment):
    body, ends = bytearray(), []
    for element in elements:
        _gv_pad(body, alignment)
        body.extend(element)
        ends.append(len(body))
    if not elements:
        return b""
    size = _gv_offset_size(len(body), len(ends))
    return bytes(body) + b"".join(end.to_bytes(size, "little") for end in ends)


def build_deploy(origin, commit, subpaths, metadata):
    body = bytearray(_gv_string(origin))
    ends = [len(body)]
    body.extend(_gv_string(commit))
    ends.append(len(body))
    body.extend(_gv_array([_gv_string(path) for path in subpaths], 1))
    ends.append(len(body))
    _gv_pad(body, 8)
    body.extend(struct.pack(">Q", 123456))  # installed size, stored big-endian by flatpak
    _gv_pad(body, 8)
    body.extend(_gv_array([_gv_entry(key, kind, value) for key, kind, value in metadata], 8))
    size = _gv_offset_size(len(body), 3)
    return bytes(body) + b"".join(end.to_bytes(size, "little") for end in reversed(ends))


COMMIT = "c84b98e041e58749e824ae83bb2de6da268f0a0ca19f299329a6943de768cb67"
DEPLOY_METADATA = [
    ("deploy-version", "i", 4),
    ("runtime", "s", "runtime/org.freedesktop.Platform/x86_64/24.08"),
    ("appdata-name", "s", "WeChat"),
    ("appdata-name@zh_CN", "s", "微信"),
    ("appdata-summary", "s", "Messaging and calling"),
    ("appdata-version", "s", "4.0.1.11"),
    ("appdata-license", "s", "LicenseRef-proprietary"),
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
    parsed = sf.parse_flatpak_deploy(build_deploy("flathub", COMMIT, subpaths, metadata))
    assert parsed["origin"] == "flathub"
    assert parsed["commit"] == COMMIT
    assert parsed["metadata"]["appdata-name"] == "WeChat"
    assert parsed["metadata"]["appdata-name@zh_CN"] == "微信"
    assert parsed["metadata"]["appdata-version"] == "4.0.1.11"
    assert "deploy-version" not in parsed["metadata"]  # not a string


def test_deploy_file_without_metadata_and_with_empty_origin():
    parsed = sf.parse_flatpak_deploy(build_deploy("", COMMIT, [], []))
    assert parsed == {"origin": "", "commit": COMMIT, "metadata": {}}


@pytest.mark.parametrize("data", [b"", b"\x05", b"flathub\0" + b"\xff" * 40, b"\x00" * 7 + b"\x09\x09\x09"])
def test_corrupt_deploy_file_is_refused(data):
    with pytest.raises(sf.GVariantError):
        sf.parse_flatpak_deploy(data)


def make_flatpak_app(installation, app_id, deploy_bytes, arch="x86_64", branch="stable"):
    commit_dir = os.path.join(installation, "app", app_id, arch, branch, COMMIT)
    os.makedirs(commit_dir)
    with open(os.path.join(commit_dir, "deploy"), "wb") as handle:
        handle.write(deploy_bytes)
    os.symlink(COMMIT, os.path.join(installation, "app", app_id, arch, branch, "active"))
    os.symlink(os.path.join(arch, branch), os.path.join(installation, "app", app_id, "current"))


def test_user_installation_is_read_from_files(tmp_path):
    installation = str(tmp_path / "flatpak")
    make_flatpak_app(installation, "com.tencent.WeChat", build_deploy("flathub", COMMIT, [], DEPLOY_METADATA))
    make_flatpak_app(installation, "org.example.Broken", b"\x01\x02")
    os.makedirs(os.path.join(installation, "app", "org.example.Removed"))  # no current deployment
    warnings = []
    records = sf.read_flatpak_installation(installation, "user", "alice", warnings)
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
    assert len(warnings) == 1 and "org.example.Broken" in warnings[0]


# --------------------------------------------------------------------------- macOS code signatures


def build_code_directory(identifier, team):
    version = 0x20400 if team is not None else 0x20100
    header_size = 88 if version >= 0x20400 else 48
    strings = _gv_string(identifier)
    team_offset = 0
    if team:
        team_offset = header_size + len(strings)
        strings += _gv_string(team)
    body = struct.pack(
        ">IIIIIIIIIBBBBI",
        0xFADE0C02,
        header_size + len(strings),
        version,
        0,  # flags
        header_size + len(strings),  # hashOffset
        header_size,  # identOffset
        0,  # nSpecialSlots
        0,  # nCodeSlots
        4096,  # codeLimit
        32,  # hashSize
        2,  # hashType SHA-256
        0,  # platform
        12,  # pageSize 4096
        0,  # spare2
    )
    body += struct.pack(">I", 0)  # scatterOffset
    if version >= 0x20200:
        body += struct.pack(">I", team_offset)
    body += b"\0" * (header_size - len(body)) + strings
    return body


def build_signature(identifier, team):
    requirements = struct.pack(">III", 0xFADE0C01, 12, 0)
    directory = build_code_directory(identifier, team)
    index_end = 12 + 2 * 8
    header = struct.pack(">III", 0xFADE0CC0, index_end + len(requirements) + len(directory), 2)
    index = struct.pack(">II", 2, index_end) + struct.pack(">II", 0, index_end + len(requirements))
    return header + index + requirements + directory


def build_macho(identifier, team):
    """A 64-bit Mach-O executable: an LC_UUID command, then LC_CODE_SIGNATURE pointing at the signature."""
    signature = build_signature(identifier, team)
    uuid_command = struct.pack("<II", 0x1B, 24) + b"\x11" * 16
    dataoff = 4096
    signature_command = struct.pack("<IIII", 0x1D, 16, dataoff, len(signature))
    commands = uuid_command + signature_command
    header = struct.pack("<IiiIIIII", 0xFEEDFACF, 0x0100000C, 0, 2, 2, len(commands), 0, 0)
    image = header + commands
    return image + b"\0" * (dataoff - len(image)) + signature


def build_universal(slice_bytes):
    offset = 16384
    header = struct.pack(">II", 0xCAFEBABE, 1) + struct.pack(">iiIII", 0x0100000C, 0, offset, len(slice_bytes), 14)
    return header + b"\0" * (offset - len(header)) + slice_bytes


def test_team_id_is_read_from_the_code_directory(tmp_path):
    thin = tmp_path / "thin"
    thin.write_bytes(build_macho("com.tencent.xinWeChat", "5A4RE8SF68"))
    fat = tmp_path / "fat"
    fat.write_bytes(build_universal(build_macho("com.kaspersky.kav", "2Y8XE5CQ94")))
    adhoc = tmp_path / "adhoc"
    adhoc.write_bytes(build_macho("a.out", ""))
    old = tmp_path / "old"
    old.write_bytes(build_macho("old", None))
    script = tmp_path / "script"
    script.write_bytes(b"#!/bin/sh\necho hi\n")
    assert sf.macho_team_id(str(thin)) == "5A4RE8SF68"
    assert sf.macho_team_id(str(fat)) == "2Y8XE5CQ94"
    assert sf.macho_team_id(str(adhoc)) == ""
    assert sf.macho_team_id(str(old)) == ""
    assert sf.macho_team_id(str(script)) == ""
    assert sf.macho_team_id(str(tmp_path / "missing")) == ""


# --------------------------------------------------------------------------- the module, run through Ansible


def run_module(args=None, check=False):
    """Run interdict.bans.software_facts on localhost with the `ansible` command; return (rc, result)."""
    env = dict(os.environ)
    env.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join(
                [os.path.join(REPO, ".collections"), *[p for p in sys.path if p.endswith("site-packages")]]
            ),
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
            "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
            "ANSIBLE_PYTHON_INTERPRETER": "auto_silent",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        }
    )
    argv = [ANSIBLE, "localhost", "-m", "interdict.bans.software_facts"]
    if args:
        argv += ["-a", json.dumps(args)]
    if check:
        argv.append("--check")
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False)
    try:
        document = json.loads(done.stdout)
    except ValueError:
        pytest.fail("ansible printed no JSON (rc %s): %s %s" % (done.returncode, done.stdout, done.stderr))
    return done.returncode, document["plays"][0]["tasks"][0]["hosts"]["localhost"]


@pytest.mark.skipif(not shutil.which("dpkg-query"), reason="needs a Debian-family machine (dpkg-query)")
@pytest.mark.parametrize("check", [False, True])
def test_live_inventory_of_this_machine(check):
    rc, result = run_module(check=check)
    assert rc == 0, result
    assert result["changed"] is False
    facts = result["ansible_facts"]
    sources = facts["interdict_sources"]
    assert sources["platform"] == "linux"
    assert sources["read"]["dpkg"] > 50
    assert sources["complete"] is True
    assert {"app_bundle", "pkgutil"} <= set(sources["absent"])
    by_name = {(r["source"], r["identifier"]): r for r in facts["interdict_software"]}
    dpkg = by_name[("dpkg", "dpkg")]
    installed = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}\t${Maintainer}", "dpkg"], capture_output=True, text=True, check=True
    ).stdout.split("\t")
    assert dpkg["version"] == installed[0]
    assert dpkg["maintainer"] == installed[1]
    assert dpkg["platform"] == "linux" and dpkg["state"] == "installed" and dpkg["name"] == "dpkg"
    assert ("dpkg", "python3") in by_name
    assert sources["read"]["dpkg"] == sum(1 for r in facts["interdict_software"] if r["source"] == "dpkg")
    assert set(facts["interdict_blocks"]) == {"apt_pin", "dnf_exclude", "flatpak_mask"}
    for pin in facts["interdict_blocks"]["apt_pin"]:
        assert os.path.basename(pin["path"]).startswith("interdict-")


DPKG_STATUS = """\
Package: dpkg
Status: install ok installed
Maintainer: Dpkg Developers <debian-dpkg@lists.debian.org>
Architecture: amd64
Version: 1.21.23
Description: Debian package management system

Package: kesl
Status: install ok installed
Maintainer: AO Kaspersky Lab <support@kaspersky.com>
Architecture: amd64
Version: 12.1.0.1297
Description: Kaspersky Endpoint Security for Linux

Package: klnagent64
Status: deinstall ok config-files
Maintainer: AO Kaspersky Lab <support@kaspersky.com>
Architecture: amd64
Version: 15.0.0.12912
Description: Kaspersky Security Center Network Agent
"""


def write(path, content, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as handle:
        handle.write(content)


@pytest.fixture
def linux_image(tmp_path):
    root = tmp_path / "image"
    write(str(root / "var/lib/dpkg/status"), DPKG_STATUS)
    os.makedirs(root / "var/lib/dpkg/updates")
    os.makedirs(root / "var/lib/dpkg/info")
    write(str(root / "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/bash\n")
    pin = "Package: kesl klnagent64\nPin: version *\nPin-Priority: -1\n"
    write(str(root / "etc/apt/preferences.d/interdict-kaspersky.pref"), pin)
    write(str(root / "etc/apt/preferences.d/nodejs"), "Package: *\nPin: origin deb.nodesource.com\n")
    write(str(root / "etc/dnf/dnf.conf"), "[main]\ngpgcheck=1\nexcludepkgs=kesl, klnagent64 wechat*\n")
    write(str(root / "var/lib/flatpak/repo/config"), "[core]\nrepo_version=1\nxa.masked=com.tencent.WeChat;\n")
    make_flatpak_app(str(root / "var/lib/flatpak"), "org.mozilla.firefox", build_deploy("flathub", COMMIT, [], []))
    bob = str(root / "home/bob/.local/share/flatpak")
    make_flatpak_app(bob, "com.tencent.WeChat", build_deploy("flathub", COMMIT, [], DEPLOY_METADATA))
    write(bob + "/repo/config", "[core]\nrepo_version=1\nxa.masked=com.zhiliaoapp.musically;org.example.*;\n")
    return root


@pytest.mark.skipif(not shutil.which("dpkg-query"), reason="reading a dpkg database needs dpkg-query")
def test_offline_linux_image(linux_image):
    rc, result = run_module({"root": str(linux_image)})
    assert rc == 0, result
    facts = result["ansible_facts"]
    software = {(r["source"], r["identifier"]): r for r in facts["interdict_software"]}
    assert set(software) == {
        ("dpkg", "dpkg"),
        ("dpkg", "kesl"),
        ("flatpak", "org.mozilla.firefox"),
        ("flatpak", "com.tencent.WeChat"),
    }
    assert software[("dpkg", "kesl")]["publisher"] == "AO Kaspersky Lab"
    wechat = software[("flatpak", "com.tencent.WeChat")]
    assert (wechat["scope"], wechat["user"], wechat["name"], wechat["version"]) == ("user", "bob", "WeChat", "4.0.1.11")
    assert software[("flatpak", "org.mozilla.firefox")]["scope"] == "system"
    blocks = facts["interdict_blocks"]
    assert blocks["apt_pin"] == [
        {
            "path": "/etc/apt/preferences.d/interdict-kaspersky.pref",
            "content": "Package: kesl klnagent64\nPin: version *\nPin-Priority: -1\n",
        }
    ]
    assert blocks["dnf_exclude"] == [{"path": "/etc/dnf/dnf.conf", "patterns": ["kesl", "klnagent64", "wechat*"]}]
    assert blocks["flatpak_mask"] == [
        {"scope": "system", "user": "", "path": "/var/lib/flatpak/repo/config", "patterns": ["com.tencent.WeChat"]},
        {
            "scope": "user",
            "user": "bob",
            "path": "/home/bob/.local/share/flatpak/repo/config",
            "patterns": ["com.zhiliaoapp.musically", "org.example.*"],
        },
    ]
    assert facts["interdict_sources"]["read"] == {"dpkg": 2, "flatpak": 2}
    assert facts["interdict_sources"]["complete"] is True


def test_snaps_that_cannot_be_read_make_the_inventory_incomplete(linux_image):
    write(str(linux_image / "var/lib/snapd/snaps/tiktok-desktop_42.snap"), "hsqs")
    rc, result = run_module({"root": str(linux_image), "sources": ["flatpak", "snap"]})
    assert rc == 0, result
    sources = result["ansible_facts"]["interdict_sources"]
    assert sources["read"] == {"flatpak": 2}
    assert sources["complete"] is False
    assert [item["source"] for item in sources["failed"]] == ["snap"]


def test_a_present_database_without_its_tool_is_a_failure_not_an_absence(tmp_path):
    root = tmp_path / "image"
    os.makedirs(root / "var/lib/rpm")
    write(str(root / "var/lib/rpm/rpmdb.sqlite"), "")
    make_flatpak_app(str(root / "var/lib/flatpak"), "org.a.B", build_deploy("x", COMMIT, [], []))
    if shutil.which("rpm"):
        pytest.skip("rpm is installed here; this case needs a machine without it")
    rc, result = run_module({"root": str(root), "sources": ["rpm", "flatpak"]})
    sources = result["ansible_facts"]["interdict_sources"]
    assert rc == 0
    assert sources["failed"] == [{"source": "rpm", "msg": "an rpm database is present but rpm is not installed"}]
    assert sources["complete"] is False


def test_nothing_readable_fails_with_one_clear_message(tmp_path):
    rc, result = run_module({"root": str(tmp_path)})
    assert rc != 0
    assert result["failed"] is True
    assert result["msg"].startswith("no software source could be read under %s" % tmp_path)
    assert "dpkg" in result["msg"]


def test_root_must_be_a_directory(tmp_path):
    rc, result = run_module({"root": str(tmp_path / "nope")})
    assert rc != 0 and result["msg"] == "root: %s is not a directory" % (tmp_path / "nope")


def test_unknown_source_is_refused():
    rc, result = run_module({"sources": ["apk"]})
    assert rc != 0 and "apk" in result["msg"]


@pytest.fixture
def macos_disk(tmp_path):
    root = tmp_path / "Macintosh HD"
    version = {"ProductName": "macOS", "ProductVersion": "14.6.1", "ProductBuildVersion": "23G93"}
    write(str(root / "System/Library/CoreServices/SystemVersion.plist"), plistlib.dumps(version), "wb")

    def bundle(folder, name, info, executable=None, fmt=plistlib.FMT_XML):
        contents = os.path.join(folder, name + ".app", "Contents")
        write(os.path.join(contents, "Info.plist"), plistlib.dumps(info, fmt=fmt), "wb")
        if executable is not None:
            write(os.path.join(contents, "MacOS", info["CFBundleExecutable"]), executable, "wb")

    applications = str(root / "Applications")
    bundle(
        applications,
        "WeChat",
        {
            "CFBundleIdentifier": "com.tencent.xinWeChat",
            "CFBundleName": "WeChat",
            "CFBundleDisplayName": "微信",
            "CFBundleShortVersionString": "4.0.6",
            "CFBundleVersion": "32288",
            "CFBundleExecutable": "WeChat",
        },
        build_universal(build_macho("com.tencent.xinWeChat", "5A4RE8SF68")),
    )
    bundle(
        os.path.join(applications, "Kaspersky Lab"),
        "Kaspersky Endpoint Security for Mac",
        {
            "CFBundleIdentifier": "com.kaspersky.kes",
            "CFBundleName": "Kaspersky Endpoint Security for Mac",
            "CFBundleShortVersionString": "12.1.0",
            "CFBundleExecutable": "kes",
        },
        build_macho("com.kaspersky.kes", "2Y8XE5CQ94"),
        fmt=plistlib.FMT_BINARY,
    )
    bundle(applications, "Utilities/Terminal", {"CFBundleIdentifier": "com.apple.Terminal", "CFBundleVersion": "455"})
    bundle(applications, "Unsigned Tool", {"CFBundleExecutable": "tool"}, b"#!/bin/sh\n")
    write(applications + "/Broken.app/Contents/Info.plist", "<plist><dict><key>oops")
    # An app inside an app is part of its parent, not separately installed.
    bundle(applications + "/WeChat.app/Contents/Helpers", "WeChatHelper", {"CFBundleIdentifier": "com.tencent.h"})
    bundle(str(root / "Users/alice/Applications"), "TikTok", {"CFBundleIdentifier": "com.zhiliaoapp.TikTok"})
    receipt = {
        "PackageIdentifier": "com.kaspersky.kes.pkg",
        "PackageVersion": "12.1.0.1297",
        "InstallPrefixPath": "/",
        "InstallProcessName": "installer",
    }
    write(
        str(root / "var/db/receipts/com.kaspersky.kes.pkg.plist"),
        plistlib.dumps(receipt, fmt=plistlib.FMT_BINARY),
        "wb",
    )
    write(str(root / "var/db/receipts/com.kaspersky.kes.pkg.bom"), b"BOMStore", "wb")
    return root


def test_offline_macos_disk(macos_disk):
    rc, result = run_module({"root": str(macos_disk)})
    assert rc == 0, result
    facts = result["ansible_facts"]
    sources = facts["interdict_sources"]
    assert sources["platform"] == "macos"
    assert sources["read"] == {"app_bundle": 6, "pkgutil": 1}
    assert sources["complete"] is True
    bundles = {r["path"]: r for r in facts["interdict_software"] if r["source"] == "app_bundle"}
    assert bundles["/Applications/WeChat.app"] == {
        "name": "微信",
        "version": "4.0.6",
        "publisher": "",
        "platform": "macos",
        "source": "app_bundle",
        "identifier": "com.tencent.xinWeChat",
        "path": "/Applications/WeChat.app",
        "signer": "5A4RE8SF68",
    }
    kes = bundles["/Applications/Kaspersky Lab/Kaspersky Endpoint Security for Mac.app"]
    assert (kes["identifier"], kes["signer"], kes["version"]) == ("com.kaspersky.kes", "2Y8XE5CQ94", "12.1.0")
    terminal = bundles["/Applications/Utilities/Terminal.app"]
    assert (terminal["name"], terminal["version"], "signer" in terminal) == ("Terminal", "455", False)
    assert bundles["/Applications/Unsigned Tool.app"]["identifier"] == ""
    assert bundles["/Applications/Broken.app"]["name"] == "Broken"
    tiktok = bundles["/Users/alice/Applications/TikTok.app"]
    assert (tiktok["identifier"], tiktok["user"]) == ("com.zhiliaoapp.TikTok", "alice")
    assert not any("Helper" in path for path in bundles)
    assert any("Broken.app" in warning for warning in result.get("warnings", []))
    receipts = [r for r in facts["interdict_software"] if r["source"] == "pkgutil"]
    assert receipts == [
        {
            "name": "com.kaspersky.kes.pkg",
            "version": "12.1.0.1297",
            "publisher": "",
            "platform": "macos",
            "source": "pkgutil",
            "identifier": "com.kaspersky.kes.pkg",
            "install_location": "/",
        }
    ]


def test_a_corrupt_receipt_fails_the_pkgutil_source(macos_disk):
    write(str(macos_disk / "var/db/receipts/com.bad.plist"), "not a plist")
    rc, result = run_module({"root": str(macos_disk), "sources": ["app_bundle", "pkgutil"]})
    assert rc == 0
    sources = result["ansible_facts"]["interdict_sources"]
    assert sources["read"] == {"app_bundle": 6}
    assert sources["failed"][0]["source"] == "pkgutil" and "com.bad.plist" in sources["failed"][0]["msg"]


def test_every_one_of_many_packages_gives_one_record():
    # Speed is measured by tests/bench/bench_software_facts.py; this checks nothing is lost or merged at scale.
    line = fixture("dpkg-query.txt").splitlines()[0]
    many = "\n".join(line.replace("\t", "%d\t" % i, 1) for i in range(20000))
    records = sf.parse_dpkg(many)
    assert len(records) == 20000
    assert len({r["identifier"] for r in records}) == 20000
