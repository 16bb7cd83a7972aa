#!/usr/bin/python
# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: software_facts
short_description: Inventory installed software on Linux and macOS as normalized records
version_added: 0.1.0
description:
  - Reads every supported package manager and application store on a Linux or macOS host and returns
    the installed software as normalized software records in C(ansible_facts.interdict_software).
  - Also returns the install blocks interdict.bans manages on the host (apt preference files, dnf
    C(excludepkgs), flatpak masks) in C(ansible_facts.interdict_blocks), so an audit needs one remote call.
  - Thin and read-only. It decides nothing; matching against the ban catalog happens on the controller
    with the P(interdict.bans.match#filter) filter.
  - At most one process per package manager (C(dpkg-query), C(rpm), C(flatpak), C(snap) only when the snapd
    socket is missing), never one per package. Per-user flatpaks, macOS bundles and pkgutil receipts are
    read from their files directly.
  - A package manager that is not present is skipped. One that is present but cannot be read is listed in
    C(interdict_sources.failed); the inventory is then incomplete and the controller reports the host as
    V(unknown). The module fails only when no source at all could be read.
author:
  - interdict.bans contributors (@interdict)
options:
  sources:
    description:
      - Which sources to read. By default every source is tried and those not present on the host are skipped.
      - V(dpkg) runs one C(dpkg-query -W); V(rpm) runs one C(rpm -qa); V(flatpak) runs one C(flatpak list --system)
        and reads per-user installations from C(~/.local/share/flatpak); V(snap) asks the snapd REST socket once;
        V(app_bundle) reads C(Info.plist) of C(.app) bundles in C(/Applications) and each user's
        C(~/Applications); V(pkgutil) reads the receipts in C(/var/db/receipts).
    type: list
    elements: str
    choices: [dpkg, rpm, flatpak, snap, app_bundle, pkgutil]
    default: [dpkg, rpm, flatpak, snap, app_bundle, pkgutil]
  root:
    description:
      - Root directory of the system to inventory, for chroots and offline images (a mounted disk or a
        container file system). Package databases, home directories and block files are read under it.
      - With a root other than C(/), system flatpaks are read from their files (no C(flatpak) process) and snaps,
        which need a running snapd, are reported as failed when the image has any.
    type: path
    default: /
notes:
  - C(signer) of a macOS bundle is its code-signing team identifier, read from the code directory of the bundle's
    main executable (a few bytes, no process). It is absent for unsigned and ad-hoc signed bundles. Certificate
    subjects are not read, as that needs C(codesign) per bundle, which is not cheap.
  - Per-user flatpaks are read from C(app/<id>/current/active/deploy) of each user's installation; C(flatpak --user)
    would have to run once per user as that user.
  - See C(docs/software_facts.md) in the collection for what each source reads and what is not collected.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  facts:
    support: full
  platform:
    platforms: [posix]
seealso:
  - plugin: interdict.bans.match
    plugin_type: filter
  - plugin: interdict.bans.catalog
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Inventory installed software
  interdict.bans.software_facts:

- name: Find banned software on the host
  ansible.builtin.set_fact:
    findings: "{{ ansible_facts.interdict_software | interdict.bans.match(query('interdict.bans.catalog')) }}"

- name: Inventory only Debian packages and flatpaks
  interdict.bans.software_facts:
    sources: [dpkg, flatpak]

- name: Inventory an offline image mounted on /mnt/image
  interdict.bans.software_facts:
    root: /mnt/image
"""

RETURN = r"""
ansible_facts:
  description: Facts added to the host.
  returned: always
  type: dict
  contains:
    interdict_software:
      description:
        - Normalized software records, one per installed package, flatpak, snap, app bundle or pkgutil receipt.
        - Every record has C(name), C(version), C(publisher), C(platform), C(source) and C(identifier). dpkg records
          add C(arch), C(state) (the dpkg status, such as V(installed) or V(half-installed)) and C(maintainer);
          rpm records add C(arch) and C(packager); flatpak records add C(scope) (V(system) or V(user)), C(origin)
          and, for user installs, C(user); snap records add C(revision) and C(channel); app bundles add C(path),
          C(user) for per-user bundles and C(signer) (team identifier) when signed; pkgutil receipts add
          C(install_location).
      returned: always
      type: list
      elements: dict
      sample:
        - name: dpkg
          version: 1.21.22
          publisher: Dpkg Developers
          platform: linux
          source: dpkg
          identifier: dpkg
          arch: amd64
          state: installed
          maintainer: Dpkg Developers <debian-dpkg@lists.debian.org>
        - name: WeChat
          version: 4.0.6
          publisher: ""
          platform: macos
          source: app_bundle
          identifier: com.tencent.xinWeChat
          path: /Applications/WeChat.app
          signer: 5A4RE8SF68
    interdict_blocks:
      description:
        - Install blocks managed by interdict.bans that are present on the host, keyed by plan method.
        - V(apt_pin) lists C(/etc/apt/preferences.d/interdict-*.pref) with C(path) and exact C(content).
        - V(dnf_exclude) lists the C(excludepkgs) patterns of the C([main]) section of C(/etc/dnf/dnf.conf),
          with C(path) and C(patterns).
        - V(flatpak_mask) lists the masked patterns of each flatpak installation, with C(scope), C(user),
          C(path) and C(patterns).
      returned: always
      type: dict
      sample:
        apt_pin:
          - path: /etc/apt/preferences.d/interdict-kaspersky.pref
            content: "Package: kesl\nPin: version *\nPin-Priority: -1\n"
        dnf_exclude: []
        flatpak_mask:
          - scope: system
            user: ""
            path: /var/lib/flatpak/repo/config
            patterns: [com.tencent.WeChat]
    interdict_sources:
      description:
        - Which sources were read (with the number of records), which were absent, and which failed with why.
        - C(complete) is V(false) when any source failed; the inventory must then not be taken as complete.
      returned: always
      type: dict
      sample:
        platform: linux
        read: {dpkg: 847, flatpak: 2}
        absent: [rpm, snap, app_bundle, pkgutil]
        failed: []
        complete: true
"""

import configparser
import glob
import http.client
import json
import os
import plistlib
import pwd
import re
import socket
import struct
import sys
from xml.parsers.expat import ExpatError

from ansible.module_utils.basic import AnsibleModule

ALL_SOURCES = ("dpkg", "rpm", "flatpak", "snap", "app_bundle", "pkgutil")

# One field per column, tab-separated, one package per line.
DPKG_FORMAT = "${Package}\t${Architecture}\t${Version}\t${Status}\t${Maintainer}\n"
# dpkg states in which the package's files are (at least partly) on disk.
DPKG_PRESENT_STATES = frozenset(
    ("installed", "half-installed", "unpacked", "half-configured", "triggers-awaited", "triggers-pending")
)
RPM_FORMAT = "%{NAME}\t%{ARCH}\t%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}\t%{VENDOR}\t%{PACKAGER}\n"
RPM_DB_DIRS = ("var/lib/rpm", "usr/lib/sysimage/rpm")
FLATPAK_COLUMNS = "application,name,version,origin"
SNAPD_SOCKET = "run/snapd.socket"

_CONTACT_EMAIL = re.compile(r"\s*<[^>]*>\s*$")


class SourceFailed(Exception):
    """A source is present but could not be read; the inventory is incomplete."""


def _publisher_name(contact):
    """`Dpkg Developers <debian-dpkg@lists.debian.org>` -> `Dpkg Developers`."""
    return _CONTACT_EMAIL.sub("", contact).strip()


def _decode(data):
    return data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data


# --------------------------------------------------------------------------- parsers (pure, linear)


def parse_dpkg(output):
    """Records from `dpkg-query -W -f DPKG_FORMAT` output; packages whose files are gone are left out."""
    records = []
    for line in output.splitlines():
        fields = line.split("\t", 4)
        if len(fields) != 5 or not fields[0]:
            continue
        name, arch, version, status, maintainer = fields
        state = status.rsplit(" ", 1)[-1]
        if state not in DPKG_PRESENT_STATES:
            continue
        records.append(
            {
                "name": name,
                "version": version,
                "publisher": _publisher_name(maintainer),
                "platform": "linux",
                "source": "dpkg",
                "identifier": name,
                "arch": arch,
                "state": state,
                "maintainer": maintainer,
            }
        )
    return records


def parse_rpm(output):
    """Records from `rpm -qa --qf RPM_FORMAT` output; rpm prints `(none)` for a missing tag."""
    records = []
    for line in output.splitlines():
        fields = line.split("\t", 4)
        if len(fields) != 5 or not fields[0]:
            continue
        name, arch, version, vendor, packager = (value if value != "(none)" else "" for value in fields)
        records.append(
            {
                "name": name,
                "version": version,
                "publisher": vendor or _publisher_name(packager),
                "platform": "linux",
                "source": "rpm",
                "identifier": name,
                "arch": arch,
                "packager": packager,
            }
        )
    return records


def parse_flatpak_list(output):
    """Records from `flatpak list --system --app --columns=application,name,version,origin` output."""
    records = []
    for line in output.splitlines():
        fields = line.split("\t")
        if len(fields) != 4 or not fields[0] or fields[0] == "Application ID":
            continue
        app_id, name, version, origin = fields
        records.append(_flatpak_record(app_id, name, version, origin, "system", ""))
    return records


def _flatpak_record(app_id, name, version, origin, scope, user):
    record = {
        "name": name or app_id,
        "version": version,
        "publisher": "",
        "platform": "linux",
        "source": "flatpak",
        "identifier": app_id,
        "scope": scope,
        "origin": origin,
    }
    if user:
        record["user"] = user
    return record


def parse_snapd_snaps(payload):
    """Records from the snapd REST answer to GET /v2/snaps."""
    document = json.loads(payload)
    if document.get("type") == "error" or not isinstance(document.get("result"), list):
        raise SourceFailed("snapd answered: %s" % (document.get("result") or document.get("status")))
    records = []
    for snap in document["result"]:
        publisher = snap.get("publisher") or {}
        records.append(
            {
                "name": snap.get("title") or snap["name"],
                "version": snap.get("version", ""),
                "publisher": publisher.get("display-name") or publisher.get("username") or snap.get("developer", ""),
                "platform": "linux",
                "source": "snap",
                "identifier": snap["name"],
                "revision": str(snap.get("revision", "")),
                "channel": snap.get("tracking-channel") or snap.get("channel", ""),
            }
        )
    return records


def parse_snap_list(output):
    """Records from `snap list --unicode=never` (used only when the snapd socket is missing)."""
    records = []
    for line in output.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 5:
            continue
        name, version, revision, tracking, publisher = fields[:5]
        records.append(
            {
                "name": name,
                "version": version,
                "publisher": "" if publisher == "-" else publisher.rstrip("*✓✪"),
                "platform": "linux",
                "source": "snap",
                "identifier": name,
                "revision": revision,
                "channel": "" if tracking == "-" else tracking,
            }
        )
    return records


# --------------------------------------------------------------------------- flatpak deploy files (GVariant)


class GVariantError(ValueError):
    pass


def _offset_size(length):
    if length <= 0xFF:
        return 1
    if length <= 0xFFFF:
        return 2
    if length <= 0xFFFFFFFF:
        return 4
    return 8


def _read_offset(data, end, size):
    if end - size < 0:
        raise GVariantError("truncated framing offset")
    return int.from_bytes(data[end - size : end], "little")


def _align(offset, alignment):
    return (offset + alignment - 1) & ~(alignment - 1)


def _gvariant_string(data):
    if not data or data[-1:] != b"\0":
        raise GVariantError("string is not NUL-terminated")
    return data[:-1].decode("utf-8", errors="replace")


def _gvariant_string_dict(data):
    """String values of an a{sv} serialization (other value types are skipped)."""
    values = {}
    size = len(data)
    if not size:
        return values
    osz = _offset_size(size)
    table_start = _read_offset(data, size, osz)
    if table_start > size or (size - table_start) % osz:
        raise GVariantError("bad a{sv} framing")
    start = 0
    for index in range((size - table_start) // osz):
        end = int.from_bytes(data[table_start + index * osz : table_start + (index + 1) * osz], "little")
        start = _align(start, 8)
        if end > table_start or start > end:
            raise GVariantError("bad a{sv} element bounds")
        entry = data[start:end]
        start = end
        entry_osz = _offset_size(len(entry))
        key_end = _read_offset(entry, len(entry), entry_osz)
        key = _gvariant_string(entry[:key_end])
        variant = entry[_align(key_end, 8) : len(entry) - entry_osz]
        separator = variant.rfind(b"\0")
        if separator >= 0 and variant[separator + 1 :] == b"s":
            values[key] = _gvariant_string(variant[:separator])
    return values


def parse_flatpak_deploy(data):
    """Origin and string metadata from a flatpak `deploy` file, GVariant type `(ssasta{sv})`."""
    size = len(data)
    osz = _offset_size(size)
    # Framing offsets of the three variable-sized members before the last, stored in reverse at the end.
    origin_end = _read_offset(data, size, osz)
    commit_end = _read_offset(data, size - osz, osz)
    subpaths_end = _read_offset(data, size - 2 * osz, osz)
    metadata_start = _align(subpaths_end, 8) + 8  # the uint64 installed size
    metadata_end = size - 3 * osz
    if not origin_end <= commit_end <= subpaths_end <= metadata_start <= metadata_end:
        raise GVariantError("bad deploy framing")
    metadata = _gvariant_string_dict(data[_align(metadata_start, 8) : metadata_end])
    return {
        "origin": _gvariant_string(data[:origin_end]),
        "commit": _gvariant_string(data[origin_end:commit_end]),
        "metadata": metadata,
    }


def read_flatpak_installation(path, scope, user, warnings):
    """Records for the apps deployed in one flatpak installation directory, read from files."""
    records = []
    apps = os.path.join(path, "app")
    for app_id in sorted(os.listdir(apps)):
        deploy = os.path.join(apps, app_id, "current", "active", "deploy")
        if not os.path.exists(deploy):
            continue  # no current deployment: not installed
        name, version, origin = app_id, "", ""
        try:
            with open(deploy, "rb") as handle:
                data = parse_flatpak_deploy(handle.read())
            name = data["metadata"].get("appdata-name") or app_id
            version = data["metadata"].get("appdata-version", "")
            origin = data["origin"]
        except (OSError, GVariantError) as exc:
            warnings.append("flatpak %s: %s: %s" % (scope, deploy, exc))
        records.append(_flatpak_record(app_id, name, version, origin, scope, user))
    return records


def flatpak_masks(path):
    """Masked patterns of a flatpak installation, from `xa.masked` in its repo config (as `flatpak mask` does)."""
    config = configparser.ConfigParser(interpolation=None, strict=False)
    config.read(path, encoding="utf-8")
    value = config.get("core", "xa.masked", fallback="")
    return [pattern.strip() for pattern in value.split(";") if pattern.strip()]


# --------------------------------------------------------------------------- macOS


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


def _read_at(handle, offset, length):
    handle.seek(offset)
    return handle.read(length)


def macho_team_id(path):
    """Team identifier from the code directory of a Mach-O file (first slice of a universal one), or ''."""
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
    except (OSError, struct.error):
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


def read_app_bundle(path, user, warnings, shown_path=None):
    """One record for a `.app` bundle, from its Info.plist and main executable's code directory."""
    stem = os.path.basename(path)[: -len(".app")]
    info = {}
    try:
        with open(os.path.join(path, "Contents", "Info.plist"), "rb") as handle:
            info = plistlib.load(handle)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, ExpatError) as exc:  # plistlib raises ExpatError for broken XML
        warnings.append("app_bundle %s: unreadable Info.plist: %s" % (path, exc))
    if not isinstance(info, dict):
        info = {}
    record = {
        "name": str(info.get("CFBundleDisplayName") or info.get("CFBundleName") or stem),
        "version": str(info.get("CFBundleShortVersionString") or info.get("CFBundleVersion") or ""),
        "publisher": "",
        "platform": "macos",
        "source": "app_bundle",
        "identifier": str(info.get("CFBundleIdentifier") or ""),
        "path": shown_path or path,
    }
    executable = info.get("CFBundleExecutable")
    if isinstance(executable, str) and executable:
        team = macho_team_id(os.path.join(path, "Contents", "MacOS", executable))
        if team:
            record["signer"] = team
    if user:
        record["user"] = user
    return record


def find_app_bundles(folder):
    """`.app` bundles in a folder and its plain subfolders (vendors' folders such as `Kaspersky Lab/`)."""
    bundles = []
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
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
        except OSError:
            continue
    return bundles


def read_receipt(path):
    with open(path, "rb") as handle:
        receipt = plistlib.load(handle)
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


# --------------------------------------------------------------------------- the host


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


class Inventory:
    """Reads the sources of one host (or of a root directory) into records, blocks and source states."""

    def __init__(self, module, root):
        self.module = module
        self.root = root
        self.live = os.path.realpath(root) == "/"
        self.warnings = []

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def shown(self, path):
        """A path as the inventoried system sees it, so plans and reports compare equal with or without a root."""
        return path if self.live else "/" + os.path.relpath(path, self.root)

    def platform(self):
        if self.live:
            return "macos" if sys.platform == "darwin" else "linux"
        if os.path.exists(self.path("System/Library/CoreServices/SystemVersion.plist")):
            return "macos"
        return "linux"

    def run(self, argv):
        rc, out, err = self.module.run_command(
            # No `${...}` expansion: the dpkg-query format is made of `${Field}` placeholders.
            argv,
            encoding=None,
            environ_update={"LC_ALL": "C.UTF-8"},
            expand_user_and_vars=False,
        )
        if rc != 0:
            raise SourceFailed("%s exited %s: %s" % (argv[0], rc, _decode(err).strip()[:500]))
        return _decode(out)

    def homes(self):
        """(user, home) pairs: passwd entries, plus /home/* and /Users/* folders not in passwd (directory users)."""
        seen = {}
        if self.live:
            entries = [(entry.pw_name, entry.pw_dir) for entry in pwd.getpwall()]
        else:
            entries = []
            try:
                with open(self.path("etc/passwd"), encoding="utf-8", errors="replace") as handle:
                    for line in handle:
                        fields = line.rstrip("\n").split(":")
                        if len(fields) >= 6:
                            entries.append((fields[0], os.path.normpath(self.path(fields[5].lstrip("/")))))
            except OSError:
                pass
        for top in ("home", "Users"):
            try:
                entries.extend((entry.name, entry.path) for entry in os.scandir(self.path(top)) if entry.is_dir())
            except OSError:
                continue
        for user, home in entries:
            if home and os.path.normpath(home) not in ("/", os.path.normpath(self.root)) and home not in seen:
                seen[home] = user
        return sorted((user, home) for home, user in seen.items())

    # Each reader returns records, or None when its source is absent;
    # it raises SourceFailed when the source is present but cannot be read.

    def read_dpkg(self):
        admindir = self.path("var/lib/dpkg")
        if not os.path.exists(os.path.join(admindir, "status")):
            return None
        binary = self.module.get_bin_path("dpkg-query")
        if not binary:
            raise SourceFailed("a dpkg database is present but dpkg-query is not installed")
        return parse_dpkg(self.run([binary, "--admindir=" + admindir, "-W", "-f=" + DPKG_FORMAT]))

    def read_rpm(self):
        if not any(os.path.isdir(self.path(db)) and os.listdir(self.path(db)) for db in RPM_DB_DIRS):
            return None
        binary = self.module.get_bin_path("rpm")
        if not binary:
            raise SourceFailed("an rpm database is present but rpm is not installed")
        return parse_rpm(self.run([binary, "--root", self.root, "-qa", "--qf", RPM_FORMAT]))

    def read_flatpak(self):
        records = []
        present = False
        system = self.path("var/lib/flatpak")
        binary = self.module.get_bin_path("flatpak")
        if self.live and binary:
            present = True
            records.extend(
                parse_flatpak_list(self.run([binary, "list", "--system", "--app", "--columns=" + FLATPAK_COLUMNS]))
            )
        elif os.path.isdir(os.path.join(system, "app")):
            present = True
            records.extend(read_flatpak_installation(system, "system", "", self.warnings))
        for user, home in self.homes():
            installation = os.path.join(home, ".local/share/flatpak")
            if os.path.isdir(os.path.join(installation, "app")):
                present = True
                records.extend(read_flatpak_installation(installation, "user", user, self.warnings))
        return records if present else None

    def read_snap(self):
        socket_path = self.path(SNAPD_SOCKET)
        if self.live and os.path.exists(socket_path):
            connection = UnixHTTPConnection(socket_path, timeout=60)
            try:
                connection.request("GET", "/v2/snaps", headers={"Host": "localhost"})
                return parse_snapd_snaps(connection.getresponse().read())
            except (OSError, http.client.HTTPException, ValueError) as exc:
                raise SourceFailed("snapd socket %s: %s" % (socket_path, exc)) from exc
            finally:
                connection.close()
        binary = self.module.get_bin_path("snap")
        if self.live and binary:
            return parse_snap_list(self.run([binary, "list", "--unicode=never"]))
        if glob.glob(self.path("var/lib/snapd/snaps/*.snap")):
            raise SourceFailed("snaps are installed but snapd is not running (or the image is offline)")
        return None

    def read_app_bundle(self):
        applications = self.path("Applications")
        if not os.path.isdir(applications):
            return None
        folders = [("", applications)] + [(user, os.path.join(home, "Applications")) for user, home in self.homes()]
        records = []
        for user, folder in folders:
            records.extend(
                read_app_bundle(path, user, self.warnings, self.shown(path)) for path in find_app_bundles(folder)
            )
        return records

    def read_pkgutil(self):
        receipts = self.path("var/db/receipts")
        if not os.path.isdir(receipts):
            return None
        records = []
        for path in sorted(glob.glob(os.path.join(receipts, "*.plist"))):
            try:
                records.append(read_receipt(path))
            except (OSError, ValueError, ExpatError, AttributeError) as exc:
                raise SourceFailed("unreadable receipt %s: %s" % (path, exc)) from exc
        return records

    def blocks(self):
        apt_pins = []
        for path in sorted(glob.glob(self.path("etc/apt/preferences.d/interdict-*.pref"))):
            with open(path, encoding="utf-8", errors="replace", newline="") as handle:
                apt_pins.append({"path": self.shown(path), "content": handle.read()})
        dnf_excludes = []
        dnf_conf = self.path("etc/dnf/dnf.conf")
        if os.path.exists(dnf_conf):
            config = configparser.ConfigParser(interpolation=None, strict=False)
            config.read(dnf_conf, encoding="utf-8")
            # `exclude` is the older spelling of `excludepkgs`; values are separated by commas or spaces.
            value = " ".join(config.get("main", key, fallback="") for key in ("excludepkgs", "exclude"))
            patterns = [pattern for pattern in re.split(r"[\s,]+", value) if pattern]
            if patterns:
                dnf_excludes.append({"path": self.shown(dnf_conf), "patterns": patterns})
        masks = []
        installations = [("system", "", self.path("var/lib/flatpak"))]
        installations += [("user", user, os.path.join(home, ".local/share/flatpak")) for user, home in self.homes()]
        for scope, user, installation in installations:
            config = os.path.join(installation, "repo", "config")
            if os.path.exists(config):
                patterns = flatpak_masks(config)
                if patterns:
                    masks.append({"scope": scope, "user": user, "path": self.shown(config), "patterns": patterns})
        return {"apt_pin": apt_pins, "dnf_exclude": dnf_excludes, "flatpak_mask": masks}


def gather(module, root, sources):
    inventory = Inventory(module, root)
    software, read, absent, failed = [], {}, [], []
    for source in ALL_SOURCES:
        if source not in sources:
            continue
        try:
            records = getattr(inventory, "read_" + source)()
        except (SourceFailed, OSError) as exc:
            failed.append({"source": source, "msg": str(exc)})
            continue
        if records is None:
            absent.append(source)
        else:
            read[source] = len(records)
            software.extend(records)
    try:
        blocks = inventory.blocks()
    except (OSError, configparser.Error) as exc:
        failed.append({"source": "blocks", "msg": str(exc)})
        blocks = {"apt_pin": [], "dnf_exclude": [], "flatpak_mask": []}
    sources_state = {
        "platform": inventory.platform(),
        "read": read,
        "absent": absent,
        "failed": failed,
        "complete": not failed,
    }
    return software, blocks, sources_state, inventory.warnings


def main():
    module = AnsibleModule(
        argument_spec={
            "sources": {"type": "list", "elements": "str", "choices": list(ALL_SOURCES), "default": list(ALL_SOURCES)},
            "root": {"type": "path", "default": "/"},
        },
        supports_check_mode=True,
    )
    root = module.params["root"]
    if not os.path.isdir(root):
        module.fail_json(msg="root: %s is not a directory" % root)
    software, blocks, sources, warnings = gather(module, root, set(module.params["sources"]))
    for warning in warnings:
        module.warn(warning)
    facts = {"interdict_software": software, "interdict_blocks": blocks, "interdict_sources": sources}
    if not sources["read"]:
        module.fail_json(
            msg="no software source could be read under %s (absent: %s; failed: %s)"
            % (
                root,
                ", ".join(sources["absent"]) or "none",
                "; ".join("%s: %s" % (item["source"], item["msg"]) for item in sources["failed"]) or "none",
            ),
            ansible_facts=facts,
        )
    module.exit_json(changed=False, ansible_facts=facts)


if __name__ == "__main__":
    main()
