# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lay out flatpak installations with hostile names, as software_facts reads them (deploy files).

The lab image has no flatpak, so software_facts reads the system installation
(/var/lib/flatpak) and each home's ~/.local/share/flatpak from their files.
Prints, as JSON, what it made: {"banned": [...], "look_alikes": [...]}, each
item {scope, user, home, id, name}. Run with posix_builders.py (the unit
tests' GVariant writer) next to it.
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from posix_builders import COMMIT, build_deploy, make_flatpak_app

HOSTILE_TEXT = "$HOME ~ `id` $(touch /hostile-ran) ; rm -rf ~ | * ? [a-z] ' \" & > /etc/passwd\nsecond line"
# Look-alike ids and names: none is WeChat's id, none is named exactly WeChat, Weixin or 微信.
LOOK_ALIKE_IDS = (
    "-rf",
    "--help",
    "$HOME",
    "~",
    "*",
    "[a-z]?",
    "$(touch hostile-ran)",
    "`id`",
    "'\";|&<>",
    "line\nbreak",
    " com.tencent.WeChat",
    "com.tencent.WeChat.Devel",
    "com.tencent.WeChatWork",
    "x" * 250,
)
BANNED_ID = "com.tencent.WeChat"
# Homes that are folders under /home with no passwd entry: their names are not user names,
# so no command may run as "them". Each holds WeChat, by its banned id.
HOSTILE_HOMES = ("-rf $HOME;*", "line\nbreak", "~", "$(touch hostile-ran)", "'\";|&<>")
USER = "alice"


def app(installation, app_id, name, version="1.0"):
    metadata = [("deploy-version", "i", 4), ("appdata-name", "s", name), ("appdata-version", "s", version)]
    make_flatpak_app(installation, app_id, build_deploy("flathub", COMMIT, [], metadata))


def main():
    made = {"banned": [], "look_alikes": []}

    def add(kind, installation, scope, user, home, app_id, name):
        app(installation, app_id, name, version="1.0 " + HOSTILE_TEXT)
        made[kind].append({"scope": scope, "user": user, "home": home, "id": app_id, "name": name})

    system = "/var/lib/flatpak"
    user_installation = "/home/%s/.local/share/flatpak" % USER
    for app_id in LOOK_ALIKE_IDS:
        add("look_alikes", system, "system", "", "", app_id, "WeChat Work " + HOSTILE_TEXT)
        add("look_alikes", user_installation, "user", USER, "/home/" + USER, app_id, "Not WeChat " + HOSTILE_TEXT)
    # Banned by its name: an app named WeChat under a hostile id no command may take.
    add("banned", system, "system", "", "", "-x;reboot", "WeChat")
    for home in HOSTILE_HOMES:
        path = os.path.join("/home", home)
        add("banned", os.path.join(path, ".local/share/flatpak"), "user", home, path, BANNED_ID, HOSTILE_TEXT)
    subprocess.run(["chown", "-R", USER + ":", "/home/" + USER], check=True)
    json.dump(made, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
