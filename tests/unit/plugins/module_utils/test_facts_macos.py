# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils.facts_macos: team ids from real Mach-O layouts, bundles and receipts from real plists.

Executables and signatures are built from Apple's published structures (mach-o/loader.h, the code
signing super blob and code directory) by tests/unit/plugins/modules/fixtures/posix_builders.py.
"""

from __future__ import annotations

import os
import plistlib

from ansible_collections.interdict.bans.plugins.module_utils import facts_macos as fm
from ansible_collections.interdict.bans.plugins.module_utils.facts_posix import PosixHost
from tests.unit.plugins.modules.fixtures.posix_builders import build_macho, build_universal, write


class NoTools:
    def get_bin_path(self, name):
        return None

    def run_command(self, *args, **kwargs):
        raise AssertionError("macOS sources run no process")


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
    assert fm.macho_team_id(str(thin)) == "5A4RE8SF68"
    assert fm.macho_team_id(str(fat)) == "2Y8XE5CQ94"
    assert fm.macho_team_id(str(adhoc)) == ""
    assert fm.macho_team_id(str(old)) == ""
    assert fm.macho_team_id(str(script)) == ""
    assert fm.macho_team_id(str(tmp_path / "missing")) == ""


def test_a_universal_header_pointing_past_the_file_has_no_team_id(tmp_path):
    broken = tmp_path / "broken"
    broken.write_bytes(b"\xca\xfe\xba\xbf" + b"\0" * 12 + b"\xff" * 8 + b"\0" * 16)
    assert fm.macho_team_id(str(broken)) == ""


def bundle(folder, name, info, executable=None):
    contents = os.path.join(folder, name + ".app", "Contents")
    write(os.path.join(contents, "Info.plist"), plistlib.dumps(info), "wb")
    if executable is not None:
        write(os.path.join(contents, "MacOS", info["CFBundleExecutable"]), executable, "wb")
    return os.path.join(folder, name + ".app")


def test_a_bundle_record_carries_the_signer(tmp_path):
    info = {"CFBundleIdentifier": "com.tencent.xinWeChat", "CFBundleName": "WeChat", "CFBundleExecutable": "WeChat"}
    path = bundle(str(tmp_path), "WeChat", info, build_macho("com.tencent.xinWeChat", "5A4RE8SF68"))
    gaps = []
    record = fm.bundle_record(path, "", gaps, "/Applications/WeChat.app")
    assert record == {
        "name": "WeChat",
        "version": "",
        "publisher": "",
        "platform": "macos",
        "source": "app_bundle",
        "identifier": "com.tencent.xinWeChat",
        "path": "/Applications/WeChat.app",
        "signer": "5A4RE8SF68",
    }
    assert gaps == []


def test_an_unreadable_info_plist_is_a_gap_and_still_a_record(tmp_path):
    write(str(tmp_path / "Broken.app/Contents/Info.plist"), "<plist><dict><key>oops")
    gaps = []
    record = fm.bundle_record(str(tmp_path / "Broken.app"), "alice", gaps, "/Users/alice/Applications/Broken.app")
    assert (record["name"], record["identifier"], record["user"]) == ("Broken", "", "alice")
    assert len(gaps) == 1
    assert gaps[0].startswith("app bundle /Users/alice/Applications/Broken.app: unreadable Info.plist: ")


def test_an_info_plist_that_is_not_a_dictionary_is_a_gap(tmp_path):
    write(str(tmp_path / "Odd.app/Contents/Info.plist"), plistlib.dumps(["a", "list"]), "wb")
    gaps = []
    assert fm.bundle_record(str(tmp_path / "Odd.app"), "", gaps)["name"] == "Odd"
    assert gaps == ["app bundle %s: Info.plist is not a dictionary" % (tmp_path / "Odd.app")]


def test_a_bundle_without_info_plist_is_named_by_its_folder_and_is_no_gap(tmp_path):
    os.makedirs(tmp_path / "Bare.app/Contents")
    gaps = []
    assert fm.bundle_record(str(tmp_path / "Bare.app"), "", gaps)["name"] == "Bare"
    assert gaps == []


def test_an_executable_name_never_leaves_the_bundle(tmp_path):
    secret = tmp_path / "outside"
    secret.write_bytes(build_macho("x", "TEAMOUTSIDE"))
    info = {"CFBundleIdentifier": "x", "CFBundleExecutable": "../../../outside"}
    path = bundle(str(tmp_path), "Sneaky", info)
    assert "signer" not in fm.bundle_record(path, "", [])


def test_an_unreadable_executable_is_a_gap(tmp_path, monkeypatch):
    info = {"CFBundleIdentifier": "com.tencent.xinWeChat", "CFBundleExecutable": "WeChat"}
    path = bundle(str(tmp_path), "WeChat", info, build_macho("com.tencent.xinWeChat", "5A4RE8SF68"))
    opened = open

    def refuse(file, *args, **kwargs):
        if str(file).endswith("/MacOS/WeChat"):
            raise PermissionError(13, "Permission denied", str(file))
        return opened(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refuse)
    gaps = []
    record = fm.bundle_record(path, "", gaps, "/Applications/WeChat.app")
    assert "signer" not in record and record["identifier"] == "com.tencent.xinWeChat"
    assert gaps == ["app bundle /Applications/WeChat.app: unreadable executable WeChat: Permission denied"]


def macos_root(tmp_path):
    root = tmp_path / "disk"
    write(str(root / "System/Library/CoreServices/SystemVersion.plist"), plistlib.dumps({"ProductName": "macOS"}), "wb")
    os.makedirs(root / "Applications")
    return root


def test_no_applications_folder_means_absent(tmp_path):
    host = PosixHost(NoTools(), str(tmp_path))
    assert fm.read_app_bundle(host, []) is None
    assert fm.read_pkgutil(host, []) is None


def test_bundles_of_the_system_vendor_folders_and_users(tmp_path):
    root = macos_root(tmp_path)
    bundle(str(root / "Applications"), "WeChat", {"CFBundleIdentifier": "com.tencent.xinWeChat"})
    bundle(str(root / "Applications/Kaspersky Lab"), "KES", {"CFBundleIdentifier": "com.kaspersky.kes"})
    bundle(str(root / "Users/alice/Applications"), "TikTok", {"CFBundleIdentifier": "com.zhiliaoapp.TikTok"})
    host = PosixHost(NoTools(), str(root))
    gaps = []
    records = fm.read_app_bundle(host, gaps)
    assert [(r["path"], r.get("user", "")) for r in records] == [
        ("/Applications/Kaspersky Lab/KES.app", ""),
        ("/Applications/WeChat.app", ""),
        ("/Users/alice/Applications/TikTok.app", "alice"),
    ]
    assert gaps == []


def test_an_unlistable_users_applications_folder_is_a_gap(tmp_path, monkeypatch):
    root = macos_root(tmp_path)
    bundle(str(root / "Applications"), "WeChat", {"CFBundleIdentifier": "com.tencent.xinWeChat"})
    bundle(str(root / "Users/alice/Applications"), "TikTok", {"CFBundleIdentifier": "com.zhiliaoapp.TikTok"})
    scandir = os.scandir

    def refuse(path):
        if str(path).endswith("alice/Applications"):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(fm.os, "scandir", refuse)
    gaps = []
    records = fm.read_app_bundle(PosixHost(NoTools(), str(root)), gaps)
    assert [r["identifier"] for r in records] == ["com.tencent.xinWeChat"]
    assert gaps == ["/Users/alice/Applications: Permission denied"]


def test_a_corrupt_receipt_is_a_gap_and_the_others_are_read(tmp_path):
    root = macos_root(tmp_path)
    receipt = {"PackageIdentifier": "com.kaspersky.kes.pkg", "PackageVersion": "12.1.0.1297", "InstallPrefixPath": "/"}
    write(
        str(root / "var/db/receipts/com.kaspersky.kes.pkg.plist"),
        plistlib.dumps(receipt, fmt=plistlib.FMT_BINARY),
        "wb",
    )
    write(str(root / "var/db/receipts/com.bad.plist"), "not a plist")
    write(str(root / "var/db/receipts/com.list.plist"), plistlib.dumps(["x"]), "wb")
    gaps = []
    records = fm.read_pkgutil(PosixHost(NoTools(), str(root)), gaps)
    assert records == [
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
    assert [gap.split(":")[0] for gap in gaps] == [
        "unreadable receipt /var/db/receipts/com.bad.plist",
        "unreadable receipt /var/db/receipts/com.list.plist",
    ]
