# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print a manifest of the container's filesystem as JSON: {path: [type, mode, uid, gid, content]}.

``content`` is the SHA-256 of a regular file, the target of a symbolic link,
and empty for anything else. Left out: the kernel's and the run's own trees
(/proc, /sys, /dev, /run, /tmp), Ansible's remote temporary files
(/root/.ansible) and the package manager's own state, caches and logs. Paths
are bytes on disk, shown with backslash escapes where they are not UTF-8.
"""

import hashlib
import json
import os
import stat
import sys

EXCLUDED = (
    b"/proc",
    b"/sys",
    b"/dev",
    b"/run",
    b"/tmp",
    b"/root/.ansible",
    b"/var/lib/dpkg",
    b"/var/lib/apt",
    b"/var/cache/apt",
    b"/var/cache/debconf",
    b"/var/cache/ldconfig",
    b"/var/log/dpkg.log",
    b"/var/log/apt",
    b"/var/log/alternatives.log",
)


def excluded(path):
    return any(path == top or path.startswith(top + b"/") for top in EXCLUDED)


def entry(path):
    info = os.lstat(path)
    content = ""
    if stat.S_ISREG(info.st_mode):
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        content = digest.hexdigest()
    elif stat.S_ISLNK(info.st_mode):
        content = os.readlink(path).decode("utf-8", "backslashreplace")
    kind = "d" if stat.S_ISDIR(info.st_mode) else "l" if stat.S_ISLNK(info.st_mode) else "f"
    return [kind, "%04o" % stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid, content]


def main():
    manifest = {}
    for top, dirs, files in os.walk(b"/"):
        dirs[:] = sorted(name for name in dirs if not excluded(os.path.join(top, name)))
        for name in dirs + sorted(files):
            path = os.path.join(top, name)
            if not excluded(path):
                manifest[path.decode("utf-8", "backslashreplace")] = entry(path)
    json.dump(manifest, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
