# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Linux and macOS facts readers share: the host (or a root directory) they read.

Every reader takes a ``PosixHost`` and a ``gaps`` list, and returns its
records, or None when its source is absent from the host. It raises
``SourceFailed`` when the source is present but cannot be read at all, and
appends a reason to ``gaps`` for each part it could not read (one user's
installation, one bundle): the source is then ``partial``. Runs on targets:
Python 3.8, standard library only.
"""

from __future__ import annotations

import os
import pwd
import sys

# Reasons are evidence, not logs: a few of them say enough.
GAP_REASONS_SHOWN = 3


class SourceFailed(Exception):
    """A source is present but could not be read; the inventory is incomplete."""


def decode(data):
    return data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data


def gaps_reason(gaps):
    """One reason for a partial source: how many parts were not read, and the first few."""
    if len(gaps) == 1:
        return gaps[0]
    shown = "; ".join(gaps[:GAP_REASONS_SHOWN])
    more = "; and %d more" % (len(gaps) - GAP_REASONS_SHOWN) if len(gaps) > GAP_REASONS_SHOWN else ""
    return "%d parts not read: %s%s" % (len(gaps), shown, more)


class PosixHost:
    """The system being inventoried: the live host, or a chroot or mounted image under ``root``.

    ``module`` gives ``run_command`` and ``get_bin_path`` (an AnsibleModule).
    """

    def __init__(self, module, root):
        self.module = module
        self.root = root
        self.live = os.path.realpath(root) == "/"
        self._homes = None

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

    def binary(self, name):
        return self.module.get_bin_path(name)

    def run(self, argv):
        rc, out, err = self.module.run_command(
            # No `${...}` expansion: the dpkg-query format is made of `${Field}` placeholders.
            argv,
            encoding=None,
            environ_update={"LC_ALL": "C.UTF-8"},
            expand_user_and_vars=False,
        )
        if rc != 0:
            raise SourceFailed("%s exited %s: %s" % (argv[0], rc, decode(err).strip()[:500]))
        return decode(out)

    def homes(self):
        """(user, home) pairs: passwd entries, plus /home/* and /Users/* folders not in passwd (directory users)."""
        if self._homes is None:
            self._homes = self._read_homes()
        return self._homes

    def _read_homes(self):
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
