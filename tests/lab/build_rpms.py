# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the lab's test .rpm packages and the dnf repository that serves them.

The packages are built here with ``rpmbuild`` from Debian's ``rpm`` package
(no RHEL machine needed). They are small but real rpms carrying the real
names of banned software: ``kesl``, ``kesl-gui`` (which requires ``kesl``,
as the vendor's does) and ``klnagent64``, with Kaspersky as their vendor;
``keslint``, a look-alike no ban may touch (one letter away, another
vendor); and ``kaspersky-scan-engine``, whose ``%preun`` refuses while its
removal protection is on (the fault of a failing scriptlet).

Their scriptlets are written in rpm's built-in Lua, so they need no
``/bin/sh`` from the rpm database (the Debian lab host has its shell from
dpkg). Each appends ``<package> <scriptlet> <count>`` to
/var/log/interdict-lab/rpm-scriptlets.log, so the order of removals can be
checked, and starts/stops a fake service marker under
/var/lib/interdict-lab/services/ as build_debs.py's packages do.

The result is a dnf repository made with ``createrepo_c``
(``baseurl=file:///srv/interdict-rpms``). It is rebuilt only when this file
changes.

Usage: build_rpms.py [--output DIR] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = ROOT / ".cache" / "lab" / "rpms"
STAMP = ".built-from"

SERVICE_DIR = "/var/lib/interdict-lab/services"
SCRIPTLET_LOG = "/var/log/interdict-lab/rpm-scriptlets.log"
KASPERSKY = "AO Kaspersky Lab"


@dataclass(frozen=True)
class LabRpm:
    name: str
    version: str
    release: str
    vendor: str
    summary: str
    program: str
    requires: tuple[str, ...] = ()
    service: str = ""
    # A file %post creates and whose presence makes %preun refuse: a vendor's removal protection.
    protection: str = ""


PACKAGES: tuple[LabRpm, ...] = (
    LabRpm("kesl", "12.1.0", "1297", KASPERSKY, "Kaspersky Endpoint Security for Linux",
           "/opt/kaspersky/kesl/bin/kesl-control", service="kesl"),
    LabRpm("kesl-gui", "12.1.0", "1297", KASPERSKY, "Kaspersky Endpoint Security for Linux GUI",
           "/opt/kaspersky/kesl/bin/kesl-gui", requires=("kesl",)),
    LabRpm("klnagent64", "15.1.0", "20748", KASPERSKY, "Kaspersky Security Center Network Agent",
           "/opt/kaspersky/klnagent64/bin/klnagchk", service="klnagent64"),
    # The look-alike: a linter whose name starts like kesl; it must survive every scenario.
    LabRpm("keslint", "0.9.2", "1", "Kestrel Tools", "Kestrel template linter", "/usr/bin/keslint"),
    # Fault host only: %preun exits 1 while the protection is on.
    LabRpm("kaspersky-scan-engine", "2.1.0", "1", KASPERSKY, "Kaspersky Scan Engine",
           "/opt/kaspersky/scan-engine/bin/kavehost",
           protection="/var/opt/kaspersky/scan-engine/uninstall-protection"),
)  # fmt: skip


def _lua_log(package: LabRpm, scriptlet: str) -> str:
    return (
        'posix.mkdir("/var/log/interdict-lab")\n'
        f'local log = io.open("{SCRIPTLET_LOG}", "a")\n'
        f'if log then log:write("{package.name} {scriptlet} " .. arg[2] .. "\\n"); log:close() end\n'
    )


def _spec(package: LabRpm) -> str:
    lines = [
        f"Name: {package.name}",
        f"Version: {package.version}",
        f"Release: {package.release}",
        f"Summary: {package.summary}",
        "License: Proprietary",
        f"Vendor: {package.vendor}",
        f"Packager: {package.vendor} <support@example.invalid>",
        "BuildArch: noarch",
        "AutoReqProv: no",
    ]
    lines += [f"Requires: {dependency}" for dependency in package.requires]
    lines += [
        "",
        "%description",
        f"{package.summary}. Test package of the interdict.bans lab: it carries the real",
        "package name and installs nothing but a marker program.",
        "",
        "%install",
        f"mkdir -p %{{buildroot}}$(dirname {package.program})",
        f"printf '#!/bin/sh\\necho \"{package.summary} {package.version} (interdict.bans lab)\"\\n'"
        f" > %{{buildroot}}{package.program}",
        f"chmod 0755 %{{buildroot}}{package.program}",
        "",
        "%files",
        package.program,
        "",
        "%post -p <lua>",
        _lua_log(package, "post"),
    ]
    if package.service:
        lines += [
            f'posix.mkdir("{SERVICE_DIR.rsplit("/", 1)[0]}")',
            f'posix.mkdir("{SERVICE_DIR}")',
            f'local marker = io.open("{SERVICE_DIR}/{package.service}.active", "w")',
            'if marker then marker:write("running\\n"); marker:close() end',
        ]
    if package.protection:
        parent = package.protection.rsplit("/", 1)[0]
        parts = parent.strip("/").split("/")
        lines += [f'posix.mkdir("/{"/".join(parts[: index + 1])}")' for index in range(len(parts))]
        lines += [f'local guard = io.open("{package.protection}", "w")', "if guard then guard:close() end"]
    lines += ["", "%preun -p <lua>", _lua_log(package, "preun")]
    if package.service:
        lines.append(f'os.remove("{SERVICE_DIR}/{package.service}.active")')
    if package.protection:
        lines += [
            f'if arg[2] == 0 and posix.access("{package.protection}") then',
            f'  error("{package.name}: removal is password-protected; turn the protection off first")',
            "end",
        ]
    lines += ["", "%postun -p <lua>", _lua_log(package, "postun"), ""]
    return "\n".join(lines)


def build_package(package: LabRpm, output: Path) -> None:
    with tempfile.TemporaryDirectory(prefix=f"interdict-rpm-{package.name}-") as tmp:
        spec = Path(tmp) / f"{package.name}.spec"
        spec.write_text(_spec(package), encoding="utf-8")
        subprocess.run(
            [
                "rpmbuild",
                "--quiet",
                "--define",
                f"_topdir {tmp}",
                "--define",
                f"_rpmdir {output}",
                "--define",
                "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm",
                "-bb",
                str(spec),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )


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
    for tool, debian_package in (("rpmbuild", "rpm"), ("createrepo_c", "createrepo-c")):
        if shutil.which(tool) is None:
            print(f"build_rpms.py: {tool} not found (Debian package {debian_package})", file=sys.stderr)
            return 1
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    for package in PACKAGES:
        build_package(package, output)
    subprocess.run(["createrepo_c", "--quiet", str(output)], check=True)
    stamp.write_text(digest + "\n", encoding="utf-8")
    print(f"repository {output}: {', '.join(p.name for p in PACKAGES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
