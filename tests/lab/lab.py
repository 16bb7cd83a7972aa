# Copyright: (c) 2026, interdict.bans contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A long-lived lab: Debian containers carrying real banned packages, and their inventory.

    lab.py up   [--name interdict-lab ...] [--inventory lab/inventory.yml] [--keep]
    lab.py down [--name interdict-lab ...] [--inventory lab/inventory.yml]

``up`` builds the image and the test packages when missing (lab_assets.sh),
starts one container per name (a fresh one unless --keep), installs the
banned packages and their look-alikes with the same prepare playbook the
Molecule scenarios use, and writes an Ansible inventory that reaches the
containers with the containers.podman.podman connection. ``down`` removes
the containers and the inventory. The benchmarks import this module.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

LAB_DIR = Path(__file__).resolve().parent
ROOT = LAB_DIR.parents[1]
sys.path.insert(0, str(LAB_DIR))

import build_debs  # noqa: E402

DEFAULT_NAME = "interdict-lab"
DEFAULT_INVENTORY = ROOT / "lab" / "inventory.yml"
IMAGE = os.environ.get("INTERDICT_LAB_IMAGE", "localhost/interdict-debian:bookworm")
REPO_MOUNT = "/srv/interdict-repo"
PREPARE = ROOT / "extensions" / "molecule" / "shared" / "prepare.yml"
# Limits every host can grant (tests/lab/podman.conf says why).
ULIMITS = ("nofile=10000:10000", "nproc=8192:8192")


def lab_environment():
    """The environment podman and Ansible need for the lab (callers may already have set it)."""
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(LAB_DIR / "podman.conf"))
    venv_site = ROOT / ".venv" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", f"{ROOT / '.collections'}:{venv_site}")
    env.setdefault("ANSIBLE_NOCOLOR", "1")
    return env


def tool(name):
    """A tool of the running Python's environment (the project venv), else from PATH."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def _run(argv, env, quiet=False):
    stdout = subprocess.DEVNULL if quiet else None
    return subprocess.run(argv, env=env, check=True, stdout=stdout)


def build_assets(env):
    _run([str(LAB_DIR / "lab_assets.sh")], env)


def container_running(name, env):
    result = subprocess.run(
        ["podman", "container", "inspect", "--format", "{{.State.Running}}", name],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0 and result.stdout.strip() == "true"


def start_containers(names, env, keep=False):
    """Start one lab container per name; returns the names that were (re)created."""
    created = []
    for name in names:
        if keep and container_running(name, env):
            continue
        subprocess.run(
            ["podman", "rm", "-f", "--ignore", "--time", "0", name], env=env, check=True, stdout=subprocess.DEVNULL
        )
        argv = ["podman", "run", "-d", "--name", name, "--hostname", name, "--label", "interdict.lab=1"]
        argv += ["--volume", f"{build_debs.DEFAULT_OUTPUT}:{REPO_MOUNT}:ro"]
        for ulimit in ULIMITS:
            argv += ["--ulimit", ulimit]
        argv += [IMAGE, "sleep", "infinity"]
        _run(argv, env, quiet=True)
        created.append(name)
    return created


def write_inventory(names, path):
    """An inventory of the lab containers; lab_* variables say what the lab carries."""
    lines = [
        "---",
        "# Written by tests/lab/lab.py: the lab containers, reached with podman exec.",
        "all:",
        "  children:",
        "    interdict_lab:",
        "      hosts:",
    ]
    lines += [f"        {name}:" for name in names]
    lines += [
        "      vars:",
        "        ansible_connection: containers.podman.podman",
        "        ansible_python_interpreter: /usr/bin/python3",
        f"        lab_banned_packages: [{', '.join(build_debs.BANNED)}]",
        f"        lab_look_alike_packages: [{', '.join(build_debs.LOOK_ALIKES)}]",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def provision(inventory, env, limit=None):
    """Install the banned packages and look-alikes (the Molecule scenarios' prepare playbook)."""
    argv = [tool("ansible-playbook"), "-i", str(inventory), str(PREPARE)]
    if limit:
        argv += ["--limit", ",".join(limit)]
    _run(argv, env, quiet=True)


def up(names, inventory, keep=False):
    env = lab_environment()
    build_assets(env)
    created = start_containers(names, env, keep=keep)
    write_inventory(names, inventory)
    if created:
        provision(inventory, env, limit=created)
    return env


def down(names, inventory):
    env = lab_environment()
    for name in names:
        subprocess.run(
            ["podman", "rm", "-f", "--ignore", "--time", "0", name], env=env, check=True, stdout=subprocess.DEVNULL
        )
    if inventory.exists():
        inventory.unlink()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("action", choices=("up", "down"))
    parser.add_argument("--name", action="append", help=f"container name (repeatable; default {DEFAULT_NAME})")
    parser.add_argument("--inventory", type=Path, default=DEFAULT_INVENTORY, help="inventory to write (%(default)s)")
    parser.add_argument("--keep", action="store_true", help="reuse running containers as they are")
    args = parser.parse_args(argv)
    names = args.name or [DEFAULT_NAME]
    if args.action == "up":
        up(names, args.inventory, keep=args.keep)
        print(f"lab up: {', '.join(names)}; inventory {args.inventory}")
        print(f"banned packages installed: {', '.join(build_debs.BANNED)}")
        print(f"look-alikes installed (never removed): {', '.join(build_debs.LOOK_ALIKES)}")
    else:
        down(names, args.inventory)
        print(f"lab down: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
