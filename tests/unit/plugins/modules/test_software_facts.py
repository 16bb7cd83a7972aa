# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""interdict.bans.software_facts run for real through Ansible: argument handling, the gather loop, the evidence.

The module is run with the `ansible` command: on this machine (live dpkg), and with `root` on offline trees
laid out like a Linux image and a macOS disk, which is how it reads a chroot or a mounted image. The parsers
and readers themselves are tested in tests/unit/plugins/module_utils/test_facts_{linux,macos}.py and
test_block_files.py.
"""

from __future__ import annotations

import glob
import json
import os
import plistlib
import shutil
import subprocess
import sys

import pytest

from tests.unit.plugins.modules.fixtures.posix_builders import (
    COMMIT,
    DEPLOY_METADATA,
    build_deploy,
    build_macho,
    build_universal,
    make_flatpak_app,
    write,
)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")
ALL_SOURCES = ["dpkg", "rpm", "flatpak", "snap", "app_bundle", "pkgutil", "blocks"]


def states(facts):
    """{source: (state, records)} from interdict_sources, checking its shape on the way."""
    evidence = facts["interdict_sources"]
    assert set(evidence) == {"platform", "sources"}
    for item in evidence["sources"]:
        assert set(item) == {"source", "state", "records", "reason"}
        assert (item["reason"] != "") == (item["state"] in ("partial", "failed")), item
    return {item["source"]: (item["state"], item["records"]) for item in evidence["sources"]}


def reasons(facts):
    return {item["source"]: item["reason"] for item in facts["interdict_sources"]["sources"] if item["reason"]}


def run_module(args=None, check=False, python="auto_silent"):
    """Run interdict.bans.software_facts on localhost with the `ansible` command; return (rc, result)."""
    env = dict(os.environ)
    env.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join(
                [os.path.join(REPO, ".collections"), *[p for p in sys.path if p.endswith("site-packages")]]
            ),
            "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
            "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
            "ANSIBLE_PYTHON_INTERPRETER": python,
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
    assert facts["interdict_sources"]["platform"] == "linux"
    sources = states(facts)
    assert list(sources) == ALL_SOURCES
    assert sources["dpkg"][0] == "read" and sources["dpkg"][1] > 50
    assert sources["app_bundle"] == sources["pkgutil"] == ("absent", 0)
    assert sources["blocks"][0] == "read"
    by_name = {(r["source"], r["identifier"]): r for r in facts["interdict_software"]}
    dpkg = by_name[("dpkg", "dpkg")]
    installed = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}\t${Maintainer}", "dpkg"], capture_output=True, text=True, check=True
    ).stdout.split("\t")
    assert dpkg["version"] == installed[0]
    assert dpkg["maintainer"] == installed[1]
    assert dpkg["platform"] == "linux" and dpkg["state"] == "installed" and dpkg["name"] == "dpkg"
    assert ("dpkg", "python3") in by_name
    assert sources["dpkg"][1] == sum(1 for r in facts["interdict_software"] if r["source"] == "dpkg")
    assert set(facts["interdict_blocks"]) == {
        "apt_pin",
        "dnf_exclude",
        "flatpak_mask",
        "flatpak_filter",
        "flatpak_remote",
    }
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
            "ban": "",  # written by hand, not by this collection
            "packages": ["kesl", "klnagent64"],
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
    assert states(facts) == {
        "dpkg": ("read", 2),
        "rpm": ("absent", 0),
        "flatpak": ("read", 2),
        "snap": ("absent", 0),
        "app_bundle": ("absent", 0),
        "pkgutil": ("absent", 0),
        "blocks": ("read", 4),
    }


def test_snaps_that_cannot_be_read_make_the_inventory_incomplete(linux_image):
    write(str(linux_image / "var/lib/snapd/snaps/tiktok-desktop_42.snap"), "hsqs")
    rc, result = run_module({"root": str(linux_image), "sources": ["flatpak", "snap"]})
    assert rc == 0, result
    facts = result["ansible_facts"]
    assert states(facts) == {"flatpak": ("read", 2), "snap": ("failed", 0), "blocks": ("read", 4)}
    assert reasons(facts) == {"snap": "snaps are installed but snapd is not running (or the image is offline)"}


def test_a_present_database_without_its_tool_is_a_failure_not_an_absence(tmp_path):
    root = tmp_path / "image"
    os.makedirs(root / "var/lib/rpm")
    write(str(root / "var/lib/rpm/rpmdb.sqlite"), "")
    make_flatpak_app(str(root / "var/lib/flatpak"), "org.a.B", build_deploy("x", COMMIT, [], []))
    if shutil.which("rpm"):
        pytest.skip("rpm is installed here; this case needs a machine without it")
    rc, result = run_module({"root": str(root), "sources": ["rpm", "flatpak"]})
    assert rc == 0
    assert states(result["ansible_facts"]) == {"rpm": ("failed", 0), "flatpak": ("read", 1), "blocks": ("read", 0)}
    assert reasons(result["ansible_facts"]) == {"rpm": "an rpm database is present but rpm is not installed"}


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
    assert facts["interdict_sources"]["platform"] == "macos"
    sources = states(facts)
    # Broken.app's Info.plist cannot be read: the bundle is still listed, and the source is partial.
    assert (sources["app_bundle"], sources["pkgutil"]) == (("partial", 6), ("read", 1))
    assert [name for name, (state, _count) in sources.items() if state == "read"] == ["pkgutil", "blocks"]
    assert reasons(facts)["app_bundle"].startswith("app bundle /Applications/Broken.app: unreadable Info.plist: ")
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
    assert not result.get("warnings")
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


def test_a_corrupt_receipt_makes_pkgutil_partial(macos_disk):
    write(str(macos_disk / "var/db/receipts/com.bad.plist"), "not a plist")
    rc, result = run_module({"root": str(macos_disk), "sources": ["app_bundle", "pkgutil"]})
    assert rc == 0
    facts = result["ansible_facts"]
    assert states(facts)["pkgutil"] == ("partial", 1)
    assert reasons(facts)["pkgutil"].startswith("unreadable receipt /var/db/receipts/com.bad.plist: ")
    assert [r["identifier"] for r in facts["interdict_software"] if r["source"] == "pkgutil"] == [
        "com.kaspersky.kes.pkg"
    ]


def test_a_broken_user_flatpak_makes_the_source_partial_not_silent(linux_image):
    deploy = linux_image / "home/bob/.local/share/flatpak/app/com.tencent.WeChat/current/active/deploy"
    deploy.write_bytes(b"\x01\x02")
    rc, result = run_module({"root": str(linux_image), "sources": ["flatpak"]})
    assert rc == 0, result
    facts = result["ansible_facts"]
    assert states(facts) == {"flatpak": ("partial", 2), "blocks": ("read", 4)}
    shown = "/home/bob/.local/share/flatpak/app/com.tencent.WeChat/current/active/deploy"
    assert reasons(facts) == {"flatpak": "flatpak user bob %s: truncated framing offset" % shown}
    assert ("flatpak", "com.tencent.WeChat") in {(r["source"], r["identifier"]) for r in facts["interdict_software"]}


def test_an_unparsable_block_file_makes_the_blocks_source_partial(linux_image):
    write(str(linux_image / "etc/dnf/dnf.conf"), "excludepkgs=kesl\n")  # no section: dnf would refuse it too
    rc, result = run_module({"root": str(linux_image), "sources": ["flatpak"]})
    assert rc == 0, result
    facts = result["ansible_facts"]
    assert states(facts)["blocks"] == ("partial", 3)
    assert reasons(facts)["blocks"].startswith("/etc/dnf/dnf.conf: File contains no section headers")


def test_block_files_none_of_which_can_be_read_fail_the_blocks_source(tmp_path):
    root = tmp_path / "image"
    make_flatpak_app(str(root / "var/lib/flatpak"), "org.a.B", build_deploy("x", COMMIT, [], []))
    write(str(root / "etc/dnf/dnf.conf"), "excludepkgs=kesl\n")
    rc, result = run_module({"root": str(root), "sources": ["flatpak"]})
    assert rc == 0, result
    assert states(result["ansible_facts"]) == {"flatpak": ("read", 1), "blocks": ("failed", 0)}


# The oldest Python a target may have; module_utils must run there.
PYTHON38_CANDIDATES = [
    *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.8*/bin/python3.8"))),
    "/usr/bin/python3.8",
]
PYTHON38 = next((path for path in PYTHON38_CANDIDATES if os.access(path, os.X_OK)), None)


@pytest.mark.skipif(PYTHON38 is None, reason="needs a Python 3.8 to run the module with")
def test_the_module_runs_on_the_oldest_target_python(macos_disk):
    rc, result = run_module({"root": str(macos_disk)}, python=PYTHON38)
    assert rc == 0, result
    assert states(result["ansible_facts"])["pkgutil"] == ("read", 1)
