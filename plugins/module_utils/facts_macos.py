# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""macOS software sources: application bundles and pkgutil receipts.

Bundles are read from their ``Info.plist`` and the code directory of their
main executable (the team id, a few bytes, no ``codesign`` process);
receipts from ``/var/db/receipts``. Readers follow the contract in
``facts_posix``. Runs on targets: Python 3.8, standard library only.
"""

from __future__ import annotations

import glob
import os
import plistlib
import struct
from xml.parsers.expat import ExpatError

# plistlib raises ExpatError for broken XML, ValueError (InvalidFileException) for broken binary plists.
PLIST_ERRORS = (ValueError, ExpatError, AttributeError, TypeError, OverflowError)
RECEIPTS = "var/db/receipts"

CS_MAGIC_EMBEDDED_SIGNATURE = 0xFADE0CC0
CS_MAGIC_CODEDIRECTORY = 0xFADE0C02
CS_SLOT_CODEDIRECTORY = 0
CS_SUPPORTS_TEAMID = 0x20200
LC_CODE_SIGNATURE = 0x1D
MH_MAGIC = 0xFEEDFACE
MH_MAGIC_64 = 0xFEEDFACF
FAT_MAGIC = 0xCAFEBABE
FAT_MAGIC_64 = 0xCAFEBABF
SIGNATURE_READ_LIMIT = 1 << 16


# Offsets come from the file: anything beyond this is no real executable.
MAX_OFFSET = 1 << 40


def _read_at(handle, offset, length):
    if not 0 <= offset <= MAX_OFFSET:
        return b""
    handle.seek(offset)
    return handle.read(length)


def macho_team_id(path):
    """Team identifier from the code directory of a Mach-O file (first slice of a universal one), or ''.

    A missing or malformed executable has no team id; one that cannot be read raises OSError.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
            if len(head) < 8:
                return ""
            base = 0
            magic = struct.unpack(">I", head[:4])[0]
            if magic in (FAT_MAGIC, FAT_MAGIC_64):
                if magic == FAT_MAGIC:
                    base = struct.unpack(">I", _read_at(handle, 8 + 8, 4))[0]
                else:
                    base = struct.unpack(">Q", _read_at(handle, 8 + 8, 8))[0]
            header = _read_at(handle, base, 32)
            magic = struct.unpack("<I", header[:4])[0]
            if magic not in (MH_MAGIC, MH_MAGIC_64):
                return ""
            ncmds, sizeofcmds = struct.unpack("<II", header[16:24])
            commands = _read_at(handle, base + (32 if magic == MH_MAGIC_64 else 28), min(sizeofcmds, 1 << 20))
            offset = 0
            for _index in range(ncmds):
                if offset + 8 > len(commands):
                    return ""
                cmd, cmdsize = struct.unpack("<II", commands[offset : offset + 8])
                if cmd == LC_CODE_SIGNATURE:
                    dataoff, datasize = struct.unpack("<II", commands[offset + 8 : offset + 16])
                    blob = _read_at(handle, base + dataoff, min(datasize, SIGNATURE_READ_LIMIT))
                    return _team_id_from_signature(blob)
                if cmdsize < 8:
                    return ""
                offset += cmdsize
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, struct.error):
        return ""
    return ""


def _team_id_from_signature(blob):
    if len(blob) < 12:
        return ""
    magic, _length, count = struct.unpack(">III", blob[:12])
    if magic != CS_MAGIC_EMBEDDED_SIGNATURE:
        return ""
    for index in range(count):
        slot, offset = struct.unpack(">II", blob[12 + 8 * index : 20 + 8 * index])
        if slot != CS_SLOT_CODEDIRECTORY:
            continue
        directory = blob[offset:]
        if len(directory) < 52:
            return ""
        cd_magic, _cd_length, version = struct.unpack(">III", directory[:12])
        if cd_magic != CS_MAGIC_CODEDIRECTORY or version < CS_SUPPORTS_TEAMID:
            return ""
        team_offset = struct.unpack(">I", directory[48:52])[0]
        if not team_offset:
            return ""
        end = directory.find(b"\0", team_offset)
        return directory[team_offset:end].decode("ascii", errors="replace") if end > team_offset else ""
    return ""


def bundle_record(path, user, gaps, shown_path=None):
    """One record for a `.app` bundle, from its Info.plist and main executable's code directory.

    A bundle whose Info.plist or executable cannot be read still gives a record (named by its
    folder), and a gap: matching by identifier or signer could miss it.
    """
    shown_path = shown_path or path
    stem = os.path.basename(path)[: -len(".app")]
    info = {}
    try:
        with open(os.path.join(path, "Contents", "Info.plist"), "rb") as handle:
            info = plistlib.load(handle)
    except FileNotFoundError:
        pass  # no Info.plist: nothing more to read, not a gap
    except (OSError, *PLIST_ERRORS) as exc:
        gaps.append("app bundle %s: unreadable Info.plist: %s" % (shown_path, exc))
    if not isinstance(info, dict):
        gaps.append("app bundle %s: Info.plist is not a dictionary" % shown_path)
        info = {}
    record = {
        "name": str(info.get("CFBundleDisplayName") or info.get("CFBundleName") or stem),
        "version": str(info.get("CFBundleShortVersionString") or info.get("CFBundleVersion") or ""),
        "publisher": "",
        "platform": "macos",
        "source": "app_bundle",
        "identifier": str(info.get("CFBundleIdentifier") or ""),
        "path": shown_path,
    }
    executable = info.get("CFBundleExecutable")
    # The name comes from the bundle: a plain file name only, never a path out of Contents/MacOS.
    if isinstance(executable, str) and executable not in ("", ".", "..") and "/" not in executable:
        try:
            team = macho_team_id(os.path.join(path, "Contents", "MacOS", executable))
        except OSError as exc:
            gaps.append("app bundle %s: unreadable executable %s: %s" % (shown_path, executable, exc.strerror or exc))
            team = ""
        if team:
            record["signer"] = team
    if user:
        record["user"] = user
    return record


def find_app_bundles(folder, gaps, shown=str):
    """`.app` bundles in a folder and its plain subfolders (vendors' folders such as `Kaspersky Lab/`)."""
    bundles = []
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return bundles
    except OSError as exc:
        gaps.append("%s: %s" % (shown(folder), exc.strerror or exc))
        return bundles
    for entry in entries:
        if not entry.is_dir():
            continue
        if entry.name.endswith(".app"):
            bundles.append(entry.path)
            continue
        try:
            bundles.extend(
                sorted(sub.path for sub in os.scandir(entry.path) if sub.name.endswith(".app") and sub.is_dir())
            )
        except OSError as exc:
            gaps.append("%s: %s" % (shown(entry.path), exc.strerror or exc))
    return bundles


def read_receipt(path):
    with open(path, "rb") as handle:
        receipt = plistlib.load(handle)
    if not isinstance(receipt, dict):
        raise ValueError("not a dictionary")
    identifier = str(receipt.get("PackageIdentifier") or os.path.basename(path)[: -len(".plist")])
    return {
        "name": identifier,
        "version": str(receipt.get("PackageVersion") or ""),
        "publisher": "",
        "platform": "macos",
        "source": "pkgutil",
        "identifier": identifier,
        "install_location": str(receipt.get("InstallPrefixPath") or ""),
    }


# --------------------------------------------------------------------------- readers


def read_app_bundle(host, gaps):
    """Bundles in /Applications (and its plain subfolders) and in every user's ~/Applications."""
    applications = host.path("Applications")
    if not os.path.isdir(applications):
        return None
    folders = [("", applications)] + [(user, os.path.join(home, "Applications")) for user, home in host.homes()]
    records = []
    for user, folder in folders:
        for path in find_app_bundles(folder, gaps, host.shown):
            records.append(bundle_record(path, user, gaps, host.shown(path)))
    return records


def read_pkgutil(host, gaps):
    """Every receipt in /var/db/receipts (what `pkgutil --pkgs` lists); an unreadable one is a gap."""
    receipts = host.path(RECEIPTS)
    if not os.path.isdir(receipts):
        return None
    records = []
    for path in sorted(glob.glob(os.path.join(receipts, "*.plist"))):
        try:
            records.append(read_receipt(path))
        except (OSError, *PLIST_ERRORS) as exc:
            gaps.append("unreadable receipt %s: %s" % (host.shown(path), exc))
    return records
