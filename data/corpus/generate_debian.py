# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Regenerate debian-bookworm.txt from a Debian 12 host's apt lists and dpkg database.

Usage: python3 generate_debian.py > debian-bookworm.txt   (on Debian 12 after ``apt-get update``)

Kept: every binary package of bookworm/main (amd64) with Priority required, important or
standard, or in a section of tools and applications (admin, shells, utils, net, editors, ...;
libraries, -dev and language-module sections are left out), plus every package installed on the
host that generated the list.
"""

import glob
import subprocess

SECTIONS = {
    "admin", "comm", "database", "editors", "electronics", "embedded", "games", "gnome", "graphics",
    "hamradio", "httpd", "interpreters", "kde", "mail", "misc", "net", "otherosfs", "shells", "sound",
    "text", "utils", "vcs", "video", "web", "x11",
}  # fmt: skip

names = set()
for path in glob.glob("/var/lib/apt/lists/*_debian_dists_bookworm_main_binary-amd64_Packages*"):
    text = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path], capture_output=True, text=True, check=True)
    for stanza in text.stdout.split("\n\n"):
        fields = dict(line.split(":", 1) for line in stanza.splitlines() if ":" in line and not line[0].isspace())
        name = fields.get("Package", "").strip()
        priority = fields.get("Priority", "").strip()
        section = fields.get("Section", "").strip().split("/")[-1]
        if name and (priority in ("required", "important", "standard") or section in SECTIONS):
            names.add(name)
installed = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\n"], capture_output=True, text=True, check=True)
names.update(installed.stdout.split())
print("# Debian 12 (bookworm) package names: see generate_debian.py for what is kept.")
print("# Source: deb.debian.org bookworm/main binary-amd64 Packages (InRelease dated 2026-07-11)")
print("# plus the packages installed on the Debian 12 build host.")
print("\n".join(sorted(names)))
