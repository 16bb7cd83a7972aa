# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the lab's packages and the apt repository that serves them.

The packages are small but real Debian packages carrying the real names of
banned software (``kesl``, ``kesl-gui``, ``klnagent64``, ``wechat``) and of
real-world look-alikes that no ban may touch (``ticktick``, a to-do app whose
name is one letter from TikTok, and ``wemeet``, Tencent Meeting, shipped by
WeChat's publisher). Each one:

* installs a program under /opt and a systemd unit or desktop file, as the
  vendor package does;
* has a conffile, so ``apt-get remove`` (which keeps it) and ``apt-get purge``
  (which does not) can be told apart;
* starts a "service" in postinst by writing a marker under
  /var/lib/interdict-lab/services/ and stops it in prerm, so a removal done by
  the package's own scripts is visible;
* appends ``<package> <action>`` to /var/log/interdict-lab/maintscripts.log
  from every maintainer script, so the order of removals can be checked.

One more, ``kaspersky-scan-engine``, is only installed by the faults
scenario: its prerm refuses (exit 1) while its removal protection is on.

The ``HOSTILE`` packages are only installed by the hostile_names scenario:
their names are as hostile as dpkg allows (leading ``-`` after the first
character, ``--``, ``+``, 200 characters) and their versions, maintainers,
descriptions, file names and desktop entries carry shell metacharacters,
``$HOME``, ``~``, quotes, globs and newlines. Two are banned (Kaspersky by its
package name pattern and by a block-listed identifier), the others are
look-alikes that no ban may touch.

The result is a flat apt repository (``deb [trusted=yes] file:/srv/interdict-repo ./``).
It is rebuilt only when this file changes.

Usage: build_debs.py [--output DIR] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = ROOT / ".cache" / "lab" / "repo"
STAMP = ".built-from"

SERVICE_DIR = "/var/lib/interdict-lab/services"
MAINTSCRIPT_LOG = "/var/log/interdict-lab/maintscripts.log"


@dataclass(frozen=True)
class LabPackage:
    name: str
    version: str
    maintainer: str
    description: str
    program: str
    depends: tuple[str, ...] = ()
    service: str = ""
    desktop_name: str = ""
    conffile: str = ""
    extra_files: dict[str, str] = field(default_factory=dict)
    # A file postinst creates and whose presence makes prerm refuse (exit 1): a vendor's removal protection.
    protection: str = ""
    # Lines of the long description before the standard one, each as dpkg stores it (" text\n").
    long_description: str = ""


KASPERSKY = "AO Kaspersky Lab <support@kaspersky.com>"

PACKAGES: tuple[LabPackage, ...] = (
    LabPackage(
        name="kesl",
        version="12.1.0-1297",
        maintainer=KASPERSKY,
        description="Kaspersky Endpoint Security for Linux",
        program="/opt/kaspersky/kesl/bin/kesl-control",
        service="kesl",
        conffile="/etc/opt/kaspersky/kesl/kesl.conf",
    ),
    LabPackage(
        name="kesl-gui",
        version="12.1.0-1297",
        maintainer=KASPERSKY,
        description="Kaspersky Endpoint Security for Linux graphical user interface",
        program="/opt/kaspersky/kesl/bin/kesl-gui",
        depends=("kesl",),
        desktop_name="Kaspersky Endpoint Security for Linux",
        conffile="/etc/opt/kaspersky/kesl/kesl-gui.conf",
    ),
    LabPackage(
        name="klnagent64",
        version="15.1.0-20748",
        maintainer=KASPERSKY,
        description="Kaspersky Security Center Network Agent",
        program="/opt/kaspersky/klnagent64/bin/klnagchk",
        service="klnagent64",
        conffile="/etc/opt/kaspersky/klnagent64/klnagent.conf",
    ),
    LabPackage(
        name="wechat",
        version="4.0.1.11",
        maintainer="Tencent <weixin@tencent.com>",
        description="WeChat for Linux",
        program="/opt/wechat/wechat",
        desktop_name="WeChat",
        conffile="/etc/opt/wechat/wechat.conf",
    ),
    # Look-alikes: they must survive every scenario.
    LabPackage(
        name="ticktick",
        version="6.0.21",
        maintainer="TickTick Team <support@ticktick.com>",
        description="TickTick to-do list and calendar",
        program="/opt/ticktick/ticktick",
        desktop_name="TickTick",
        conffile="/etc/opt/ticktick/ticktick.conf",
    ),
    LabPackage(
        name="wemeet",
        version="3.19.2.400",
        maintainer="Tencent <wemeet@tencent.com>",
        description="Tencent Meeting (VooV Meeting) for Linux",
        program="/opt/wemeet/wemeetapp",
        desktop_name="Tencent Meeting",
        conffile="/etc/opt/wemeet/wemeet.conf",
    ),
)

BANNED = ("kesl", "kesl-gui", "klnagent64", "wechat")
LOOK_ALIKES = ("ticktick", "wemeet")

# For the faults scenario only: a banned package whose prerm exits 1 while its removal protection is on,
# as a vendor's script does when a service will not stop or it wants a password. Removing
# the protection file is "the script fixed".
PROTECTED = LabPackage(
    name="kaspersky-scan-engine",
    version="2.1.0-1",
    maintainer=KASPERSKY,
    description="Kaspersky Scan Engine",
    program="/opt/kaspersky/scan-engine/bin/kavehost",
    conffile="/etc/opt/kaspersky/scan-engine/kavehost.xml",
    protection="/var/opt/kaspersky/scan-engine/uninstall-protection",
)
FAULTS = (PROTECTED.name,)

# For the hostile_names scenario only. Every field dpkg does not restrict is hostile.
HOSTILE_TEXT = "$HOME ~ `id` $(touch /hostile-ran) ; rm -rf ~ | * ? [a-z] ' \" & > /etc/passwd"
# A continuation line and an empty line (" .") of a long description: a newline inside the field.
HOSTILE_LONG = f" -rf {HOSTILE_TEXT}\n .\n"
HOSTILE_FILES = {
    "-rf": "a file named like an option\n",
    "--help": "a file named like an option\n",
    "$(touch hostile-ran)": "command substitution in a file name\n",
    "`id`": "backticks in a file name\n",
    "$HOME": "a variable in a file name\n",
    "~": "a tilde file name\n",
    "*": "a glob file name\n",
    "[a-z]?": "a glob file name\n",
    "'\";|&<>": "quotes and shell operators in a file name\n",
    " leading space and trailing space ": "spaces\n",
    # dpkg unpacks to <name>.dpkg-new first: 255 characters less that suffix is the longest it installs.
    "x" * 240: "a 240-character file name\n",
}


def _hostile_files(directory: str) -> dict[str, str]:
    return {f"{directory}/{name}": text for name, text in HOSTILE_FILES.items()}


HOSTILE = (
    # Banned: matched by the kaspersky ban's Linux name pattern kaspersky[-.].*
    LabPackage(
        name="kaspersky--rf",
        version="1:0~-rf+--help-0",
        maintainer=f"AO Kaspersky Lab {HOSTILE_TEXT} <\"';*?~$HOME@example.invalid>",
        description=f"Kaspersky -rf {HOSTILE_TEXT}",
        long_description=HOSTILE_LONG,
        program="/opt/kaspersky--rf/bin/-rf",
        desktop_name=f"Kaspersky {HOSTILE_TEXT}",
        conffile="/etc/opt/kaspersky--rf/--help.conf",
        extra_files=_hostile_files("/opt/kaspersky--rf"),
    ),
    # Banned: an identifier of the kaspersky ban and in its block list (the 32-bit Network Agent).
    LabPackage(
        name="klnagent",
        version="15.1.0~rc1+.---1",
        maintainer=f"AO Kaspersky Lab <{HOSTILE_TEXT}>",
        description=f"Kaspersky Security Center Network Agent {HOSTILE_TEXT}",
        long_description=HOSTILE_LONG,
        program="/opt/kaspersky/klnagent/bin/--version",
        conffile="/etc/opt/kaspersky/klnagent/klnagent.conf",
        extra_files=_hostile_files("/opt/kaspersky/klnagent/share"),
    ),
    # Look-alikes: one character or one word away from a banned name, with hostile fields; all must survive.
    LabPackage(
        name="kasperskyx",
        version="1:0~--rf",
        maintainer=f"Not Kaspersky {HOSTILE_TEXT} <x@example.invalid>",
        description=f"Not Kaspersky: kaspersky without its dash {HOSTILE_TEXT}",
        long_description=HOSTILE_LONG,
        program="/opt/kasperskyx/kasperskyx",
        desktop_name=f"Kaspersky-free {HOSTILE_TEXT}",
        conffile="/etc/opt/kasperskyx/kasperskyx.conf",
        extra_files=_hostile_files("/opt/kasperskyx"),
    ),
    LabPackage(
        name="klnagent64-doc",
        version="15.1.0+--rf",
        maintainer=f"Documentation team {HOSTILE_TEXT} <doc@example.invalid>",
        description=f"Network Agent documentation, not the agent {HOSTILE_TEXT}",
        program="/usr/share/doc/klnagent64-doc/-rf",
    ),
    LabPackage(
        name="wechatty",
        version="0.0~~",
        maintainer=f"Tencent {HOSTILE_TEXT} <weixin@example.invalid>",
        description=f"WeChat bot framework, not WeChat {HOSTILE_TEXT}",
        long_description=HOSTILE_LONG,
        program="/opt/wechatty/wechatty",
        desktop_name=f"WeChat Work {HOSTILE_TEXT}",
        extra_files=_hostile_files("/opt/wechatty"),
    ),
    LabPackage(
        name="x--rf.+" + "x" * 193,
        version="1",
        maintainer=f"{HOSTILE_TEXT} <x@example.invalid>",
        description=f"A 200-character package name {HOSTILE_TEXT}",
        program="/opt/long-name/x",
    ),
)
HOSTILE_BANNED = ("kaspersky--rf", "klnagent")
HOSTILE_LOOK_ALIKES = tuple(package.name for package in HOSTILE if package.name not in HOSTILE_BANNED)


def _maintscript(package: LabPackage, script: str) -> str:
    """A maintainer script that logs its call and starts/stops the fake service."""
    lines = [
        "#!/bin/sh",
        "set -e",
        f"mkdir -p {os.path.dirname(MAINTSCRIPT_LOG)}",
        f'echo "{package.name} {script} $1" >> {MAINTSCRIPT_LOG}',
    ]
    if package.service and script == "postinst":
        lines += [
            'if [ "$1" = configure ]; then',
            f"  mkdir -p {SERVICE_DIR}",
            f"  echo running > {SERVICE_DIR}/{package.service}.active",
            "fi",
        ]
    if package.service and script == "prerm":
        lines.append(f"rm -f {SERVICE_DIR}/{package.service}.active")
    if package.protection and script == "postinst":
        lines += [
            'if [ "$1" = configure ]; then',
            f"  mkdir -p {os.path.dirname(package.protection)}",
            f"  echo on > {package.protection}",
            "fi",
        ]
    if package.protection and script == "prerm":
        lines += [
            f'if [ "$1" = remove ] && [ -e {package.protection} ]; then',
            f'  echo "{package.name}: removal is password-protected; turn the protection off first" >&2',
            "  exit 1",
            "fi",
        ]
    lines.append("exit 0")
    return "\n".join(lines) + "\n"


def _control(package: LabPackage) -> str:
    fields = {
        "Package": package.name,
        "Version": package.version,
        "Architecture": "all",
        "Maintainer": package.maintainer,
        "Section": "misc",
        "Priority": "optional",
    }
    if package.depends:
        fields["Depends"] = ", ".join(package.depends)
    fields["Description"] = (
        f"{package.description}\n{package.long_description} Test package of the interdict.bans lab: it carries the real"
        " package name\n and installs nothing but marker files."
    )
    return "".join(f"{key}: {value}\n" for key, value in fields.items())


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def build_package(package: LabPackage, output: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix=f"interdict-deb-{package.name}-") as tmp:
        tree = Path(tmp) / "tree"
        debian = tree / "DEBIAN"
        _write(debian / "control", _control(package))
        for script in ("postinst", "prerm", "postrm"):
            _write(debian / script, _maintscript(package, script), 0o755)
        _write(
            tree / package.program.lstrip("/"),
            f'#!/bin/sh\necho "{package.description} {package.version} (interdict.bans lab)"\n',
            0o755,
        )
        if package.conffile:
            _write(tree / package.conffile.lstrip("/"), f"# {package.description} settings\n")
            _write(debian / "conffiles", package.conffile + "\n")
        if package.service:
            _write(
                tree / "lib/systemd/system" / f"{package.service}.service",
                f"[Unit]\nDescription={package.description}\n\n"
                f"[Service]\nExecStart={package.program}\n\n[Install]\nWantedBy=multi-user.target\n",
            )
        if package.desktop_name:
            _write(
                tree / "usr/share/applications" / f"{package.name}.desktop",
                f"[Desktop Entry]\nType=Application\nName={package.desktop_name}\nExec={package.program}\n",
            )
        for path, text in package.extra_files.items():
            _write(tree / path.lstrip("/"), text)
        deb = output / f"{package.name}_{package.version}_all.deb"
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(tree), str(deb)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return deb


def build_repository(output: Path) -> None:
    packages = subprocess.run(
        ["dpkg-scanpackages", "--multiversion", ".", "/dev/null"],
        cwd=output,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    (output / "Packages").write_text(packages, encoding="utf-8")
    subprocess.run(["gzip", "-9nkf", "Packages"], cwd=output, check=True)


def source_digest() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="repository directory (%(default)s)")
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    args = parser.parse_args(argv)

    output: Path = args.output
    stamp = output / STAMP
    digest = source_digest()
    if not args.force and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == digest:
        print(f"repository {output} up to date")
        return 0
    for tool in ("dpkg-deb", "dpkg-scanpackages"):
        if shutil.which(tool) is None:
            print(f"build_debs.py: {tool} not found (Debian package dpkg-dev)", file=sys.stderr)
            return 1
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    for package in (*PACKAGES, PROTECTED, *HOSTILE):
        build_package(package, output)
    build_repository(output)
    stamp.write_text(digest + "\n", encoding="utf-8")
    print(f"repository {output}: {', '.join(p.name for p in (*PACKAGES, PROTECTED, *HOSTILE))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
