# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the lab's flatpak repository: a tiny runtime and two apps, no network.

* ``org.interdict.Lab.Platform``: a runtime made of a few files (the apps
  never run in the lab, so it needs no libraries);
* ``com.tencent.WeChat``: the app id the WeChat ban blocks (bans/wechat.yml,
  ``block.flatpaks``), named "WeChat" in its metainfo, as on Flathub;
* ``com.tencent.wemeet``: a look-alike from the same publisher (Tencent
  Meeting) that no ban matches; it must survive every scenario.

Each is a directory with a ``metadata`` file and ``files/``, exported with
``flatpak build-export`` into an OSTree repository (``ostree`` and
``flatpak`` from Debian). ``flatpak build-init`` is not used: it wants the
runtime installed on the building machine. The lab hosts add the repository
as the remote ``interdict-lab`` (``file:///srv/interdict-flatpaks``,
unsigned, so ``--no-gpg-verify``). It is rebuilt only when this file changes.

Usage: build_flatpaks.py [--output DIR] [--force]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = ROOT / ".cache" / "lab" / "flatpaks"
STAMP = ".built-from"

RUNTIME = "org.interdict.Lab.Platform"
BRANCH = "stable"
RUNTIME_BRANCH = "1"
# (app id, display name, version)
APPS = (
    ("com.tencent.WeChat", "WeChat", "4.0.1.11"),
    ("com.tencent.wemeet", "Tencent Meeting", "3.19.2.400"),
)


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def _write_gzip(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))


def _arch() -> str:
    return subprocess.run(["flatpak", "--default-arch"], check=True, capture_output=True, text=True).stdout.strip()


def _export(repo: Path, directory: Path, branch: str, runtime: bool) -> None:
    argv = ["flatpak", "build-export", "--no-update-summary", "--disable-sandbox"]
    if runtime:
        argv += ["--runtime", "--files=files"]
    subprocess.run([*argv, str(repo), str(directory), branch], check=True, stdout=subprocess.DEVNULL)


def build(output: Path) -> None:
    arch = _arch()
    runtime_ref = f"{RUNTIME}/{arch}/{RUNTIME_BRANCH}"
    with tempfile.TemporaryDirectory(prefix="interdict-flatpak-") as tmp:
        runtime = Path(tmp) / "runtime"
        _write(
            runtime / "metadata",
            f"[Runtime]\nname={RUNTIME}\nruntime={runtime_ref}\nsdk={runtime_ref}\n",
        )
        _write(runtime / "files/share/interdict-lab/README", "The interdict.bans lab's flatpak runtime.\n")
        _write(runtime / "files/etc/os-release", "NAME=interdict-lab\nID=interdict-lab\n")
        _export(output, runtime, RUNTIME_BRANCH, runtime=True)
        for app_id, name, version in APPS:
            app = Path(tmp) / app_id
            command = app_id.rsplit(".", 1)[-1].lower()
            _write(
                app / "metadata",
                f"[Application]\nname={app_id}\nruntime={runtime_ref}\nsdk={runtime_ref}\ncommand={command}\n",
            )
            _write(app / f"files/bin/{command}", f'#!/bin/sh\necho "{name} {version} (interdict.bans lab)"\n', 0o755)
            # What flatpak reads the app's name and version from when it deploys it (appstream-compose's output).
            _write_gzip(
                app / f"files/share/app-info/xmls/{app_id}.xml.gz",
                f'<?xml version="1.0" encoding="UTF-8"?>\n<components version="0.8" origin="{app_id}">\n'
                f'  <component type="desktop">\n    <id>{app_id}</id>\n    <name>{name}</name>\n'
                f"    <summary>Test app of the interdict.bans lab</summary>\n"
                f'    <releases>\n      <release version="{version}" timestamp="1767225600"/>\n    </releases>\n'
                f"  </component>\n</components>\n",
            )
            _write(
                app / f"files/share/metainfo/{app_id}.metainfo.xml",
                f'<?xml version="1.0" encoding="UTF-8"?>\n<component type="desktop-application">\n'
                f"  <id>{app_id}</id>\n  <name>{name}</name>\n"
                f"  <summary>Test app of the interdict.bans lab</summary>\n"
                f"  <metadata_license>CC0-1.0</metadata_license>\n  <project_license>LicenseRef-proprietary</project_license>\n"
                f'  <releases>\n    <release version="{version}" date="2026-01-01"/>\n  </releases>\n</component>\n',
            )
            # build-finish: the exports (none here) and the "finished" mark build-export checks for.
            subprocess.run(["flatpak", "build-finish", str(app)], check=True, stdout=subprocess.DEVNULL)
            _export(output, app, BRANCH, runtime=False)
    subprocess.run(["flatpak", "build-update-repo", str(output)], check=True, stdout=subprocess.DEVNULL)


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
    if shutil.which("flatpak") is None or shutil.which("ostree") is None:
        print("build_flatpaks.py: flatpak and ostree are needed (Debian packages flatpak, ostree)", file=sys.stderr)
        return 1
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    build(output)
    stamp.write_text(digest + "\n", encoding="utf-8")
    print(f"repository {output}: {RUNTIME}, {', '.join(app_id for app_id, _name, _version in APPS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
