# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux software sources: dpkg, rpm, flatpak (system and per user), snap.

Parsers are pure and linear in their input; readers run at most one process
per package manager and read per-user flatpaks from their files (the
GVariant ``deploy`` file of each app), so no process runs as each user.
Readers follow the contract in ``facts_posix``. Runs on targets: Python 3.8,
standard library only.
"""

from __future__ import annotations

import glob
import http.client
import json
import os
import re
import socket

from ansible_collections.interdict.bans.plugins.module_utils.facts_posix import SourceFailed

# One field per column, tab-separated, one package per line.
DPKG_FORMAT = "${Package}\t${Architecture}\t${Version}\t${Status}\t${Maintainer}\n"
# dpkg states in which the package's files are (at least partly) on disk.
DPKG_PRESENT_STATES = frozenset(
    ("installed", "half-installed", "unpacked", "half-configured", "triggers-awaited", "triggers-pending")
)
RPM_FORMAT = "%{NAME}\t%{ARCH}\t%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}\t%{VENDOR}\t%{PACKAGER}\n"
RPM_DB_DIRS = ("var/lib/rpm", "usr/lib/sysimage/rpm")
# A deploy file is a few KiB; a larger one is not read whole.
DEPLOY_READ_LIMIT = 1 << 20
FLATPAK_COLUMNS = "application,name,version,origin"
SNAPD_SOCKET = "run/snapd.socket"

_CONTACT_EMAIL = re.compile(r"\s*<[^>]*>\s*$")


def _publisher_name(contact):
    """`Dpkg Developers <debian-dpkg@lists.debian.org>` -> `Dpkg Developers`."""
    return _CONTACT_EMAIL.sub("", contact).strip()


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


def read_flatpak_installation(path, scope, user, gaps, shown=str):
    """Records for the apps deployed in one flatpak installation directory, read from files.

    An unreadable deploy file still gives a record (named by the app id) and a gap.
    """
    records = []
    apps = os.path.join(path, "app")
    try:
        app_ids = sorted(os.listdir(apps))
    except OSError as exc:
        gaps.append("flatpak %s installation %s: %s" % (_owner(scope, user), shown(path), exc.strerror or exc))
        return records
    for app_id in app_ids:
        deploy = os.path.join(apps, app_id, "current", "active", "deploy")
        if not os.path.exists(deploy):
            continue  # no current deployment: not installed
        name, version, origin = app_id, "", ""
        try:
            with open(deploy, "rb") as handle:
                data = parse_flatpak_deploy(handle.read(DEPLOY_READ_LIMIT))
            name = data["metadata"].get("appdata-name") or app_id
            version = data["metadata"].get("appdata-version", "")
            origin = data["origin"]
        except (OSError, GVariantError) as exc:
            gaps.append("flatpak %s %s: %s" % (_owner(scope, user), shown(deploy), exc))
        records.append(_flatpak_record(app_id, name, version, origin, scope, user))
    return records


def _owner(scope, user):
    return "user %s" % user if user else scope


# --------------------------------------------------------------------------- readers


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def read_dpkg(host, gaps):
    admindir = host.path("var/lib/dpkg")
    if not os.path.exists(os.path.join(admindir, "status")):
        return None
    binary = host.binary("dpkg-query")
    if not binary:
        raise SourceFailed("a dpkg database is present but dpkg-query is not installed")
    return parse_dpkg(host.run([binary, "--admindir=" + admindir, "-W", "-f=" + DPKG_FORMAT]))


def read_rpm(host, gaps):
    if not any(os.path.isdir(host.path(db)) and os.listdir(host.path(db)) for db in RPM_DB_DIRS):
        return None
    binary = host.binary("rpm")
    if not binary:
        raise SourceFailed("an rpm database is present but rpm is not installed")
    return parse_rpm(host.run([binary, "--root", host.root, "-qa", "--qf", RPM_FORMAT]))


def read_flatpak(host, gaps):
    """System apps through one `flatpak list` (from files under a root), per-user apps from their files."""
    records = []
    present = False
    system = host.path("var/lib/flatpak")
    binary = host.binary("flatpak")
    if host.live and binary:
        present = True
        argv = [binary, "list", "--system", "--app", "--columns=" + FLATPAK_COLUMNS]
        records.extend(parse_flatpak_list(host.run(argv)))
    elif os.path.isdir(os.path.join(system, "app")):
        present = True
        records.extend(read_flatpak_installation(system, "system", "", gaps, host.shown))
    for user, home in host.homes():
        installation = os.path.join(home, ".local/share/flatpak")
        if os.path.isdir(os.path.join(installation, "app")):
            present = True
            records.extend(read_flatpak_installation(installation, "user", user, gaps, host.shown))
    return records if present else None


def read_snap(host, gaps):
    """The snapd REST socket once; `snap list` only when the socket is missing."""
    socket_path = host.path(SNAPD_SOCKET)
    if host.live and os.path.exists(socket_path):
        connection = UnixHTTPConnection(socket_path, timeout=60)
        try:
            connection.request("GET", "/v2/snaps", headers={"Host": "localhost"})
            return parse_snapd_snaps(connection.getresponse().read())
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise SourceFailed("snapd socket %s: %s" % (socket_path, exc)) from exc
        finally:
            connection.close()
    binary = host.binary("snap")
    if host.live and binary:
        return parse_snap_list(host.run([binary, "list", "--unicode=never"]))
    if glob.glob(host.path("var/lib/snapd/snaps/*.snap")):
        raise SourceFailed("snaps are installed but snapd is not running (or the image is offline)")
    return None
